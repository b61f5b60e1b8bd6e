#!/bin/sh
# usage: int-bits.sh MODEL.onnx DATA_DIR WBITS ABITS
# Quantizes MODEL at the given bits, compiles it to C, prints the header's
# precision table, and compares the C outputs with the interpreter's bit for bit.
set -eu
m=$1 d=$2 w=$3 a=$4
o=$d/w$w-a$a
dlc "$m" --quantize --calib="$d/calib_x.npy" --wbits="$w" --abits="$a" --emit=qg -o "$o.mlir"
dlc "$o.mlir" --target=c -o "$o.c"
cc -std=c99 -Wall -Wextra -pedantic -Werror -O2 -c "$o.c" -o "$o.o"
grep -A1000 'Precision of each step' "$o.h" | sed '/Integer weights/q'
dlc-run "$o.mlir" --input "$d/test_x.npy" --limit 1000 --quiet -o "$o.i.npy" >/dev/null
dlc-run "$o.c" --input "$d/test_x.npy" --limit 1000 --quiet -o "$o.c.npy" >/dev/null
cmp "$o.i.npy" "$o.c.npy" && echo "identical on 1000 samples"
