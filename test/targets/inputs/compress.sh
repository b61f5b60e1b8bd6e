#!/bin/sh
# usage: compress.sh MODEL.onnx DATA_DIR NAME [dlc --compress-* options...]
# Quantizes MODEL (int8, calib_x.npy), chooses its activation compression with
# the given options, compiles it to C, prints the header's arena sizes and
# compression table, and compares the C outputs with the integer interpreter's
# bit for bit on 1,000 test images (the interpreter applies the IR's K-lossy
# rounding, so this holds for lossy choices too).
set -eu
m=$1 d=$2 n=$3
shift 3
o=$d/$n
dlc "$m" --quantize --calib="$d/calib_x.npy" --compress-activations --compress-labels="$d/calib_y.npy" \
  --compress-report-text="$o.report" "$@" --emit=qg -o "$o.mlir"
dlc "$o.mlir" --target=c -o "$o.c"
cc -std=c99 -Wall -Wextra -pedantic -Werror -O2 -c "$o.c" -o "$o.o"
cat "$o.report"
grep -E 'ARENA_BYTES|reserved' "$o.h"
dlc-run "$o.mlir" --input "$d/test_x.npy" --limit 1000 --quiet -o "$o.i.npy" >/dev/null
dlc-run "$o.c" --input "$d/test_x.npy" --limit 1000 --quiet -o "$o.c.npy" >/dev/null
cmp "$o.i.npy" "$o.c.npy" && echo "identical on 1000 samples"
