#!/bin/sh
# Where dlc's generated C spends its time, and what gcc says compiling it: the
# companion of bench/ort-vs-c.sh (same models, same dlc commands, same harness).
#
# usage: bench/ort-vs-c-profile.sh BUILD_DIR [IMAGES]   (default 2000 images per profile)
#   MODELS="cnn resnet"              default: cnn mobilenet resnet vit
#   PROFILE_FLAGS="-O3 -march=native" flag sets to profile, separated by ';' (default: that one)
#   CC=cc
# For each model, float (`dlc M.onnx --target=c`) and int8 (`--quantize
# --calib=calib_x.npy`): compiles model.c once with -O3 -march=native -Wall -Wextra and
# prints every warning (-Waggressive-loop-optimizations' "iteration N invokes
# undefined behavior" among them), then for each flag set builds bench/c_rounds.c
# with -g, runs IMAGES images under `perf record -e cpu-clock` (a software clock:
# virtual machines often have no hardware counters) and prints the symbols with at
# least 1% of the samples. Where perf cannot record it falls back to
# valgrind --tool=callgrind on IMAGES/20 images (instruction shares, not time).
# Static kernels that gcc inlines into NAME_run are counted in NAME_run.
set -eu
B=$(cd "${1:-build}" && pwd)
N=${2:-2000}
CC=${CC:-cc}
MODELS=${MODELS:-cnn mobilenet resnet vit}
FLAGSETS=${PROFILE_FLAGS:--O3 -march=native}
SRC=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
$PY "$SRC/scripts/zoo/fmnist.py" "$T" >/dev/null
use_perf=0
perf record -q -e cpu-clock -o "$T/probe.data" -- true >/dev/null 2>&1 && use_perf=1
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $($CC --version | head -1); profiler: $([ $use_perf = 1 ] && echo 'perf record -e cpu-clock' || echo callgrind); load $(cut -d' ' -f1-3 /proc/loadavg)"

profile() {  # EXE -> top symbols
  if [ $use_perf = 1 ]; then
    echo "$N 0" | perf record -q -F 5000 -e cpu-clock -o "$T/perf.data" -- "$1" "$T/test_x.npy" "$T/test_y.npy" >/dev/null 2>&1
    perf report -i "$T/perf.data" --stdio --no-children --sort symbol --percent-limit 1 2>/dev/null |
      awk '/^ +[0-9.]+%/ {sub(/\[\.\] /, ""); sub(/\[k\] /, "(kernel) "); sub(/ +- +- *$/, ""); printf "    %s\n", $0}'
  else
    echo "$((N / 20)) 0" | valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$1" "$T/test_x.npy" "$T/test_y.npy" >/dev/null 2>&1
    callgrind_annotate "$T/cg.out" 2>/dev/null | awk '/file:function/ {on = 1; next} on && NF {print "    " $0}' | head -15
  fi
}

for m in $MODELS; do
  Z="$SRC/zoo/$m.onnx"
  "$B/dlc" "$Z" --target=c --name="${m}_f" -o "$T/${m}_f.c"
  "$B/dlc" "$Z" --quantize --calib="$T/calib_x.npy" --target=c --name="${m}_q" -o "$T/${m}_q.c"
  for p in f q; do
    case $p in f) k=float ;; *) k=int8 ;; esac
    $CC -std=c99 -O3 -march=native -Wall -Wextra -c "$T/${m}_$p.c" -o "$T/w.o" 2>"$T/warn.txt" || true
    nw=$(grep -c 'warning:' "$T/warn.txt" || true)
    echo
    echo "## $m $k: $nw warnings from $CC -std=c99 -O3 -march=native -Wall -Wextra"
    grep 'warning:' "$T/warn.txt" | sed "s|$T/||; s/^/    /" | sort | uniq -c | sort -rn | head -10
    echo "$FLAGSETS" | tr ';' '\n' | while read -r fl; do
      [ -n "$fl" ] || continue
      $CC -std=c99 $fl -g -DMODEL="${m}_$p" -I"$T" "$SRC/bench/c_rounds.c" "$T/${m}_$p.c" -o "$T/${m}_$p.prof" -lm
      echo "  profile, $fl, $N images:"
      profile "$T/${m}_$p.prof"
    done
  done
done
