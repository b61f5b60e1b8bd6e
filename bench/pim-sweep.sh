#!/usr/bin/env bash
# Precision sweep on the PIM target: each zoo model at several weight /
# activation bit widths, compiled for the default device (hbm2), simulated on
# N test images (default 1000), checked bit for bit against the integer
# interpreter. Prints one markdown row per configuration:
# model, W/A bits, interpreter accuracy, pim accuracy, bit-exact, us/image, uJ/image.
# usage: bench/pim-sweep.sh [N] [MODEL...]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
shift || true
models=${*:-cnn resnet}
b=build
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
/usr/bin/python3 scripts/zoo/fmnist.py "$t" > /dev/null
echo "| model | W/A bits | interpreter | pim | bit-exact | us / image | uJ / image |"
echo "|---|---|---|---|---|---|---|"
for m in $models; do
  for wa in 8/8 6/6 4/8 4/4 2/4; do
    w=${wa%/*} a=${wa#*/}
    $b/dlc zoo/$m.onnx --quantize --calib="$t/calib_x.npy" --wbits=$w --wbits-small=$w --abits=$a \
      --input-shape=input=500x1x28x28 --emit=qg -o "$t/q.mlir"
    $b/dlc "$t/q.mlir" --target=pim -o "$t/q.pimbin"
    ia=$($b/dlc-run "$t/q.mlir" --input "$t/test_x.npy" --labels "$t/test_y.npy" --limit $n --quiet -o "$t/ref.npy" | sed -n 's/^accuracy: \([0-9.]*\)%.*/\1/p')
    out=$($b/dlc-run "$t/q.pimbin" --input "$t/test_x.npy" --labels "$t/test_y.npy" --limit $n --quiet -o "$t/pim.npy")
    pa=$(echo "$out" | sed -n 's/^accuracy: \([0-9.]*\)%.*/\1/p')
    us=$(echo "$out" | sed -n 's/^pim ([^)]*): \([0-9.]*\) us and \([0-9.]*\) uJ.*/\1/p')
    uj=$(echo "$out" | sed -n 's/^pim ([^)]*): \([0-9.]*\) us and \([0-9.]*\) uJ.*/\2/p')
    same=$(cmp -s "$t/ref.npy" "$t/pim.npy" && echo yes || echo NO)
    echo "| $m | $wa | $ia% | $pa% | $same | $us | $uj |"
  done
done
