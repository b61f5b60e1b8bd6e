#!/bin/sh
# Weighted-entropy weights (docs/quantization-accuracy.md): test accuracy of
# the zoo models at narrow weights with --wquant=uniform (default clipping:
# omse below 6 bits), wentropy-plain, wentropy-lloyd and wentropy,
# activations 8-bit (min/max calibration on the first 1,000 training images),
# on all 10,000 test images.
# One markdown row per model and width.
# usage: bench/wentropy.sh BUILD_DIR [MODEL...]   (default: cnn resnet mobilenet vit); WBITS="4 3 2"
set -eu
B=$(cd "${1:-build}" && pwd)
shift || true
MODELS=${*:-cnn resnet mobilenet vit}
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/lib.sh"
bench_data
acc() { "$B/dlc-run" "$1" --input "$T/test_x.npy" --labels "$T/test_y.npy" --quiet | sed -n 's/^accuracy: \([0-9.]*\)%.*/\1/p'; }
echo "| model | W bits | float | uniform | wentropy-plain | wentropy-lloyd | wentropy | wentropy gain (points) |"
echo "|---|---|---|---|---|---|---|---|"
for m in $MODELS; do
  "$B/dlc" "$SRC/zoo/$m.onnx" --emit=qg -o "$T/f.mlir"
  f=$(acc "$T/f.mlir")
  for w in ${WBITS:-4 3 2}; do
    "$B/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/calib_x.npy" --wbits="$w" --wbits-small="$w" --wround=nearest --emit=qg -o "$T/u.mlir"
    "$B/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/calib_x.npy" --wbits="$w" --wquant=wentropy-plain --emit=qg -o "$T/p.mlir"
    "$B/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/calib_x.npy" --wbits="$w" --wquant=wentropy-lloyd --emit=qg -o "$T/l.mlir"
    "$B/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/calib_x.npy" --wbits="$w" --wquant=wentropy --emit=qg -o "$T/e.mlir"
    u=$(acc "$T/u.mlir") p=$(acc "$T/p.mlir") l=$(acc "$T/l.mlir") e=$(acc "$T/e.mlir")
    echo "| $m | $w | $f% | $u% | $p% | $l% | $e% | $(echo "$e $u" | awk '{printf "%+.2f", $1 - $2}') |"
  done
done
