#!/bin/sh
# Activations compressed in the accelerator's DRAM (docs/compression.md):
# for each model, int8 (min/max calibration on 1,000 training images) on the
# dpu preset, then
#   none      every activation stored raw;
#   all       every activation through the codec, "all" scheme (dlc-run
#             --acc-compress all: the simulator's uniform setting);
#   lossless  the compiler's per-tensor choice (--compress-activations
#             --target=acc --compress-kmax=0): scheme per tensor, tensors
#             that would save under 3% stay raw;
#   mixed     the same with K up to 4 under 0.4 points of accuracy (labels,
#             CALIB_N training images, default 6,000; HOLDOUT=F passes
#             --compress-holdout=F; SPLIT=test: test images 0-4,999
#             instead, which no model trained on: judge by the last 5,000).
# DRAM bytes, energy and time per image: the acc simulator on the first
# SIM_N test images (default 1,000), whose outputs must equal the integer
# interpreter's for the same IR (the script stops otherwise); accuracy: the
# interpreter on all 10,000 test images. Prints a markdown table.
# usage: bench/acc-compress.sh BUILD_DIR [MODEL...]   (default: cnn resnet)
set -eu
B=$(cd "${1:-build}" && pwd)
shift || true
MODELS=${*:-cnn resnet}
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/lib.sh"
bench_data "${CALIB_N:-6000}"
if [ "${SPLIT:-}" = test ]; then # the mixed-K search on test images 0-4,999, which no model trained on
  /usr/bin/python3 -c "
import numpy as np
np.save('$T/train_x.npy', np.load('$T/test_x.npy')[:5000]); np.save('$T/train_y.npy', np.load('$T/test_y.npy')[:5000])"
fi
SIM_N=${SIM_N:-1000}
acc() { # outputs labels: accuracy on all, and on the last 5,000
  /usr/bin/python3 -c "
import numpy as np
y = np.load('$2'); p = np.load('$1').reshape(len(y), -1).argmax(1) == y
print('%.2f%% | %.2f%%' % (100 * p.mean(), 100 * p[5000:].mean()))"
}
json() { /usr/bin/python3 -c "import json; p = json.load(open('$1'))['per_sample']; print('%.0f %.0f %.2f %.1f' % (p['dram_bytes'], p['activation_dram_bytes'], p['nj'] / 1e3, p['ns'] / 1e3))"; }
echo "| model | build | DRAM B/image | activations B/image | activations x none | energy uJ/image | time us/image | tensors compressed (K > 0) | accuracy | accuracy, test 5,000-9,999 | acc = interpreter |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for m in $MODELS; do
  "$B/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/calib_x.npy" --emit=qg --print-loc -o "$T/$m.q.mlir"
  for v in none all lossless mixed; do
    n=${m}_$v ir=$T/$m.q.mlir sim=
    case $v in
      all) sim="--acc-compress all" ;;
      lossless) ir=$T/$n.mlir
        "$B/dlc" "$T/$m.q.mlir" --calib="$T/calib_x.npy" --compress-activations --compress-target=acc --compress-kmax=0 \
          --compress-report="$T/$n.rep" --emit=qg --print-loc -o "$ir" ;;
      mixed) ir=$T/$n.mlir
        "$B/dlc" "$T/$m.q.mlir" --calib="$T/train_x.npy" --compress-activations --compress-target=acc --compress-samples=0 \
          --compress-labels="$T/train_y.npy" --compress-max-loss=0.4 ${HOLDOUT:+--compress-holdout=$HOLDOUT} \
          --compress-report="$T/$n.rep" --emit=qg --print-loc -o "$ir" ;;
    esac
    "$B/dlc" "$ir" --target=acc --acc-device=dpu -o "$T/$n.accbin"
    # shellcheck disable=SC2086
    "$B/dlc-run" "$T/$n.accbin" --input "$T/test_x.npy" --limit "$SIM_N" --quiet $sim -o "$T/$n.acc.npy" --report "$T/$n.json" >/dev/null
    "$B/dlc-run" "$ir" --input "$T/test_x.npy" --quiet -o "$T/$n.int.npy" >/dev/null
    /usr/bin/python3 -c "
import numpy as np, sys
a, i = np.load('$T/$n.acc.npy'), np.load('$T/$n.int.npy')[:$SIM_N]
sys.exit(0 if a.shape == i.shape and (a == i).all() else 1)" || { echo "$n: the accelerator's outputs differ from the interpreter's" >&2; exit 1; }
    set -- $(json "$T/$n.json")
    [ $v = none ] && base=$2
    nz=- nk=-
    if [ -f "$T/$n.rep" ]; then
      nz=$(grep -c '^/' "$T/$n.rep" || true)
      nk=$(awk '/^\// && $3 > 0' "$T/$n.rep" | wc -l)
      sed "s/^/    $n: /" "$T/$n.rep" >&2
    fi
    ratio=$(echo "$base $2" | awk '{printf "%.2fx", $1 / $2}')
    echo "| $m | $v | $1 | $2 | $ratio | $3 | $4 | $nz ($nk) | $(acc "$T/$n.int.npy" "$T/test_y.npy") | yes |"
  done
done
