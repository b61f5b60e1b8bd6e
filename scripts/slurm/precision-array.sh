#!/usr/bin/env bash
# A precision search as a Slurm job array, then its merge:
#   precision-array.sh SHARDS CACHEDIR MODEL.onnx [dlc options of the search]
# The options (--calib, --assign-precision, --assign-target, widths, ...; not
# --assign-cache) are the search's. Task I runs them with --assign-shard=I/SHARDS
# --assign-cache=CACHEDIR (and -o, --assign-config and the like left out);
# when all are done (sbatch --wait), the same command with
# --assign-merge=SHARDS continues the search from the merged tables: the
# choice one run makes. SBATCH_OPTS adds sbatch options; DLC names dlc.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
n=$1 cache=$(realpath -m "$2") model=$(realpath "$3")
shift 3
dlc=${DLC:-dlc}
mkdir -p "$cache"
task=() skip= target= atarget=false
for a in "$@"; do # the shards' options: the search's, without its outputs
  if [ -n "$skip" ]; then [ "$skip" = --target ] && target=$a; skip=; continue; fi
  case "$a" in
  -o | --assign-config | --assign-pareto | --assign-svg | --target | -MF) skip=$a ;;
  --target=*) target=${a#--target=} ;;
  -o* | --assign-config=* | --assign-pareto=* | --assign-svg=* | -MD | --report*) ;;
  --assign-target*) atarget=true task+=("$a") ;;
  *) task+=("$a") ;;
  esac
done
# the cost model --target would have chosen
if [ -n "$target" ] && ! $atarget; then task+=("--assign-target=$target"); fi
sbatch --wait --parsable --array=0-$((n - 1)) -o "$cache/task_%a.log" ${SBATCH_OPTS:-} --wrap \
  "$dlc $(printf %q "$model")$(printf ' %q' "${task[@]}") --assign-cache=$(printf %q "$cache") --assign-jobs=\${SLURM_CPUS_PER_TASK:-1} --assign-shard=\$SLURM_ARRAY_TASK_ID/$n" > "$cache/job"
"$dlc" "$model" "$@" --assign-cache="$cache" --assign-merge="$n"
