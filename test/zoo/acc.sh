#!/usr/bin/env bash
# usage: acc.sh MODEL.onnx DIR N DEVICE [dlc flags]: quantizes MODEL for
# batches of 500 (calibration: DIR/calib_x.npy), compiles it for the acc
# target on DEVICE, runs the first N test images on the simulator and on the
# integer interpreter, and fails unless the outputs are identical.
set -euo pipefail
model=$1 dir=$2 n=$3 dev=$4
shift 4
dlc "$model" --quantize --calib="$dir/calib_x.npy" --input-shape=input=500x1x28x28 "$@" --emit=qg --print-loc -o "$dir/q-$dev.mlir"
dlc "$dir/q-$dev.mlir" --target=acc --acc-device="$dev" -o "$dir/q-$dev.accbin"
echo "interpreter:"
dlc-run "$dir/q-$dev.mlir" --input "$dir/test_x.npy" --labels "$dir/test_y.npy" --limit "$n" --quiet -o "$dir/ref-$dev.npy"
echo "acc:"
dlc-run "$dir/q-$dev.accbin" --input "$dir/test_x.npy" --labels "$dir/test_y.npy" --limit "$n" --quiet -o "$dir/acc-$dev.npy" \
  --report "$dir/report-$dev.json"
cmp "$dir/ref-$dev.npy" "$dir/acc-$dev.npy"
echo "identical on $n samples"
