"""Checks a dlc-run report of a quantized zoo model: test accuracy at most
MAXDROP points below the float model's (zoo/manifest.json)."""
import json
import re
import sys

report, manifest, model, maxdrop = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), sys.argv[3], float(sys.argv[4])
acc = float(re.search(r"accuracy: ([0-9.]+)%", report).group(1))
want = manifest[model]["accuracy"]
print(f"{model}: quantized {acc:.2f}% vs float {want:.2f}% (drop {want - acc:+.2f}, allowed {maxdrop:.2f})")
sys.exit(0 if want - acc <= maxdrop else 1)
