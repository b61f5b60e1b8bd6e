#!/bin/sh
# Weight rounding at low widths (docs/quantization-accuracy.md, "Default
# rounding below 6 bits"): test accuracy of every zoo model on all 10,000 test
# images at W4A8, W3A8 and W4A4 with --wround=nearest, gptq, adaround and the
# default (auto below 6 bits: the one of the three that loses least on the last
# 200 of the 1,000 calibration images), against float. Calibration on the first
# 1,000 training images, default calibration method and clipping. One markdown
# row per model and setting; the last column is what auto chose (its note) and
# the seconds the adaround and auto compiles took.
# usage: bench/wround-auto.sh BUILD_DIR [MODEL...]   (default: cnn resnet mobilenet vit); JOBS=1 for dlc-run --jobs
set -eu
B=$(cd "${1:-build}" && pwd)
shift || true
MODELS=${*:-cnn resnet mobilenet vit}
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/lib.sh"
bench_data
acc() { "$B/dlc-run" "$1" --input "$T/test_x.npy" --labels "$T/test_y.npy" --quiet --jobs="${JOBS:-1}" | sed -n 's/^accuracy: \([0-9.]*\)%.*/\1/p'; }
echo "| model | float | setting | nearest | gptq | adaround | default (auto) | auto chose | adaround s | auto s |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for m in $MODELS; do
  f=$(acc "$SRC/zoo/$m.onnx")
  for wa in 4:8 3:8 4:4; do
    w=${wa%:*} a=${wa#*:}
    q="$B/dlc $SRC/zoo/$m.onnx --quantize --calib=$T/calib_x.npy --wbits=$w --wbits-small=$w --abits=$a --emit=qg"
    $q --wround=nearest -o "$T/n.mlir"
    $q --wround=gptq -o "$T/g.mlir"
    s=$(date +%s.%N); $q --wround=adaround -o "$T/a.mlir"; ta=$(echo "$(date +%s.%N) $s" | awk '{printf "%.1f", $1 - $2}')
    s=$(date +%s.%N); $q -o "$T/d.mlir" 2>"$T/note"; td=$(echo "$(date +%s.%N) $s" | awk '{printf "%.1f", $1 - $2}')
    chose=$(sed -n 's/.*--wround=auto: \([a-z]*\) .*/\1/p' "$T/note")
    echo "| $m | $f | W${w}A${a} | $(acc "$T/n.mlir") | $(acc "$T/g.mlir") | $(acc "$T/a.mlir") | $(acc "$T/d.mlir") | $chose | $ta | $td |"
  done
done
