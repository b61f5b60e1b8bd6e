#!/usr/bin/env bash
# usage: identity.sh OLD NEW: builds dlc at two revisions (in one scratch
# worktree, incrementally) and compares every zoo artefact outputs.sh makes.
# Exit 0 and "identical" when all files are byte-identical and the tools
# printed the same (wall-clock times left out); otherwise the differing files.
# The zoo models and scripts come from this checkout, so both revisions
# compile the same inputs. Takes about 10 minutes on 2 cores.
set -euo pipefail
here=$(realpath "$(dirname "$0")/../..")
old=$(git -C "$here" rev-parse "$1") new=$(git -C "$here" rev-parse "$2")
work=${IDENTITY_DIR:-/tmp/dlc-identity}
mkdir -p "$work"
[ -d "$work/src" ] || git -C "$here" worktree add -q --detach "$work/src" "$old"
for rev in "$old" "$new"; do
  git -C "$work/src" checkout -q --detach "$rev"
  cmake -S "$work/src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$work/build" --target dlc dlc-run > /dev/null
  rm -rf "$work/out-$rev"
  bash "$here/scripts/zoo/outputs.sh" "$work/build" "$work/out-$rev" "$here" > /dev/null
  # wall-clock times are the only figures allowed to differ
  sed -E 's/[0-9.]+ s \([0-9.]+ ms\/sample\)//; s/in [0-9.]+ s \([0-9.e+]+ per second\)//; s/simulator: [0-9.]+ s/simulator/;
          s#'"$work"'/(build|out-[0-9a-f]+)#W#g' "$work/out-$rev/log.txt" > "$work/out-$rev.log"
  rm "$work/out-$rev/log.txt"
  sed -i -E 's/"(simulator_seconds|bitline_ops_per_second)": [0-9.e+]+/"\1": T/g' "$work/out-$rev"/*.report.json
done
status=0
diff -r "$work/out-$old" "$work/out-$new" || status=1
diff "$work/out-$old.log" "$work/out-$new.log" || status=1
n=$(ls "$work/out-$new" | wc -l)
[ $status = 0 ] && echo "identical: $n files from $(git -C "$here" log -1 --format=%h "$old") and $(git -C "$here" log -1 --format=%h "$new")"
exit $status
