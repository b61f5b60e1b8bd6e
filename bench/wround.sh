#!/bin/sh
# Weight rounding (docs/quantization-accuracy.md): test accuracy of every zoo
# model at narrow weights (activations 8-bit, min/max calibration on the first
# 1,000 training images) with --wround=nearest and --wround=gptq, on all
# 10,000 test images. One markdown row per model and width.
# usage: bench/wround.sh BUILD_DIR [MODEL...]   (default: cnn resnet mobilenet vit); WBITS="4 3 2"
set -eu
B=$(cd "${1:-build}" && pwd)
shift || true
MODELS=${*:-cnn resnet mobilenet vit}
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$SRC/scripts/zoo/fmnist.py" "$T" >/dev/null
acc() { "$B/dlc-run" "$1" --input "$T/test_x.npy" --labels "$T/test_y.npy" --quiet | sed -n 's/^accuracy: \([0-9.]*\)%.*/\1/p'; }
echo "| model | W bits | nearest | gptq | gain (points) | gptq time (s) |"
echo "|---|---|---|---|---|---|"
for m in $MODELS; do
  for w in ${WBITS:-4 3 2}; do
    "$B/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/calib_x.npy" --wbits="$w" --wbits-small="$w" --wround=nearest --emit=qg -o "$T/n.mlir"
    s=$(date +%s.%N)
    "$B/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/calib_x.npy" --wbits="$w" --wbits-small="$w" --wround=gptq --emit=qg -o "$T/g.mlir"
    e=$(date +%s.%N)
    n=$(acc "$T/n.mlir") g=$(acc "$T/g.mlir")
    echo "| $m | $w | $n% | $g% | $(echo "$g $n" | awk '{printf "%+.2f", $1 - $2}') | $(echo "$e $s" | awk '{printf "%.1f", $1 - $2}') |"
  done
done
