#!/bin/sh
# Zero weight blocks on the acc target: dense against pruned (with
# least-squares reconstruction on 1,000 training images) for each model and
# preset. Accuracy: all 10,000 test images (integer interpreter); cost: the
# acc simulator on the first 1,000, whose outputs must equal the
# interpreter's (the script stops otherwise). Writes a markdown table.
# usage: bench/acc-sparse.sh BUILD_DIR [MODELS...]   (default models: cnn resnet)
set -eu
B=$(cd "${1:-build}" && pwd)
shift || true
MODELS=${*:-cnn resnet}
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$SRC/scripts/zoo/fmnist.py" "$T" 1000 >/dev/null
# the layers pruned: the CNN's c2, c3 and fc (c1 has 9 inputs per output); the
# ResNet's 3x3 convolutions in its residual blocks (stem, shortcuts, fc dense),
# for filters only the first of each block (the second feeds the residual add,
# where removed filters could only be zeroed)
layers() {
  case $1:$2 in
  cnn:*) echo 'c2|c3|fc' ;;
  resnet:filters*) echo '/l[123]/c1/' ;;
  resnet:*) echo '/l[123]/c[12]/' ;;
  esac
}
run() { # model preset spec
  m=$1 dev=$2 spec=$3
  set -- --quantize --calib="$T/calib_x.npy" --input-shape=input=500x1x28x28
  [ "$dev" = edge ] && set -- "$@" --pow2
  [ "$spec" != dense ] && set -- "$@" --prune="$spec" --prune-layers="$(layers "$m" "$spec")" --prune-reconstruct
  "$B/dlc" "$SRC/zoo/$m.onnx" "$@" --emit=qg -o "$T/q.mlir"
  "$B/dlc" "$T/q.mlir" --target=acc --acc-device="$dev" -o "$T/q.accbin"
  acc=$("$B/dlc-run" "$T/q.mlir" --input "$T/test_x.npy" --labels "$T/test_y.npy" --quiet -o "$T/ref.npy" |
    sed -n 's/^accuracy: \([0-9.]*\)%.*/\1/p')
  "$B/dlc-run" "$T/q.accbin" --input "$T/test_x.npy" --limit 1000 --quiet -o "$T/acc.npy" --report "$T/r.json" >/dev/null
  /usr/bin/python3 - "$T/ref.npy" "$T/acc.npy" <<'PY'
import sys, numpy as np
a, b = np.load(sys.argv[1])[:1000], np.load(sys.argv[2])
sys.exit(0 if a.tobytes() == b.tobytes() else "acc outputs differ from the interpreter's")
PY
  /usr/bin/python3 - "$T/r.json" "$m" "$dev" "$spec" "$acc" <<'PY'
import json, sys
r, m, dev, spec, acc = json.load(open(sys.argv[1])), *sys.argv[2:]
g = [l for l in r["layers"] if l["on"] == "acc" and l.get("weight_bits")]
blocks = sum(l["weight_blocks"] for l in g)
zero = sum(l["zero_blocks"] for l in g if l["weight_format"] == "blocks")
found = sum(l["zero_blocks"] for l in g)
wb = sum(l["weight_bytes"] for l in g)
p = r["per_sample"]
print(f"| {m} | {dev} | `{spec}` | {acc} | {p['ns'] / 1000:.2f} | {p['nj'] / 1000:.2f} | {p['dram_bytes']:,.0f} | "
      f"{wb:,} | {zero} of {blocks}" + (f" ({found} found)" if found != zero else "") + " |")
PY
}
echo "| model | preset | pruning | accuracy % | us / image | uJ / image | DRAM bytes / image | weight bytes | zero blocks skipped |"
echo "|---|---|---|---|---|---|---|---|---|"
for m in $MODELS; do
  for dev in dpu edge; do
    bs=16x16
    [ "$dev" = edge ] && bs=16x1
    for spec in dense unstructured:0.5 filters:0.25 filters:0.5 cols:0.25 cols:0.5 blocks:0.25:$bs blocks:0.5:$bs; do
      run "$m" "$dev" "$spec"
    done
  done
done
