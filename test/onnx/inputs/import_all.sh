#!/bin/sh
# usage: import_all.sh TMPDIR SUITE_DIR... ; imports every */model.onnx.
T=$1; shift
mkdir -p "$T"
n=0 ok=0 rej=0 crash=0 reparse=0
for d in "$@"; do
  for m in "$d"/*/model.onnx; do
    n=$((n + 1))
    dlc "$m" --emit=qg -o "$T/out.mlir" 2>"$T/err.txt"
    rc=$?
    if [ $rc -eq 0 ]; then
      ok=$((ok + 1))
      dlc-opt "$T/out.mlir" -o /dev/null 2>>"$T/reparse.txt" || { reparse=$((reparse + 1)); echo "not re-parsed: $m"; }
    elif [ $rc -eq 1 ]; then rej=$((rej + 1))
    else crash=$((crash + 1)); echo "crashed ($rc): $m"; fi
    rm -f "$T/out.mlir"
  done
done
echo "import: $n models, $ok imported, $rej rejected, $crash crashed, $reparse not re-parsed"
