#!/usr/bin/env bash
# Simulate many samples on pim (or acc) as a Slurm job array, then merge:
#   pim-array.sh MODEL.pimbin INPUT.npy SHARDS WORKDIR OUT.npy REPORT.json [dlc-run options]
# Task I of the array runs `dlc-run MODEL --input INPUT --shard=I/SHARDS`,
# writing WORKDIR/part_I.npy and its exact totals WORKDIR/part_I.st; when
# every task is done (sbatch --wait), `dlc-run --merge --sim-stats` writes
# OUT.npy and REPORT.json: the bytes one `dlc-run MODEL --input INPUT` gives.
# The options (--limit, --acc-compress, --batch) go to every task and, where
# they mean something there, to the merge. SBATCH_OPTS adds sbatch options
# (a partition, --cpus-per-task=K; each task runs --jobs=K threads then).
# DLC_RUN names the dlc-run binary (default: the one on PATH).
set -euo pipefail
[ $# -ge 6 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
model=$(realpath "$1") input=$(realpath "$2") n=$3 work=$(realpath -m "$4") out=$5 report=$6
shift 6
run=${DLC_RUN:-dlc-run}
mkdir -p "$work"
opts=$(printf ' %q' "$@")
sbatch --wait --parsable --array=0-$((n - 1)) -o "$work/task_%a.log" ${SBATCH_OPTS:-} --wrap \
  "$run $(printf %q "$model") --input $(printf %q "$input") --shard=\$SLURM_ARRAY_TASK_ID/$n --jobs=\${SLURM_CPUS_PER_TASK:-1} --quiet -o $(printf %q "$work")/part_\$SLURM_ARRAY_TASK_ID.npy --sim-stats-out $(printf %q "$work")/part_\$SLURM_ARRAY_TASK_ID.st$opts" > "$work/job"
parts= stats=
for i in $(seq 0 $((n - 1))); do
  parts+="${parts:+,}$work/part_$i.npy" stats+="${stats:+,}$work/part_$i.st"
done
merge=()
for a in "$@"; do case "$a" in --acc-compress=*) merge+=("$a") ;; esac; done
"$run" "$model" --merge="$parts" --sim-stats="$stats" -o "$out" --report "$report" ${merge[@]+"${merge[@]}"}
