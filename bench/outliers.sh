#!/bin/sh
# Outlier-aware weights: test accuracy (all 10,000 images, integer interpreter) and
# weight storage of int8, plain 4-bit, and 4-bit dense + 1/2/3% outliers at 8 bits,
# activations 8-bit min/max on 1,000 training images. Writes a markdown table.
# usage: bench/outliers.sh BUILD_DIR [MODELS...]   (default models: cnn resnet)
set -eu
B=$(cd "${1:-build}" && pwd)
shift || true
MODELS=${*:-cnn resnet}
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$SRC/scripts/zoo/fmnist.py" "$T" >/dev/null
# one configuration: accuracy, weights, outliers, bytes of the store it implies
run() { # model name flags...
  m=$1 n=$2
  shift 2
  "$B/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/calib_x.npy" --wround=nearest "$@" --report="$T/r.json" --emit=qg -o "$T/q.mlir"
  acc=$("$B/dlc-run" "$T/q.mlir" --input "$T/test_x.npy" --labels "$T/test_y.npy" --quiet |
    sed -n 's/^accuracy: \([0-9.]*\)%.*/\1/p')
  /usr/bin/python3 - "$T/r.json" "$m" "$n" "$acc" "$*" <<'PY'
import json, sys
r, m, n, acc, flags = json.load(open(sys.argv[1])), *sys.argv[2:]
w = [l for l in r["layers"] if isinstance(l.get("weight_bits"), int)]
count = sum(l["weight_bytes"] * 8 // l["weight_bits"] for l in w)  # packed bytes -> weights
outl = sum(l.get("outliers", 0) for l in w)
if any("dense_weight_bits" in l for l in w):
    store = sum(l.get("sparse_weight_bytes", l["weight_bytes"]) for l in w)
else:
    store = sum(l["weight_bytes"] for l in w)
print(f"| {m} | {n} | `{flags}` | {acc} | {count} | {outl} ({100 * outl / count:.2f}%) | {store} | {count / store:.2f}x |")
PY
}
echo "| model | weights | flags | accuracy % | weights | outliers | bytes | vs int8 |"
echo "|---|---|---|---|---|---|---|---|"
for m in $MODELS; do
  run "$m" int8 --wbits=8
  run "$m" "W4 dense" --wbits=4 --wbits-small=4
  for f in 0.01 0.02 0.03; do run "$m" "W4 + $f outliers" --wbits=4 --outliers=$f; done
done
