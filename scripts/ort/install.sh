#!/bin/sh
# Installs onnxruntime-node (default 1.30.0) from npm into a cache directory for
# bench/ort-vs-c.sh, and checks that its bundled native binding loads.
# usage: scripts/ort/install.sh [VERSION]
# DLC_ORT_DIR (default $HOME/.cache/dlc-ort) is where it goes; a second run with
# the same version only re-checks the binding. --ignore-scripts: the package's
# install script would download CUDA/TensorRT pieces; the CPU binding ships in
# the tarball (bin/napi-v*/linux/x64/onnxruntime_binding.node).
# Prints the directory holding node_modules/ on success.
set -eu
V=${1:-1.30.0}
D=${DLC_ORT_DIR:-$HOME/.cache/dlc-ort}
mkdir -p "$D"
have=$(cd "$D" && node -p "try { require('onnxruntime-node/package.json').version } catch (e) { '' }" 2>/dev/null || true)
if [ "$have" != "$V" ]; then
  [ -f "$D/package.json" ] || echo '{"private": true}' >"$D/package.json"
  (cd "$D" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error "onnxruntime-node@$V" >&2)
fi
(cd "$D" && node -e "
const ort = require('onnxruntime-node');
const { binding } = require('onnxruntime-node/dist/binding.js');
if (!binding || typeof binding.InferenceSession !== 'function') throw new Error('native binding did not load');
const b = ort.listSupportedBackends ? ort.listSupportedBackends().map(x => x.name).join(',') : 'cpu';
console.error('onnxruntime-node ' + require('onnxruntime-node/package.json').version + ' loads; backends: ' + b);
")
echo "$D"
