#!/usr/bin/env bash
# Import speed and memory on a ~100 MB model (warm page cache): target
# >= 500 MB/s and peak RSS < 2.5x the file size.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
model=${MODEL:-$build/bench/big100.onnx}
mkdir -p "$(dirname "$model")"
[ -f "$model" ] || /usr/bin/python3 "$root/scripts/gen_big_model.py" "$model" --mb 100
cat "$model" > /dev/null # warm the page cache
for i in 1 2 3 4 5; do "$build/dlc-bench-import" "$model"; done
if [ -x /usr/bin/time ]; then
  /usr/bin/time -v "$build/dlc" "$model" --emit=qg -o /dev/null 2>&1 | grep -E "Maximum resident|Elapsed"
fi
