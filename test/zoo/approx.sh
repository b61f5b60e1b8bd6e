#!/usr/bin/env bash
# usage: approx.sh MODEL.onnx DIR N SPEC: quantizes MODEL with --approx=SPEC
# (batches of 100; calibration DIR/calib_x.npy), runs the first N test images
# on the integer interpreter, the generated C and the acc simulator (dpu), and
# fails unless all three outputs are byte-identical.
set -euo pipefail
model=$1 dir=$2 n=$3 spec=$4
tag=m$(echo "$spec" | cksum | cut -d' ' -f1)
dlc "$model" --quantize --calib="$dir/calib_x.npy" --input-shape=input=100x1x28x28 --approx="$spec" --emit=qg \
  --print-loc -o "$dir/$tag.mlir"
dlc "$dir/$tag.mlir" --target=c -o "$dir/$tag.c"
dlc "$dir/$tag.mlir" --target=acc --acc-device=dpu -o "$dir/$tag.accbin"
echo "interpreter $spec:"
dlc-run "$dir/$tag.mlir" --input "$dir/test_x.npy" --labels "$dir/test_y.npy" --limit "$n" --quiet -o "$dir/$tag-ref.npy"
dlc-run "$dir/$tag.c" --input "$dir/test_x.npy" --limit "$n" --quiet -o "$dir/$tag-c.npy" > /dev/null
dlc-run "$dir/$tag.accbin" --input "$dir/test_x.npy" --limit "$n" --quiet -o "$dir/$tag-acc.npy" > /dev/null
cmp "$dir/$tag-ref.npy" "$dir/$tag-c.npy"
cmp "$dir/$tag-ref.npy" "$dir/$tag-acc.npy"
echo "c and acc identical on $n samples"
