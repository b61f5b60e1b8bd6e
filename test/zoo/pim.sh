#!/usr/bin/env bash
# usage: pim.sh MODEL.onnx DIR N [dlc flags]: quantizes MODEL for batches of
# 500 (calibration: DIR/calib_x.npy), compiles it for the pim target, runs the
# first N test images on the simulator and on the integer interpreter, and
# fails unless the outputs are identical.
set -euo pipefail
model=$1 dir=$2 n=$3
shift 3
dlc "$model" --quantize --calib="$dir/calib_x.npy" --input-shape=input=500x1x28x28 "$@" --emit=qg --print-loc -o "$dir/q.mlir"
dlc "$dir/q.mlir" --target=pim -o "$dir/q.pimbin"
echo "interpreter:"
dlc-run "$dir/q.mlir" --input "$dir/test_x.npy" --labels "$dir/test_y.npy" --limit "$n" --quiet -o "$dir/ref.npy"
echo "pim:"
dlc-run "$dir/q.pimbin" --input "$dir/test_x.npy" --labels "$dir/test_y.npy" --limit "$n" --quiet -o "$dir/pim.npy" --report "$dir/report.json"
cmp "$dir/ref.npy" "$dir/pim.npy"
echo "identical on $n samples"
