#!/usr/bin/env bash
# slurm.test's body: a one-node cluster in DIR (scripts/slurm/cluster.sh),
# stopped on every exit; a pim simulation, a calibration and a precision
# search as job arrays, each merged and compared with the single-process run.
#   slurm-arrays.sh SRC DIR
set -euo pipefail
src=$1 dir=$2
trap '"$src/scripts/slurm/cluster.sh" stop "$dir/cluster"' EXIT
eval "$("$src/scripts/slurm/cluster.sh" start "$dir/cluster")"
echo "cluster up: $(sinfo -h -o '%P %D %t')"
"$src/scripts/slurm/pim-array.sh" "$dir/m.pimbin" "$dir/calib_x.npy" 2 "$dir/pim" "$dir/pim.npy" "$dir/pim.json" --limit=2
dlc-run "$dir/m.pimbin" --input "$dir/calib_x.npy" --limit=2 --quiet -o "$dir/one.npy" --report "$dir/one.json" > /dev/null
cmp "$dir/pim.npy" "$dir/one.npy"
cmp "$dir/pim.json" "$dir/one.json"
echo "pim array: same bytes"
CALIB_SAMPLES=200 "$src/scripts/slurm/calib-array.sh" "$src/zoo/cnn.onnx" "$dir/calib_x.npy" 3 "$dir/calib" \
  --calib-method=entropy --emit=qg -o "$dir/array.mlir"
dlc "$src/zoo/cnn.onnx" --quantize --calib="$dir/calib_x.npy" --calib-samples=200 --calib-method=entropy --emit=qg -o "$dir/one.mlir"
cmp "$dir/array.mlir" "$dir/one.mlir"
echo "calibration array: same bytes"
search=(--calib="$dir/calib_x.npy" --calib-samples=200 --assign-precision=loss:5 --assign-target=c --assign-wbits=4,8 --assign-abits=8 --assign-rl=0)
"$src/scripts/slurm/precision-array.sh" 2 "$dir/cache" "$src/zoo/cnn.onnx" "${search[@]}" --assign-config="$dir/array.json" -o "$dir/array-p.mlir" 2> "$dir/precision.log"
dlc "$src/zoo/cnn.onnx" "${search[@]}" --assign-config="$dir/one.json" -o "$dir/one-p.mlir" 2> /dev/null
grep -q "tables: merged from 2 shards" "$dir/precision.log"
cmp "$dir/array.json" "$dir/one.json"
cmp "$dir/array-p.mlir" "$dir/one-p.mlir"
echo "precision array: same bytes"
