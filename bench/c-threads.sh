#!/bin/sh
# Throughput of the generated C with --c-threads: batch 1 against batch 8, one
# thread against THREADS (default: the online cores), int8 (dlc's defaults,
# 1,000 calibration images) and float, -O3 -march=native.
#
# usage: bench/c-threads.sh BUILD_DIR [IMAGES [ROUNDS]]   (default 2,000 test images, 5 rounds)
#   MODELS="cnn resnet"   zoo models (default: cnn mobilenet resnet vit)
#   THREADS=2             threads of the threaded runs
#   CC=cc                 the C compiler
#
# Per model and kind, two builds (`--input-shape=input=Bx1x28x28 --c-threads`,
# B = 1 and 8) each run as bench/c_threads.c: NAME_run_threads over all IMAGES
# images, with 1 thread then THREADS threads, ROUNDS times; the two builds
# alternate round by round. Printed: us/image (median over rounds) for each
# build and thread count, and the paired ratios (median over rounds of the
# round's ratio): batch 8 / batch 1 at one thread, THREADS / 1 thread for each
# batch (below 1: faster). Outputs are checked identical across builds'
# thread counts by test/targets/c-threads.test, not here.
set -eu
B=$(cd "${1:-build}" && pwd)
N=${2:-2000}
R=${3:-5}
CC=${CC:-cc}
TH=${THREADS:-$(nproc)}
MODELS=${MODELS:-cnn mobilenet resnet vit}
SRC=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
$PY "$SRC/scripts/zoo/fmnist.py" "$T" >/dev/null
$PY -c "import numpy as np, sys; np.save(sys.argv[2], np.load(sys.argv[1])[:int(sys.argv[3])])" "$T/test_x.npy" "$T/x.npy" "$N"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $($CC --version | head -1), -O3 -march=native, $N images, $R rounds, $TH threads; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| model | kind | b1 1t us/img | b1 ${TH}t | b8 1t | b8 ${TH}t | b8 / b1 (1t) | ${TH}t / 1t (b1) | ${TH}t / 1t (b8) |"
echo "|---|---|---|---|---|---|---|---|---|"
for m in $MODELS; do
  for k in int8 float; do
    case $k in int8) q="--quantize --calib=$T/calib_x.npy" ;; *) q= ;; esac
    for b in 1 8; do
      "$B/dlc" "$SRC/zoo/$m.onnx" --input-shape=input=${b}x1x28x28 $q --target=c --c-threads --name="m_b$b" -o "$T/m_b$b.c"
      $CC -std=c99 -O3 -march=native -pthread -DMODEL="m_b$b" -I"$T" "$SRC/bench/c_threads.c" "$T/m_b$b.c" -o "$T/b$b" -lm
    done
    : >"$T/rounds"
    for r in $(seq "$R"); do
      set -- $("$T/b1" "$T/x.npy" "$TH" 1) $("$T/b8" "$T/x.npy" "$TH" 1)
      echo "$1 $2 $3 $4" >>"$T/rounds"
    done
    $PY - "$T/rounds" "$m" "$k" <<'PYEOF'
import statistics as st, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
med = lambda xs: st.median(xs)
col = [med(r[i] for r in rows) for i in range(4)]
print("| %s | %s | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %.2f |" % (sys.argv[2], sys.argv[3], *col,
      med(r[2] / r[0] for r in rows), med(r[1] / r[0] for r in rows), med(r[3] / r[2] for r in rows)))
PYEOF
  done
done
echo
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
