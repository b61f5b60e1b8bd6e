#!/usr/bin/env bash
# Trains the zoo only when scripts/zoo/train.py changed since the checked-in
# models were made (CI never trains: the models are in the repo).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
zoo="$here/../../zoo"
sha=$(sha256sum "$here/train.py" | cut -d' ' -f1)
stale=()
for m in cnn resnet mobilenet vit; do
  if [ ! -f "$zoo/$m.onnx" ] || ! grep -q "\"script_sha256\": \"$sha\"" <(/usr/bin/python3 -c "import json;print(json.dumps(json.load(open('$zoo/manifest.json')).get('$m',{})))" 2>/dev/null); then
    stale+=(--only "$m")
  fi
done
if [ ${#stale[@]} -eq 0 ]; then echo "zoo: up to date"; exit 0; fi
exec /usr/bin/python3 "$here/train.py" "${stale[@]}"
