#!/usr/bin/env bash
# Calibrate on shards of the samples as a Slurm job array, then merge:
#   calib-array.sh MODEL.onnx CALIB.npy SHARDS WORKDIR [dlc options of the merge]
# Task I runs `dlc MODEL --quantize --calib=CALIB --calib-shard=I/SHARDS
# --calib-stats-out=WORKDIR/stats_I` (CALIB_SAMPLES samples in all, default
# 0: every one); when all are done (sbatch --wait), `dlc MODEL --quantize
# --calib-stats=WORKDIR/stats_0,...` with the options given (--calib-method,
# --abits, --emit=qg -o FILE, --target=pim -o FILE, ...) writes the model one
# `dlc --calib=CALIB --calib-samples=CALIB_SAMPLES` run gives, byte for byte.
# SBATCH_OPTS adds sbatch options; DLC names the dlc binary.
set -euo pipefail
[ $# -ge 4 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
model=$(realpath "$1") calib=$(realpath "$2") n=$3 work=$(realpath -m "$4")
shift 4
dlc=${DLC:-dlc}
mkdir -p "$work"
sbatch --wait --parsable --array=0-$((n - 1)) -o "$work/task_%a.log" ${SBATCH_OPTS:-} --wrap \
  "$dlc $(printf %q "$model") --quantize --calib=$(printf %q "$calib") --calib-samples=${CALIB_SAMPLES:-0} --calib-shard=\$SLURM_ARRAY_TASK_ID/$n --jobs=\${SLURM_CPUS_PER_TASK:-1} --calib-stats-out=$(printf %q "$work")/stats_\$SLURM_ARRAY_TASK_ID -o /dev/null" > "$work/job"
stats=
for i in $(seq 0 $((n - 1))); do stats+="${stats:+,}$work/stats_$i"; done
"$dlc" "$model" --quantize --calib-stats="$stats" "$@"
