#!/bin/sh
# Before/after of the generated C: two dlc builds, the same IR, paired rounds.
#
# usage: bench/ab.sh OLD_BUILD NEW_BUILD [IMAGES [ROUNDS]]   (default 400 images in 8 rounds)
#   MODELS="cnn resnet"    zoo models (default cnn mobilenet resnet vit)
#   KINDS="q f"            int8 (quantized by OLD_BUILD's dlc, so both builds compile the same IR) and/or float
#   FLAGS="-O2;-O3 -march=native"   the flag sets, ';'-separated
# For each model, kind and flag set, OLD's and NEW's `dlc --target=c` of the same IR are
# compiled with bench/c_rounds.c and timed in alternating rounds (old new old new ...);
# prints the median over rounds of each round's median us/image and of the per-round
# ratio new/old (< 1: the new build is faster), and whether the top-1 hits agree.
set -eu
OLD=$(cd "$1" && pwd)
NEW=$(cd "$2" && pwd)
N=${3:-400}
R=${4:-8}
MODELS=${MODELS:-cnn mobilenet resnet vit}
KINDS=${KINDS:-q f}
FLAGS=${FLAGS:--O2;-O3 -march=native}
SRC=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
$PY "$SRC/scripts/zoo/fmnist.py" "$T" >/dev/null
printf '%-10s %-4s %-20s %10s %10s %8s\n' model kind flags "old us" "new us" "new/old"
for m in $MODELS; do
  for k in $KINDS; do
    if [ $k = q ]; then "$OLD/dlc" "$SRC/zoo/$m.onnx" --quantize --calib="$T/calib_x.npy" --emit=qg -o "$T/$m.$k.mlir"
    else "$OLD/dlc" "$SRC/zoo/$m.onnx" --emit=qg -o "$T/$m.$k.mlir"; fi
    "$OLD/dlc" "$T/$m.$k.mlir" --target=c --name="old_$m$k" -o "$T/old_$m$k.c"
    "$NEW/dlc" "$T/$m.$k.mlir" --target=c --name="new_$m$k" -o "$T/new_$m$k.c"
    echo "$FLAGS" | tr ';' '\n' | while read -r fl; do
      for v in old new; do
        cc -std=c99 $fl -DMODEL="${v}_$m$k" -I"$T" "$SRC/bench/c_rounds.c" "$T/${v}_$m$k.c" -o "$T/$v.exe" -lm
      done
      $PY - "$T/old.exe" "$T/new.exe" "$T/test_x.npy" "$T/test_y.npy" "$N" "$R" "$m" "$k" "$fl" <<'EOF'
import subprocess, sys, statistics as st
old, new, x, y, n, r, m, k, fl = sys.argv[1:]
n, r = int(n), int(r)
ps = [subprocess.Popen([e, x, y], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for e in (old, new)]
for p in ps: p.stdout.readline()
def go(p, cnt, start):
    p.stdin.write(f"{cnt} {start}\n"); p.stdin.flush()
    return [float(v) for v in p.stdout.readline().split()]
for p in ps: go(p, 50, 0)
per = n // r
t = [[], []]; hits = [0, 0]
for i in range(r):
    order = (0, 1) if i % 2 == 0 else (1, 0)
    for j in order:
        med, mean, h, err = go(ps[j], per, i * per)
        t[j].append(med); hits[j] += h
for p in ps: p.stdin.close(); p.wait()
ratio = st.median(b / a for a, b in zip(t[0], t[1]))
print(f"{m:<10} {k:<4} {fl:<20} {st.median(t[0]):10.1f} {st.median(t[1]):10.1f} {ratio:8.3f}" + ("" if hits[0] == hits[1] else f"  top-1 hits differ: {hits}"))
EOF
    done
  done
done
