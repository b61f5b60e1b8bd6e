#!/usr/bin/env bash
# Installs everything dlc needs to build and test (Debian bookworm, as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
  cmake ninja-build pkgconf gcc g++ make clang \
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools \
  libprotobuf-c-dev protobuf-c-compiler libonnx-dev libcjson-dev \
  libonnx-testdata dataset-fashion-mnist \
  python3 python3-numpy python3-onnx time \
  slurm-wlm munge \
  chromium
