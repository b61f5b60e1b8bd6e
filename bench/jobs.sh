#!/bin/sh
# dlc-run --jobs=1 against --jobs=2 on the interpreter: paired, interleaved
# rounds (1, 2, 1, 2, ...) so load from elsewhere hits both alike; prints
# each round's wall times and the median ratio, and checks the outputs match.
# usage: bench/jobs.sh BUILD_DIR [ROUNDS [MODEL]]
#   MODEL: a model dlc-run interprets (default zoo/cnn.onnx, float; pass a
#          quantized .mlir from dlc --quantize --emit=qg for the integer one)
set -eu
B=$(cd "${1:-build}" && pwd)
ROUNDS=${2:-5}
SRC=$(cd "$(dirname "$0")/.." && pwd)
MODEL=${3:-$SRC/zoo/cnn.onnx}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$SRC/scripts/zoo/fmnist.py" "$T" >/dev/null
echo "| round | --jobs=1 (s) | --jobs=2 (s) | ratio |"
echo "|---|---|---|---|"
for r in $(seq "$ROUNDS"); do
  for j in 1 2; do
    /usr/bin/time -f %e -o "$T/t$j" "$B/dlc-run" "$MODEL" --input "$T/test_x.npy" --jobs=$j --quiet -o "$T/o$j.npy" >/dev/null
  done
  cmp "$T/o1.npy" "$T/o2.npy"
  echo "$r $(cat "$T/t1") $(cat "$T/t2")" | awk '{printf "| %d | %.2f | %.2f | %.2f |\n", $1, $2, $3, $2 / $3}'
done | tee "$T/rows"
awk -F'|' '{print $5}' "$T/rows" | sort -n | awk '{a[NR] = $1} END {printf "median ratio: %.2f (outputs identical)\n", a[int((NR + 1) / 2)]}'
