#!/usr/bin/env bash
# usage: outputs.sh BIN OUT [REPO]: writes every artefact dlc makes from the zoo
# into OUT, with the dlc and dlc-run found in BIN: float C, int8 qg, int8 C,
# .pimbin, .accbin (both presets), the cost JSON of every target, the per-layer
# report, pim/acc simulation reports on 8 images, 4-bit and outlier
# quantization, N:M pruning and compressed activations. Run it for two builds
# and `diff -r` the two folders: a restructuring must leave them byte-identical
# (scripts/zoo/identity.sh does both). REPO (default: this checkout) gives the
# zoo models, so older revisions read the same inputs.
set -euo pipefail
bin=$(realpath "$1") out=$2
repo=$(realpath "${3:-$(dirname "$0")/../..}")
mkdir -p "$out"
out=$(realpath "$out")
data=$out/.data
mkdir -p "$data"
[ -f "$data/calib_x.npy" ] || /usr/bin/python3 "$repo/scripts/zoo/fmnist.py" "$data" > /dev/null
/usr/bin/python3 -c "import numpy as n; x=n.load('$data/test_x.npy'); n.save('$data/x8.npy', x[:8]); \
y=n.load('$data/test_y.npy'); n.save('$data/y8.npy', y[:8])"
dlc=$bin/dlc run=$bin/dlc-run
zoo=$repo/zoo
cd "$out"
step() { echo "$*" >> log.txt; "$@" >> log.txt 2>&1 || { echo "FAILED: $*" | tee -a log.txt; }; }
for m in cnn resnet mobilenet vit cnn_sparse resnet_sparse mobilenet_sparse; do
  step "$dlc" "$zoo/$m.onnx" --target=c -o "$m.c"
  step "$dlc" "$zoo/$m.onnx" --quantize --calib="$data/calib_x.npy" --emit=qg -o "$m.q.mlir" --report="$m.report.json"
  step "$dlc" "$m.q.mlir" --target=c -o "$m.q.c"
  step "$dlc" "$zoo/$m.onnx" --quantize --calib="$data/calib_x.npy" --input-shape=input=8x1x28x28 --emit=qg -o "$m.q8.mlir"
  step "$dlc" "$m.q8.mlir" --target=pim -o "$m.pimbin"
  step "$dlc" "$m.q8.mlir" --target=acc --acc-device=dpu -o "$m.dpu.accbin"
  step "$dlc" "$zoo/$m.onnx" --quantize --pow2 --calib="$data/calib_x.npy" --input-shape=input=8x1x28x28 --emit=qg -o "$m.p2.mlir"
  step "$dlc" "$m.p2.mlir" --target=acc --acc-device=edge -o "$m.edge.accbin"
  step "$dlc" "$m.q8.mlir" --emit=pim -o "$m.pim.mlir"
  step "$dlc" "$m.q8.mlir" --emit=acc --acc-device=dpu -o "$m.acc.mlir"
  for t in pim acc c; do step "$dlc" "$m.q.mlir" --cost=$t --acc-device=dpu -o "$m.cost-$t.json"; done
  step "$run" "$m.pimbin" --input "$data/x8.npy" --labels "$data/y8.npy" --quiet -o "$m.pim.npy" --report "$m.pim.report.json"
  step "$run" "$m.dpu.accbin" --input "$data/x8.npy" --labels "$data/y8.npy" --quiet -o "$m.acc.npy" --report "$m.acc.report.json"
done
for m in cnn resnet; do
  step "$dlc" "$zoo/$m.onnx" --quantize --wbits=4 --calib="$data/calib_x.npy" --emit=qg -o "$m.w4.mlir"
  step "$dlc" "$zoo/$m.onnx" --quantize --wbits=4 --outliers=0.02 --calib="$data/calib_x.npy" --input-shape=input=8x1x28x28 --emit=qg -o "$m.out.mlir"
  step "$dlc" "$m.out.mlir" --target=acc --acc-device=dpu -o "$m.out.accbin"
  step "$dlc" "$zoo/${m}_qdq.onnx" --target=c -o "$m.qdq.c"
done
step "$dlc" "$zoo/vit.onnx" --prune=nm:2:4 --prune-layers='MatMul|Gemm' --prune-reconstruct --calib="$data/calib_x.npy" --emit=qg -o vit.nm.mlir
step "$dlc" "$zoo/cnn.onnx" --prune=unstructured:0.51 --prune-layers='c2|c3|fc' --prune-reconstruct --calib="$data/calib_x.npy" --emit=qg -o cnn.prune.mlir
step "$dlc" cnn.q.mlir --compress-activations --calib="$data/x8.npy" --compress-labels="$data/y8.npy" --compress-samples=0 --target=c -o cnn.z.c
rm -rf "$data"
