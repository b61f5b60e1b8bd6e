#!/bin/sh
# Block reconstruction (docs/quantization-accuracy.md, "Block reconstruction"):
# test accuracy on all 10,000 test images of the zoo models with residual
# blocks (the ResNet; the ViT's attention and MLP blocks: MODEL vit) at W3A8
# and W4A4 (SETTINGS="W:A ...") with --wround=nearest, adaround,
# brecq and the default (auto: here nearest, gptq, adaround and brecq tried on
# the first 800 calibration images, the one closest to float on the last 200
# kept). Calibration on the first 1,000 training images, every layer at the
# setting's width (--wbits-small=W), the other defaults as they are. One
# markdown row per model and setting; the last columns are what auto chose
# and the CPU seconds (user + system) the adaround, brecq and auto compiles
# took: the machine is shared, so wall-clock time says little.
# usage: bench/wround-brecq.sh BUILD_DIR [MODEL...]   (default: resnet)
# e.g. SETTINGS="4:8 3:8 4:4" bench/wround-brecq.sh build vit
set -eu
B=$(cd "${1:-build}" && pwd)
shift || true
MODELS=${*:-resnet}
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/lib.sh"
bench_data
acc() { "$B/dlc-run" "$1" --input "$T/test_x.npy" --labels "$T/test_y.npy" --quiet --jobs="${JOBS:-1}" | sed -n 's/^accuracy: \([0-9.]*\)%.*/\1/p'; }
secs() { /usr/bin/time -f "%U %S" -o "$T/time" "$@"; awk '{printf "%.1f", $1 + $2}' "$T/time"; }
echo "| model | float | setting | nearest | adaround | brecq | default (auto) | auto chose | adaround s | brecq s | auto s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for m in $MODELS; do
  f=$(acc "$SRC/zoo/$m.onnx")
  for wa in ${SETTINGS:-3:8 4:4}; do
    w=${wa%:*} a=${wa#*:}
    q="$B/dlc $SRC/zoo/$m.onnx --quantize --calib=$T/calib_x.npy --wbits=$w --wbits-small=$w --abits=$a --emit=qg"
    $q --wround=nearest -o "$T/n.mlir" 2>/dev/null
    ta=$(secs $q --wround=adaround -o "$T/a.mlir" 2>/dev/null)
    tb=$(secs $q --wround=brecq -o "$T/b.mlir" 2>/dev/null)
    td=$(secs $q -o "$T/d.mlir" 2>"$T/note")
    chose=$(sed -n 's/.*--wround=auto: \([a-z]*\) .*/\1/p' "$T/note")
    echo "| $m | $f | W${w}A${a} | $(acc "$T/n.mlir") | $(acc "$T/a.mlir") | $(acc "$T/b.mlir") | $(acc "$T/d.mlir") | $chose | $ta | $tb | $td |"
  done
done
