#!/usr/bin/env bash
# Runs one libFuzzer entry for N executions or T seconds, whichever ends first.
#   fuzz/run-libfuzzer.sh TARGET [RUNS [SECONDS]]
#   TARGET: onnx npy config device accbin pimbin compress
# BUILD: the clang build (default build-lf), configured once with
#   CC=clang CXX=clang++ cmake -S . -B build-lf -G Ninja -DCMAKE_BUILD_TYPE=Release -DDLC_LIBFUZZER=ON
# DLC: a dlc binary for the .accbin/.pimbin seeds (default build/dlc, else $BUILD/dlc);
# WORK: seeds, the growing corpus and the log (default $BUILD/lf-work).
# One worker, under nice: the machine is shared. A finding stops the run and
# leaves crash-* (or leak-*, timeout-*, oom-*) in WORK; exit status non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:?usage: fuzz/run-libfuzzer.sh TARGET [RUNS [SECONDS]]}
runs=${2:-1000000}
secs=${3:-3600}
BUILD=$(realpath -m "${BUILD:-build-lf}") # relative to the repository, or absolute
WORK=${WORK:-$BUILD/lf-work}
DLC=${DLC:-$([ -x build/dlc ] && echo build/dlc || echo "$BUILD/dlc")}
PY=${PYTHON:-/usr/bin/python3}
cmake --build "$BUILD" --target "dlc-lf-$t" >/dev/null
mkdir -p "$WORK/corpus/$t"
[ -d "$WORK/seeds/$t" ] || "$PY" fuzz/make_seeds.py "$(realpath "$DLC")" "$WORK/seeds" "$t"
# Leak checks stay on except where MLIR is involved: its context keeps what
# each new attribute or type allocates, so libFuzzer would take nearly every
# input for a leak and scan the heap after it (10x slower); ASan and UBSan
# still check every access there.
leaks=1
case $t in onnx | accbin | pimbin) leaks=0 ;; esac
dict=()
[ -f "fuzz/$t.dict" ] && dict=(-dict="$PWD/fuzz/$t.dict")
cd "$WORK"
set +e
start=$(date +%s)
nice "$BUILD/dlc-lf-$t" "${dict[@]}" -runs="$runs" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 -detect_leaks=$leaks \
  -print_final_stats=1 "corpus/$t" "seeds/$t" >"$t.log" 2>&1
rc=$?
set -e
end=$(date +%s)
grep -E "^#[0-9]+ +(DONE|INITED)|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)|ERROR|finding|SUMMARY" "$t.log" | head -20 || true
echo "$t: exit $rc after $((end - start)) s, log in $WORK/$t.log"
exit $rc
