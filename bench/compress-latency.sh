#!/bin/sh
# Latency of the C target's compressed builds against the plain integer build
# (docs/compression.md), in user CPU time, which other work on a shared machine
# disturbs less than wall-clock time. Per model: int8 (min/max calibration on
# 1,000 training images), then the IR of
#   plain     no compression;
#   lossless  --compress-kmax=0 (dlz_bound reserves);
#   mixed     --compress-max-loss=0.4 with labels, K up to 4, measured on
#             6,000 training images, calibration reserves (as compress-arena.sh);
# each compiled to C by BUILD_DIR's dlc (and, with REF=OTHER_BUILD_DIR, by that
# one too, from the same IR: a before/after of the generated code alone), cc -O2,
# run on the first BENCH_IMAGES test images (default 2,000) three times.
# Prints user ms/image (the fastest of the three runs), the ratio to plain, and
# whether the outputs are plain's bits (lossless) or the same across compilers.
# usage: [REF=OLD_BUILD] [MIXED=0] bench/compress-latency.sh BUILD_DIR [MODEL...]   (default: cnn resnet mobilenet)
set -eu
B=$(cd "${1:-build}" && pwd)
shift || true
MODELS=${*:-cnn resnet mobilenet}
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/lib.sh"
[ "${MIXED:-1}" = 1 ] && bench_data 6000 || bench_data
/usr/bin/python3 -c "
import numpy as np
n = int('${BENCH_IMAGES:-2000}')
np.save('$T/tx.npy', np.load('$T/test_x.npy')[:n]); np.save('$T/ty.npy', np.load('$T/test_y.npy')[:n])
"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(${CC:-cc} --version | head -1)" >&2
echo "| model | build | user ms/image | x plain | = plain |${REF:+ before: user ms/image | x plain | same bits |}"
echo "|---|---|---|---|---|${REF:+---|---|---|}"
for m in $MODELS; do
  "$B/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/calib_x.npy" --emit=qg -o "$T/$m.plain.mlir"
  "$B/dlc" "$T/$m.plain.mlir" --calib="$T/calib_x.npy" --compress-activations --compress-kmax=0 --emit=qg \
    -o "$T/$m.lossless.mlir"
  builds="plain lossless"
  if [ "${MIXED:-1}" = 1 ]; then
    "$B/dlc" "$T/$m.plain.mlir" --calib="$T/train_x.npy" --compress-activations --compress-samples=0 \
      --compress-labels="$T/train_y.npy" --compress-max-loss=0.4 --compress-reserve=calib --emit=qg -o "$T/$m.mixed.mlir"
    builds="$builds mixed"
  fi
  for v in $builds; do
    "$B/dlc" "$T/$m.$v.mlir" --target=c -o "$T/${m}_$v.c"
    ms=$(bench_c_run "${m}_$v")
    [ $v = plain ] && plain=$ms
    same=-
    [ $v = lossless ] && { cmp -s "$T/${m}_plain.out" "$T/${m}_$v.out" && same=yes || same=no; }
    row="| $m | $v | $ms | $(echo "$ms $plain" | awk '{printf "%.2fx", $1 / $2}') | $same |"
    if [ -n "${REF:-}" ]; then
      "$REF/dlc" "$T/$m.$v.mlir" --target=c -o "$T/ref_${m}_$v.c"
      rms=$(bench_c_run "ref_${m}_$v")
      [ $v = plain ] && rplain=$rms
      cmp -s "$T/ref_${m}_$v.out" "$T/${m}_$v.out" && rsame=yes || rsame=no
      row="$row $rms | $(echo "$rms $rplain" | awk '{printf "%.2fx", $1 / $2}') | $rsame |"
    fi
    echo "$row"
  done
done
