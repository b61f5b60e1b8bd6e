#!/bin/sh
# dlc's generated C against onnxruntime, float and int8, in interleaved rounds.
#
# usage: bench/ort-vs-c.sh BUILD_DIR [IMAGES [ROUNDS]]   (default 500 timed images in 5 rounds)
#   MODELS="cnn resnet"   zoo models to run (default: all seven, the _sparse forms included)
#   WARMUP=50             untimed images per variant before the first round
#   CC=cc                 the C compiler for the generated code
#   DLC_ORT_DIR=...       where scripts/ort/install.sh puts onnxruntime-node (default ~/.cache/dlc-ort)
#
# For every zoo model, six variants, one thread, batch 1, Fashion-MNIST test images:
#   dlc float -O2 / -O3n   `dlc zoo/M.onnx --target=c`, compiled `cc -std=c99 -O2` or
#                          `-O3 -march=native` (-O3n) with bench/c_rounds.c
#   ort float              onnxruntime-node 1.30.0, zoo/M.onnx with batch fixed to 1
#   dlc int8 -O2 / -O3n    `dlc zoo/M.onnx --quantize --calib=calib_x.npy --target=c`
#                          (1,000 training images, dlc's defaults)
#   ort int8               the QDQ form of that same quantization: bench/qdq_from_dlc.py
#                          reads `--emit=qg` of it and writes Q/DQ pairs with dlc's
#                          scales and zero points (int8) and its per-channel weight scales
# The C variants run as c_rounds processes serving rounds on stdin, onnxruntime runs
# in the node driver (bench/ort_vs_c.js) itself; each round times IMAGES/ROUNDS
# images of every variant in turn (A B C D E F, A B C D E F, ...), so load from other
# jobs on a shared machine hits all of them alike, and every ratio is taken within a
# round and then the median over the rounds is printed (us/image: median over
# rounds of each round's median). onnxruntime times include its binding's per-call
# cost (tensor creation, N-API, promise); an Identity model of the image's shape
# measures that once, printed above the table.
# Columns: / ort float and / ort int8 are paired ratios (> 1: slower than ort);
# -O3 native / -O2 the same for dlc's two flag sets; % int8 peak is MACs per image
# (`dlc --quantize --cost=c`) / time / the int8 peak of one core: the larger of
# 2 VPDPBUSD zmm per cycle (ports 0 and 5) x 64 multiply-accumulates x the MHz in
# /proc/cpuinfo and the rate bench/vnni_peak.c measures (12 independent chains).
# .text / .rodata: `size -A`
# of the compiled model (code / weights); arena: NAME_ARENA_BYTES; top-1: accuracy
# on the timed images. Per-round medians go to stderr as JSON.
set -eu
B=$(cd "${1:-build}" && pwd)
N=${2:-500}
R=${3:-5}
W=${WARMUP:-50}
CC=${CC:-cc}
MODELS=${MODELS:-cnn mobilenet resnet vit cnn_sparse mobilenet_sparse resnet_sparse}
SRC=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
ORT=$(sh "$SRC/scripts/ort/install.sh" 1.30.0)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
$PY "$SRC/scripts/zoo/fmnist.py" "$T" >/dev/null

mhz=$(grep -m1 'cpu MHz' /proc/cpuinfo | sed 's/.*: //')
nominal=$(echo "$mhz" | awk '{printf "%.1f", 2 * 64 * $1 / 1000}')
$CC -O2 -mavx512f -mavx512vnni "$SRC/bench/vnni_peak.c" -o "$T/vnni_peak"
measured=$(for i in 1 2 3; do "$T/vnni_peak"; done | awk '$2 > m {m = $2} END {print m}')
peak=$(echo "$nominal $measured" | awk '{print ($1 > $2 ? $1 : $2)}')
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), ${mhz} MHz, $($CC --version | head -1), node $(node --version), onnxruntime-node 1.30.0"
echo "int8 peak: ${peak} GMAC/s per core, the larger of 2 x 64 x ${mhz} MHz = ${nominal} and the measured VPDPBUSD rate ${measured} (best of 3; above nominal when the core turbos); load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

$PY - "$T/identity.onnx" <<'EOF'
import sys, onnx
from onnx import helper, TensorProto
v = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 1, 28, 28])
g = helper.make_graph([helper.make_node("Identity", ["input"], ["output"])], "identity", [v("input")], [v("output")])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), sys.argv[1])
EOF

sizes() {  # OBJ -> "text rodata" bytes
  size -A "$1" | awk '$1 == ".text" {t += $2} $1 ~ /^\.rodata/ {r += $2} END {printf "%d %d", t, r}'
}

models_json=
for m in $MODELS; do
  Z="$SRC/zoo/$m.onnx"
  "$B/dlc" "$Z" --target=c --name="${m}_f" -o "$T/${m}_f.c"
  "$B/dlc" "$Z" --quantize --calib="$T/calib_x.npy" --target=c --name="${m}_q" -o "$T/${m}_q.c"
  "$B/dlc" "$Z" --quantize --calib="$T/calib_x.npy" --emit=qg -o "$T/${m}_q.mlir"
  macs=$("$B/dlc" "$Z" --quantize --calib="$T/calib_x.npy" --cost=c | $PY -c "import json, sys; print(json.load(sys.stdin)['per_sample']['macs'])")
  $PY "$SRC/bench/qdq_from_dlc.py" "$Z" "$T/${m}_q.mlir" "$T/${m}_qdq.onnx" --float-out "$T/${m}_b1.onnx" 2>/dev/null
  vj=
  for p in f q; do
    for o in O2 O3n; do
      case $o in O2) fl="-O2" ;; *) fl="-O3 -march=native" ;; esac
      $CC -std=c99 $fl -c "$T/${m}_$p.c" -o "$T/${m}_$p.$o.o"
      $CC -std=c99 $fl -DMODEL="${m}_$p" -I"$T" "$SRC/bench/c_rounds.c" "$T/${m}_$p.$o.o" -o "$T/${m}_$p.$o" -lm
      set -- $(sizes "$T/${m}_$p.$o.o")
      case $p in f) k=float ;; *) k=int8 ;; esac
      vj="$vj{\"name\": \"dlc $k -$o\", \"kind\": \"c\", \"path\": \"$T/${m}_$p.$o\", \"text_bytes\": $1, \"rodata_bytes\": $2},"
    done
    case $p in f) vj="$vj{\"name\": \"ort float\", \"kind\": \"ort\", \"path\": \"$T/${m}_b1.onnx\"}," ;;
      *) vj="$vj{\"name\": \"ort int8\", \"kind\": \"ort\", \"path\": \"$T/${m}_qdq.onnx\"}," ;; esac
  done
  models_json="$models_json{\"model\": \"$m\", \"macs\": $macs, \"variants\": [${vj%,}]},"
done

cat >"$T/spec.json" <<EOF
{"x": "$T/test_x.npy", "y": "$T/test_y.npy", "images": $N, "rounds": $R, "warmup": $W,
 "peak_gmacs": $peak, "identity": "$T/identity.onnx", "models": [${models_json%,}]}
EOF
NODE_PATH="$ORT/node_modules" node "$SRC/bench/ort_vs_c.js" "$T/spec.json"
echo
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
