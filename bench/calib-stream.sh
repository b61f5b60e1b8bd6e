#!/bin/sh
# Calibration over a large .npy: wall time per sample and peak RSS.
# usage: bench/calib-stream.sh BUILD_DIR GB [SAMPLES [OLD_DLC]]
#   GB       size of the generated file (28x28 float32 Fashion-MNIST samples,
#            repeated and scaled; written in 100 MB chunks through a memory
#            map, never whole in memory), e.g. 1 or 6
#   SAMPLES  --calib-samples (default 0: every sample in the file)
#   OLD_DLC  another dlc binary to run the same command with (e.g. one built
#            before streaming), for the comparison
# The file goes to $BENCH_DIR (default: a temporary folder under /tmp),
# removed at the end; check `df -h` first (6 GB needs 6 GB free).
# Prints a Markdown row per binary: samples, wall time, ms/sample, peak RSS.
set -eu
B=$(cd "${1:-build}" && pwd)
GB=${2:-1}
N=${3:-0}
OLD=${4:-}
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${BENCH_DIR:-/tmp}/calib-stream.XXXXXX")
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$SRC/scripts/zoo/fmnist.py" "$T" >/dev/null
SAMPLES=$(/usr/bin/python3 -c "print(int($GB * 2**30) // (28 * 28 * 4))")
/usr/bin/python3 "$SRC/test/quant/inputs/make_big_npy.py" "$T/test_x.npy" "$T/big.npy" "$SAMPLES"
[ "$N" = 0 ] && used=$SAMPLES || used=$N
echo "file: $(du -h "$T/big.npy" | cut -f1), $SAMPLES samples; calibrating on $used"
echo "| dlc | samples | wall time | ms/sample | peak RSS |"
echo "|---|---|---|---|---|"
for d in "$B/dlc" $OLD; do
  sync
  /usr/bin/time -v "$d" "$SRC/zoo/cnn.onnx" --quantize --calib="$T/big.npy" --calib-samples="$N" \
    --emit=qg -o "$T/out.mlir" ${DLC_FLAGS:-} 2>"$T/time" || { tail -3 "$T/time"; continue; }
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$T/time")
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time")
  secs=$(echo "$wall" | awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s}')
  ms=$(echo "$secs $used" | awk '{printf "%.3f", 1000 * $1 / $2}')
  echo "| $d | $used | $wall | $ms | $((kb / 1024)) MB |"
  [ -f "$T/first.mlir" ] && { cmp -s "$T/first.mlir" "$T/out.mlir" && echo "(same IR as the first)" || echo "(IR DIFFERS from the first)"; }
  [ -f "$T/first.mlir" ] || cp "$T/out.mlir" "$T/first.mlir"
done
