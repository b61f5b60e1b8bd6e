#!/usr/bin/env bash
# The main job, from nothing: install dependencies, build dlc, and compile the
# bundled Fashion-MNIST CNN for every target dlc has (C, pim, acc), printing accuracy and cost.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh > /tmp/dlc-install.log 2>&1 || { cat /tmp/dlc-install.log; exit 1; }
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build > /dev/null
out=build/demo
mkdir -p "$out"
/usr/bin/python3 scripts/zoo/fmnist.py "$out/data"
model=${1:-zoo/cnn.onnx}
name=$(basename "$model" .onnx)
echo "== $model: reference interpreter (float32)"
build/dlc-run "$model" --input "$out/data/test_x.npy" --labels "$out/data/test_y.npy" --quiet
echo "== $model: C target (C99, -O2, one thread)"
build/dlc "$model" --target=c -o "$out/$name.c"
grep -E "ARENA_BYTES" "$out/$name.h"
wc -c "$out/$name.c" | awk '{print "generated C: " $1 " bytes"}'
build/dlc-run "$out/$name.c" --input "$out/data/test_x.npy" --labels "$out/data/test_y.npy" --quiet
echo "== $model: int8 (per-channel weights, min/max calibration on 1,000 training images), integer interpreter"
build/dlc "$model" --quantize --calib="$out/data/calib_x.npy" --emit=qg -o "$out/$name.int8.mlir"
echo "float islands (quant.dcast): $(grep -c 'quant.dcast' "$out/$name.int8.mlir")"
build/dlc-run "$out/$name.int8.mlir" --input "$out/data/test_x.npy" --labels "$out/data/test_y.npy" --quiet
echo "== $model: int8 C target (integer kernels, packed weights; bit-identical to the integer interpreter)"
build/dlc "$out/$name.int8.mlir" --target=c -o "$out/$name.int8.c"
grep -E "ARENA_BYTES|Integer weights" "$out/$name.int8.h"
build/dlc-run "$out/$name.int8.c" --input "$out/data/test_x.npy" --labels "$out/data/test_y.npy" --quiet -o "$out/c8.npy"
echo "== $model: int8 C target, activations kept compressed in the arena (lossless, per-tensor scheme; docs/compression.md)"
build/dlc "$out/$name.int8.mlir" --calib="$out/data/calib_x.npy" --compress-activations --compress-kmax=0 \
  --compress-reserve=calib --target=c -o "$out/$name.z.c"
grep -E "ARENA_BYTES" "$out/$name.z.h"
build/dlc-run "$out/$name.z.c" --input "$out/data/test_x.npy" --labels "$out/data/test_y.npy" --quiet -o "$out/cz.npy"
cmp -s "$out/c8.npy" "$out/cz.npy" && echo "compressed C outputs: bit-identical to the plain int8 C" || { echo "compressed C outputs differ"; exit 1; }
echo "== $model: int8 on the pim target (HBM2 processing in DRAM, batches of 500 images on the bitlines; first 1,000 test images)"
build/dlc "$model" --quantize --calib="$out/data/calib_x.npy" --input-shape=input=500x1x28x28 --emit=qg -o "$out/$name.b500.mlir"
build/dlc "$out/$name.b500.mlir" --target=pim -o "$out/$name.pimbin"
build/dlc-run "$out/$name.b500.mlir" --input "$out/data/test_x.npy" --limit 1000 --quiet -o "$out/ref.npy" > /dev/null
build/dlc-run "$out/$name.pimbin" --input "$out/data/test_x.npy" --labels "$out/data/test_y.npy" --limit 1000 --quiet \
  -o "$out/pim.npy" --report "$out/$name.pim.json"
cmp -s "$out/ref.npy" "$out/pim.npy" && echo "pim outputs: bit-identical to the integer interpreter" || { echo "pim outputs differ"; exit 1; }
echo "== $model: int8 on the acc target, DPU-like preset (first 1,000 test images)"
build/dlc "$out/$name.b500.mlir" --target=acc --acc-device=dpu -o "$out/$name.dpu.accbin"
build/dlc-run "$out/$name.dpu.accbin" --input "$out/data/test_x.npy" --labels "$out/data/test_y.npy" --limit 1000 --quiet \
  -o "$out/acc.npy" --report "$out/$name.dpu.json"
cmp -s "$out/ref.npy" "$out/acc.npy" && echo "acc outputs: bit-identical to the integer interpreter" || { echo "acc outputs differ"; exit 1; }
echo "== $model: int8 with power-of-two scales on the acc target, edge preset (shift-only requantization)"
build/dlc "$model" --quantize --pow2 --calib="$out/data/calib_x.npy" --input-shape=input=500x1x28x28 --emit=qg -o "$out/$name.pow2.mlir"
build/dlc "$out/$name.pow2.mlir" --target=acc --acc-device=edge -o "$out/$name.edge.accbin"
build/dlc-run "$out/$name.pow2.mlir" --input "$out/data/test_x.npy" --limit 1000 --quiet -o "$out/ref2.npy" > /dev/null
build/dlc-run "$out/$name.edge.accbin" --input "$out/data/test_x.npy" --labels "$out/data/test_y.npy" --limit 1000 --quiet \
  -o "$out/acc2.npy" --report "$out/$name.edge.json"
cmp -s "$out/ref2.npy" "$out/acc2.npy" && echo "acc outputs: bit-identical to the integer interpreter" || { echo "acc outputs differ"; exit 1; }
echo "== $model: mixed precision and sparsity for pim under a 0.5-point budget (--assign-precision; docs/precision.md)"
echo "(4,000 training images: 2,000 calibrate and measure, 2,000 held out check the budget)"
/usr/bin/python3 scripts/zoo/fmnist.py "$out/data4k" 4000
build/dlc "$model" --input-shape=input=500x1x28x28 --calib="$out/data4k/calib_x.npy" --assign-labels="$out/data4k/calib_y.npy" \
  --assign-precision=loss:0.5 --assign-target=pim --assign-wbits=4,5,6,8 --assign-abits=5,6,8 --assign-sparsity=0,0.5 \
  --assign-rl=0 --assign-config="$out/$name.mixed.json" --assign-svg="$out/$name.mixed.svg" -o "$out/$name.mixed.mlir" \
  2>&1 | grep -E "^(chosen|  )"
build/dlc "$out/$name.mixed.mlir" --target=pim -o "$out/$name.mixed.pimbin"
build/dlc-run "$out/$name.mixed.mlir" --input "$out/data/test_x.npy" --limit 1000 --quiet -o "$out/mref.npy" > /dev/null
build/dlc-run "$out/$name.mixed.pimbin" --input "$out/data/test_x.npy" --labels "$out/data/test_y.npy" --limit 1000 --quiet \
  -o "$out/mpim.npy"
cmp -s "$out/mref.npy" "$out/mpim.npy" && echo "pim outputs: bit-identical to the integer interpreter" || { echo "pim outputs differ"; exit 1; }
echo "the choice as a --config file: $out/$name.mixed.json; the Pareto plot: $out/$name.mixed.svg"
