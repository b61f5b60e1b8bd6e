#!/bin/sh
# Regenerates docs/conformance.md and test/conformance/xfail.txt from one run of
# every ONNX backend suite. Usage: test/conformance/update.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
data=/usr/share/libonnx-testdata/data
"$build/dlc-conformance" --markdown docs/conformance.md --write-xfail test/conformance/xfail.txt \
  "$data/node" "$data/pytorch-converted" "$data/pytorch-operator" "$data/simple"
