#!/bin/sh
# Precision highway (--highway) on the zoo ResNet: top-1 accuracy (integer
# interpreter) per weight / activation width, without the highway, with only
# its ends' 8-bit weights (stem and fc, by --config), and with --highway.
# Calibrated on the 1,000 calibration images (all 10,000 test images), and on
# five disjoint sets of 200 of them (the first 5,000 test images), for the
# spread. Writes markdown tables to stdout. Every layer at the given widths,
# as measured before small kernels and the wider edges became the defaults
# (--wbits-small and --abits-edge at the same widths).
# usage: bench/highway.sh BUILD_DIR [JOBS]
set -eu
B=$(cd "${1:-build}" && pwd)
J=${2:-1}
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/lib.sh"
bench_data
/usr/bin/python3 -c "
import numpy as np, sys
x = np.load(sys.argv[1] + '/calib_x.npy')
for i in range(5): np.save(sys.argv[1] + '/cal%d.npy' % i, x[i * 200:(i + 1) * 200])
np.save(sys.argv[1] + '/calall.npy', x)" "$T"
echo '{"nodes": {"/stem/stem.0/Conv": {"wbits": 8}, "/fc/Gemm": {"wbits": 8}}}' > "$T/ends.json"
SETTINGS="3/3 4/3 4/4"
{
  echo "float - -"
  for s in $SETTINGS; do for c in all 0 1 2 3 4; do for h in no ends hw; do echo "$s $c $h"; done; done; done
} | xargs -P "$J" -L 1 sh -c 'B="$0"; SRC="$1"; T="$2"; shift 3; s=$1 c=$2 h=$3
  if [ "$s" = float ]; then
    "$B/dlc-run" "$SRC/zoo/resnet.onnx" --input "$T/test_x.npy" --labels "$T/test_y.npy" --quiet | sed -n "s/^accuracy: \([0-9.]*\)%.*/\1/p" > "$T/float.acc"
    exit 0
  fi
  key=$(echo "$s-$c-$h" | tr / _)
  case $h in no) opt= ;; ends) opt="--config=$T/ends.json" ;; hw) opt=--highway ;; esac
  lim=; [ "$c" = all ] || lim=--limit=5000
  out="$T/$key.mlir"
  if "$B/dlc" "$SRC/zoo/resnet.onnx" --quantize --calib="$T/cal$c.npy" --calib-samples=0 --wbits="${s%/*}" --wbits-small="${s%/*}" --abits="${s#*/}" --abits-edge="${s#*/}" --wround=nearest $opt --emit=qg -o "$out" 2>"$out.err"; then
    "$B/dlc-run" "$out" --jobs=1 $lim --input "$T/test_x.npy" --labels "$T/test_y.npy" --quiet | sed -n "s/^accuracy: \([0-9.]*\)%.*/\1/p" > "$T/$key.acc"
  else echo error > "$T/$key.acc"; fi
  rm -f "$out"' "$B" "$SRC" "$T" -
acc() { cat "$T/$(echo "$1" | tr / _).acc" 2>/dev/null || echo "?"; }
spread() { for c in 0 1 2 3 4; do acc "$1-$c-$2"; done | awk '{s += $1; if (NR == 1 || $1 < lo) lo = $1; if (NR == 1 || $1 > hi) hi = $1} END {printf "%.2f (%.2f-%.2f)", s / NR, lo, hi}'; }
echo "resnet float: $(cat "$T/float.acc")%"
echo
echo "| W/A | no highway | ends' weights 8-bit | --highway | gain |"
echo "|---|---|---|---|---|"
for s in $SETTINGS; do
  n=$(acc "$s-all-no") e=$(acc "$s-all-ends") h=$(acc "$s-all-hw")
  echo "| $s | $n | $e | $h | $(echo "$n $h" | awk '{printf "%+.2f", $2 - $1}') |"
done
echo
echo "| W/A | no highway: mean (min-max) | ends' weights 8-bit | --highway |"
echo "|---|---|---|---|"
for s in $SETTINGS; do echo "| $s | $(spread "$s" no) | $(spread "$s" ends) | $(spread "$s" hw) |"; done
