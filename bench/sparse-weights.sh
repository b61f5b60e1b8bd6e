#!/bin/sh
# Sparse weights in the generated C (docs/pruning.md): per model and pruning
# level, the int8 model (pruned with least-squares reconstruction on 1,000
# training images, then quantized with min/max calibration on them) compiled
# with --c-sparse-weights=off (all dense), auto (the default) and size, cc -O2,
# run on the first BENCH_IMAGES test images (default 2,000) three times.
# Prints the conv / gemm weights' nonzero share, each build's weight bytes and
# user ms/image (the fastest run), auto's and size's speed-up over off,
# whether all three compute the same bits, and the accuracy.
# usage: bench/sparse-weights.sh BUILD_DIR [MODEL:LAYERS_REGEX...]
#   (default: cnn:'c2|c3|fc' resnet:'/l[123]/', the stem and fc stay dense); LEVELS="0 0.5 0.7 0.9"
set -eu
B=$(cd "${1:-build}" && pwd)
shift || true
MODELS=${*:-cnn:c2|c3|fc resnet:/l[123]/}
LEVELS=${LEVELS:-0 0.5 0.7 0.9}
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$SRC/scripts/zoo/fmnist.py" "$T" >/dev/null
/usr/bin/python3 -c "
import numpy as np
n = int('${BENCH_IMAGES:-2000}')
np.save('$T/tx.npy', np.load('$T/test_x.npy')[:n]); np.save('$T/ty.npy', np.load('$T/test_y.npy')[:n])
"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(${CC:-cc} --version | head -1)" >&2
. "$SRC/bench/lib.sh"
# the nonzero share of the conv / gemm weights in header $1 (of a --c-sparse-weights=all build)
nonzero() {
  sed -n 's/.*sparse: \([0-9]*\) of \([0-9]*\) nonzero.*/\1 \2/p' "$1" | awk '{ z += $1; n += $2 } END { printf "%.1f%%", 100 * z / n }'
}
wbytes() { sed -n 's/.*Integer weights: \([0-9]*\) bytes in all.*/\1/p' "$1"; }
echo "| model | pruned (layers) | nonzero weights | weight bytes off / auto / size | ms/image off / auto / size | auto, size vs off | same bits | accuracy |"
echo "|---|---|---|---|---|---|---|---|"
for spec in $MODELS; do
  m=${spec%%:*} layers=${spec#*:}
  for r in $LEVELS; do
    v="${m}_$(echo "$r" | tr -d .)"
    if [ "$r" = 0 ]; then
      "$B/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/calib_x.npy" --emit=qg -o "$T/$v.mlir"
    else
      "$B/dlc" "$SRC/zoo/$m.onnx" --prune=unstructured:"$r" --prune-layers="$layers" --prune-reconstruct \
        --calib="$T/calib_x.npy" --quantize --emit=qg -o "$T/$v.mlir"
    fi
    "$B/dlc" "$T/$v.mlir" --target=c --c-sparse-weights=all --name="all_$v" -o "$T/all_$v.c"
    bytes= ms= same=yes
    for mode in off auto size; do
      "$B/dlc" "$T/$v.mlir" --target=c --c-sparse-weights=$mode --name="${mode}_$v" -o "$T/${mode}_$v.c"
      t=$(bench_c_run "${mode}_$v")
      bytes="$bytes${bytes:+ / }$(wbytes "$T/${mode}_$v.h")"
      ms="$ms${ms:+ / }$t"
      [ $mode = off ] && off=$t || { cmp -s "$T/off_$v.out" "$T/${mode}_$v.out" || same=no; }
      [ $mode = auto ] && auto=$t
      [ $mode = size ] && size=$t
    done
    echo "| $m | ${r} ($layers) | $(nonzero "$T/all_$v.h") | $bytes | $ms | $(echo "$off $auto $size" | awk '{printf "%.2fx, %.2fx", $1 / $2, $1 / $3}') | $same | $(sed -n 's/.*accuracy \([0-9.]*%\).*/\1/p' "$T/off_$v.txt") |"
  done
done
