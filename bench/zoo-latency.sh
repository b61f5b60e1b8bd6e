#!/bin/sh
# Per-image latency (batch 1, one thread) of every zoo model: reference
# interpreter vs the generated C compiled with cc -O2, on Fashion-MNIST test
# images. Prints two markdown tables, float and int8 (each model quantized as
# `dlc --quantize --calib=calib_x.npy` does, plus the QDQ exports with their own
# parameters); per-model details go to stderr.
# usage: bench/zoo-latency.sh BUILD_DIR [IMAGES [WARMUP]]   (default 1000 timed, 50 warm-up)
# BENCH_CFLAGS="-O3 ..." appends flags to the cc -O2 that compiles the generated C;
# BENCH_ONLY=float or BENCH_ONLY=int8 prints one table.
set -eu
B=$(cd "${1:-build}" && pwd)
N=${2:-1000}
W=${3:-50}
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$SRC/scripts/zoo/fmnist.py" "$T" >/dev/null
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(${CC:-cc} --version | head -1)" >&2
Z="$SRC/zoo"
if [ "${BENCH_ONLY:-}" != int8 ]; then
  TMPDIR="$T" "$B/dlc-bench-latency" --header --images "$N" --warmup "$W" \
    ${BENCH_CFLAGS:+--cflags "$BENCH_CFLAGS"} "$T/test_x.npy" \
    "$Z/cnn.onnx" "$Z/resnet.onnx" "$Z/mobilenet.onnx" "$Z/vit.onnx"
fi
if [ "${BENCH_ONLY:-}" != float ]; then
  [ "${BENCH_ONLY:-}" = int8 ] || echo
  TMPDIR="$T" "$B/dlc-bench-latency" --header --images "$N" --warmup "$W" --quantize "$T/calib_x.npy" \
    ${BENCH_CFLAGS:+--cflags "$BENCH_CFLAGS"} "$T/test_x.npy" \
    "$Z/cnn.onnx" "$Z/resnet.onnx" "$Z/mobilenet.onnx" "$Z/vit.onnx" "$Z/cnn_qdq.onnx" "$Z/resnet_qdq.onnx"
fi
