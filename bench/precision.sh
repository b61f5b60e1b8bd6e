#!/usr/bin/env bash
# Mixed precision and sparsity for the pim target (issue 9): for each zoo
# model, --assign-precision at a loss budget on held-out training images, then
# the chosen model against uniform 8/8 on the test set: interpreter accuracy
# on all 10,000 images, pim simulation of the first N (bit-exact check) and
# simulated energy per image. One markdown row per model.
# usage: bench/precision.sh [N] [BUDGET] [CALIB] [MODEL...]
#   N       test images simulated on pim (default 2000)
#   BUDGET  the --assign-precision budget (default loss:0.5)
#   CALIB   training images drawn for calibration + held-out (default 10000)
# Extra dlc options in $ASSIGN_OPTS (default: sparsity 0,0.3,0.5,0.7); binaries from
# $DLC_BUILD (default build); $PIM_OBJECTIVE (edp, energy or time; default
# edp) compiles the assignment's cost tables, the chosen model and 8/8 with
# that --pim-objective. $ASSIGN_TARGET (pim, default, or acc) is the target
# whose cost model the assignment uses and which simulates both models
# ($ACC_OPTS: its device, default --acc-device=dpu); $QUANT_OPTS go to
# both the 8/8 model and the assignment (e.g. --pow2 for acc's edge). HOLDOUT=test holds out test images 0-4,999 instead of
# training images (the zoo trained on all 60,000, so held-out training images
# are not unseen) and evaluates on test images 5,000-9,999; then CALIB/2
# training images calibrate.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
budget=${2:-loss:0.5}
calib=${3:-10000}
shift 3 || shift $#
models=${*:-cnn resnet}
opts=${ASSIGN_OPTS:---assign-sparsity=0,0.3,0.5,0.7}
b=${DLC_BUILD:-build}
t=${PRECISION_DIR:-$(mktemp -d)}
mkdir -p "$t"
tg=${ASSIGN_TARGET:-pim}
obj=--pim-objective=${PIM_OBJECTIVE:-edp}
[ "$tg" = pim ] || obj=${ACC_OPTS:---acc-device=dpu}
/usr/bin/python3 scripts/zoo/fmnist.py "$t" "$calib" > /dev/null
if [ "${HOLDOUT:-train}" = test ]; then
  /usr/bin/python3 - "$t" $((calib / 2)) <<'PY'
import sys
import numpy as np
t, n = sys.argv[1], int(sys.argv[2])
cx, cy, tx, ty = (np.load(f"{t}/{f}.npy") for f in ("calib_x", "calib_y", "test_x", "test_y"))
np.save(f"{t}/calib_x.npy", np.concatenate([cx[:n], tx[:5000]]))
np.save(f"{t}/calib_y.npy", np.concatenate([cy[:n], ty[:5000]]))
np.save(f"{t}/test_x.npy", tx[5000:])
np.save(f"{t}/test_y.npy", ty[5000:])
PY
  opts="$opts --assign-holdout=5000"
fi
echo "| model | budget | chosen (held-out loss, se) | 8/8 test acc | chosen test acc | test loss | 8/8 uJ/image | chosen uJ/image | energy ratio | $tg = interpreter ($n images) | assign time |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for m in $models; do
  shape=--input-shape=input=500x1x28x28
  $b/dlc zoo/$m.onnx $shape ${QUANT_OPTS:-} --quantize --calib="$t/calib_x.npy" --calib-samples=$((calib / 2)) -o "$t/$m-ref.mlir"
  s=$(date +%s)
  $b/dlc zoo/$m.onnx $shape --calib="$t/calib_x.npy" --assign-labels="$t/calib_y.npy" --assign-precision="$budget" \
    --assign-target=$tg $obj ${QUANT_OPTS:-} $opts --assign-cache="$t/cache" --assign-config="$t/$m.json" \
    --assign-pareto="$t/$m.pareto.json" --assign-svg="$t/$m.svg" -o "$t/$m.mlir" 2> "$t/$m.log"
  secs=$(( $(date +%s) - s ))
  held=$(sed -n 's/^chosen (knapsack): [0-9.]*% on the held-out samples (\([^)]*\)).*/\1/p' "$t/$m.log")
  ra=$($b/dlc-run "$t/$m-ref.mlir" --input "$t/test_x.npy" --labels "$t/test_y.npy" --quiet | sed -n 's/^accuracy: \([0-9.]*\)%.*/\1/p')
  ca=$($b/dlc-run "$t/$m.mlir" --input "$t/test_x.npy" --labels "$t/test_y.npy" --quiet | sed -n 's/^accuracy: \([0-9.]*\)%.*/\1/p')
  ext=$([ "$tg" = pim ] && echo pimbin || echo accbin)
  $b/dlc "$t/$m-ref.mlir" --target=$tg $obj -o "$t/$m-ref.$ext"
  $b/dlc "$t/$m.mlir" --target=$tg $obj -o "$t/$m.$ext"
  ru=$($b/dlc-run "$t/$m-ref.$ext" --input "$t/test_x.npy" --limit 500 --quiet -o "$t/r.npy" | sed -n "s/^$tg ([^)]*): [0-9.]* us[ a-z]*,* \([0-9.]*\) uJ.*/\1/p")
  $b/dlc-run "$t/$m.mlir" --input "$t/test_x.npy" --limit "$n" --quiet -o "$t/i.npy"
  cu=$($b/dlc-run "$t/$m.$ext" --input "$t/test_x.npy" --limit "$n" --quiet -o "$t/p.npy" | sed -n "s/^$tg ([^)]*): [0-9.]* us[ a-z]*,* \([0-9.]*\) uJ.*/\1/p")
  same=$(cmp -s "$t/i.npy" "$t/p.npy" && echo yes || echo NO)
  loss=$(awk -v a="$ra" -v c="$ca" 'BEGIN { printf "%.2f", a - c }')
  ratio=$(awk -v a="$ru" -v c="$cu" 'BEGIN { printf "%.2fx", a / c }')
  echo "| $m | $budget | $held | $ra% | $ca% | $loss | $ru | $cu | $ratio | $same | ${secs} s |"
done
