#!/bin/sh
# Peak memory of calibrating + quantizing each zoo model over all 10,000
# Fashion-MNIST test images (entropy calibration: the method with the most
# state per tensor). usage: bench/calib-memory.sh BUILD_DIR
set -eu
B=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$SRC/scripts/zoo/fmnist.py" "$T" >/dev/null
echo "| model | samples | wall time | peak RSS |"
echo "|---|---|---|---|"
for m in cnn resnet mobilenet vit; do
  /usr/bin/time -v "$B/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/test_x.npy" --calib-samples=0 \
    --calib-method=entropy --emit=qg -o "$T/$m.mlir" 2>"$T/$m.time"
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$T/$m.time")
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/$m.time")
  echo "| $m | 10000 | $wall | $((kb / 1024)) MB |"
done
