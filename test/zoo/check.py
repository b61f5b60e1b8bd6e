"""Checks a dlc-run report against zoo/manifest.json: accuracy within 0.05
points of PyTorch's and every logit within atol of PyTorch's."""
import json
import re
import sys

report, manifest, model = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), sys.argv[3]
acc = float(re.search(r"accuracy: ([0-9.]+)%", report).group(1))
want = manifest[model]["accuracy"]
bad = int(re.search(r"compare: max \|diff\| \S+, (\d+) of", report).group(1))
print(f"{model}: dlc {acc:.2f}% vs PyTorch {want:.2f}%, {bad} logits outside tolerance")
sys.exit(0 if abs(acc - want) <= 0.05 and bad == 0 else 1)
