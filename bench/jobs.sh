#!/bin/sh
# --jobs=1 against --jobs=2: paired, interleaved rounds (1, 2, 1, 2, ...) so
# load from elsewhere hits both alike; prints each round's wall times and the
# median ratio, and checks that the outputs (and reports) are the same bytes.
# usage: bench/jobs.sh BUILD_DIR [ROUNDS [WHAT]]
#   WHAT: a model dlc-run interprets (default zoo/cnn.onnx, float; a quantized
#         .mlir from dlc --quantize --emit=qg for the integer one), or
#   calib  dlc's calibration of the CNN on CALIB_SAMPLES test images (entropy;
#          default 10000: at 1,000 the fixed import and passes weigh as much), or
#   pim    dlc-run of the int8 CNN's .pimbin on PIM_IMAGES test images (default 200), or
#   acc    dlc-run of its .accbin (dpu) on ACC_IMAGES test images (default 2000), or
#   assign dlc's precision search of the CNN for pim (loss:0.5, sparsities 0 and
#          0.5, 1,000 samples: 500 calibrate, 500 held out), its config, Pareto
#          JSON and model compared
set -eu
B=$(cd "${1:-build}" && pwd)
ROUNDS=${2:-5}
SRC=$(cd "$(dirname "$0")/.." && pwd)
WHAT=${3:-$SRC/zoo/cnn.onnx}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$SRC/scripts/zoo/fmnist.py" "$T" >/dev/null
case "$WHAT" in
pim) "$B/dlc" "$SRC/zoo/cnn.onnx" --quantize --calib="$T/calib_x.npy" --target=pim -o "$T/m.pimbin" ;;
acc) "$B/dlc" "$SRC/zoo/cnn.onnx" --quantize --calib="$T/calib_x.npy" --target=acc --acc-device=dpu -o "$T/m.accbin" ;;
esac
# one run with --jobs=$1: its output $T/o$1.*
run() {
  case "$WHAT" in
  calib) "$B/dlc" "$SRC/zoo/cnn.onnx" --quantize --calib="$T/test_x.npy" --calib-samples="${CALIB_SAMPLES:-10000}" --calib-method=entropy --jobs="$1" --emit=qg -o "$T/o$1.mlir" ;;
  pim) "$B/dlc-run" "$T/m.pimbin" --input "$T/test_x.npy" --limit "${PIM_IMAGES:-200}" --jobs="$1" --quiet -o "$T/o$1.npy" --report "$T/o$1.json" ;;
  assign) "$B/dlc" "$SRC/zoo/cnn.onnx" --calib="$T/calib_x.npy" --assign-labels="$T/calib_y.npy" --assign-precision=loss:0.5 --assign-target=pim --assign-sparsity=0,0.5 --jobs="$1" --assign-config="$T/o$1.json" --assign-pareto="$T/o$1.pareto" --emit=qg -o "$T/o$1.mlir" 2>/dev/null ;;
  acc) "$B/dlc-run" "$T/m.accbin" --input "$T/test_x.npy" --limit "${ACC_IMAGES:-2000}" --jobs="$1" --quiet -o "$T/o$1.npy" --report "$T/o$1.json" ;;
  *) "$B/dlc-run" "$WHAT" --input "$T/test_x.npy" --jobs="$1" --quiet -o "$T/o$1.npy" ;;
  esac
}
echo "| round | --jobs=1 (s) | --jobs=2 (s) | ratio |"
echo "|---|---|---|---|"
for r in $(seq "$ROUNDS"); do
  for j in 1 2; do
    s=$(date +%s.%N); run $j >/dev/null; e=$(date +%s.%N)
    echo "$s $e" | awk '{printf "%.2f\n", $2 - $1}' > "$T/t$j"
  done
  for f in "$T"/o1.*; do cmp "$f" "$T/o2.${f##*.}"; done
  echo "$r $(cat "$T/t1") $(cat "$T/t2")" | awk '{printf "| %d | %.2f | %.2f | %.2f |\n", $1, $2, $3, $2 / $3}'
done | tee "$T/rows"
awk -F'|' '{print $5}' "$T/rows" | sort -n | awk '{a[NR] = $1} END {printf "median ratio: %.2f (outputs identical)\n", a[int((NR + 1) / 2)]}'
echo "load: $(uptime)"
