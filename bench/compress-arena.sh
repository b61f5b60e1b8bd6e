#!/bin/sh
# The C target's compressed arena on the zoo models (docs/compression.md):
# for each model, int8 (min/max calibration on 1,000 training images), then
#   plain     no compression (the int8 C target as before);
#   lossless  --compress-activations --compress-kmax=0: worst-case (dlz_bound)
#             reserves, so it can never fail; outputs compared with plain (cmp);
#   lossless+calib  the same tensors with reserves from the calibration worst case
#             + 5%, checked at run time (images that outgrow it return 2);
#   mixed-K   --compress-max-loss=0.4 with labels, K up to 4, measured on 6,000
#             training images; calibration reserves.
# Prints one markdown table: arena bytes of the generated C (and of the same
# band-by-band plan with those tensors uncompressed, and the activations alone),
# the activation ratio measured by the pass (mean / worst image), per-image
# latency (cc -O2, one thread, every test image), errors and test accuracy.
# usage: bench/compress-arena.sh BUILD_DIR [MODEL...]   (default: cnn cnn_sparse resnet mobilenet vit)
# BENCH_IMAGES=N uses the first N test images (default all 10,000); HOLDOUT=F
# passes --compress-holdout=F to the mixed-K search; SPLIT=test makes that
# search use test images 0-4,999 (labels included) instead of 6,000 training
# images, which the models have fit: judge it on the last column then.
set -eu
B=$(cd "${1:-build}" && pwd)
shift || true
MODELS=${*:-cnn cnn_sparse resnet mobilenet vit}
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$SRC/scripts/zoo/fmnist.py" "$T" >/dev/null
/usr/bin/python3 -c "
import sys, numpy as np
sys.path.insert(0, '$SRC/scripts/zoo')
import fmnist
x, y = fmnist.calibration(6000)   # its first 1,000 are calib_x.npy
if '${SPLIT:-}' == 'test':        # the mixed-K search on test images 0-4,999, which no model trained on
    x, y = np.load('$T/test_x.npy')[:5000], np.load('$T/test_y.npy')[:5000]
np.save('$T/c6k_x.npy', x); np.save('$T/c6k_y.npy', y)
n = int('${BENCH_IMAGES:-10000}')
np.save('$T/tx.npy', np.load('$T/test_x.npy')[:n]); np.save('$T/ty.npy', np.load('$T/test_y.npy')[:n])
"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(${CC:-cc} --version | head -1)" >&2
echo "| model | build | arena B | same plan uncompressed B | activations B (uncompressed) | measured ratio mean / worst | ms/image | errors | accuracy | accuracy, test 5,000-9,999 | = plain |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for m in $MODELS; do
  "$B/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/calib_x.npy" --emit=qg --print-loc -o "$T/$m.q.mlir"
  for v in plain lossless lossless_calib mixed; do
    n=${m}_$v
    case $v in
      plain) "$B/dlc" "$T/$m.q.mlir" --target=c -o "$T/$n.c" ;;
      lossless) "$B/dlc" "$T/$m.q.mlir" --calib="$T/calib_x.npy" --compress-activations --compress-kmax=0 \
                  --compress-report="$T/$n.rep" --target=c -o "$T/$n.c" ;;
      lossless_calib) "$B/dlc" "$T/$m.q.mlir" --calib="$T/calib_x.npy" --compress-activations --compress-kmax=0 \
                  --compress-reserve=calib --compress-report="$T/$n.rep" --target=c -o "$T/$n.c" ;;
      mixed) "$B/dlc" "$T/$m.q.mlir" --calib="$T/c6k_x.npy" --compress-activations --compress-samples=0 \
                  --compress-labels="$T/c6k_y.npy" --compress-max-loss=0.4 --compress-reserve=calib ${HOLDOUT:+--compress-holdout=$HOLDOUT} \
                  --compress-report="$T/$n.rep" --target=c -o "$T/$n.c" ;;
    esac
    ${CC:-cc} -std=c99 -O2 -DMODEL="$n" -I"$T" "$SRC/bench/compress_run.c" "$T/$n.c" -o "$T/$n.run" -lm
    r=$("$T/$n.run" "$T/tx.npy" "$T/ty.npy" "$T/$n.out")
    arena=$(sed -n "s/^#define ${n}_ARENA_BYTES \([0-9]*\)/\1/p" "$T/$n.h")
    raw=$(sed -n "s/^#define ${n}_ARENA_BYTES_UNCOMPRESSED \([0-9]*\)/\1/p" "$T/$n.h")
    scr=$(sed -n "s/^#define ${n}_SCRATCH_BYTES \([0-9]*\)/\1/p" "$T/$n.h")
    ratio=-
    [ -f "$T/$n.rep" ] && ratio=$(sed -n 's/^total: .*mean (\([0-9.]*x\)), .*worst (\([0-9.]*x\)).*/\1 \/ \2/p' "$T/$n.rep")
    acts=-
    [ -n "$raw" ] && acts="$((arena - scr)) ($((raw - scr)))"
    same=-
    [ $v != plain ] && { cmp -s "$T/${m}_plain.out" "$T/$n.out" && same=yes || same=no; }
    ms=$(echo "$r" | sed 's/.*bytes, \([0-9.]*\) ms.*/\1/')
    err=$(echo "$r" | sed 's/.*image, \([0-9]*\) of.*/\1/')
    acc=$(echo "$r" | sed 's/.*accuracy \([0-9.]*%\).*/\1/')
    acc2=$(/usr/bin/python3 -c "
import numpy as np
y = np.load('$T/ty.npy'); o = np.fromfile('$T/$n.out', np.float32).reshape(len(y), -1)
print('%.2f%%' % (100 * (o[5000:].argmax(1) == y[5000:]).mean()) if len(y) > 5000 else '-')")
    echo "| $m | $v | $arena | ${raw:--} | $acts | ${ratio:--} | $ms | $err | $acc | $acc2 | $same |"
    [ -f "$T/$n.rep" ] && sed "s/^/    $n: /" "$T/$n.rep" >&2
  done
done
