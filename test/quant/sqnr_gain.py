"""usage: sqnr_gain.py BASE.json NEW.json NODE MIN_DB
Reads layer NODE's sqnr_db from two --report files, prints both and the gain,
and exits 1 when NEW's SQNR is not at least MIN_DB above BASE's."""
import json
import sys


def sqnr(path, node):
    with open(path) as f:
        for layer in json.load(f)["layers"]:
            if layer["node"] == node:
                return layer["sqnr_db"]
    sys.exit(f"{path}: no layer {node}")


base, new = sqnr(sys.argv[1], sys.argv[3]), sqnr(sys.argv[2], sys.argv[3])
need = float(sys.argv[4])
print(f"{sys.argv[3]}: {base:.2f} dB -> {new:.2f} dB, gain {new - base:+.2f} dB (at least {need:+.2f})")
sys.exit(0 if new - base >= need else 1)
