"""Outlier-aware weights on the acc target: argv[1] the int8 model's dlc-run
output, argv[2] the outlier model's, argv[3] its acc report. Fails unless the
accuracy drop is at most argv[4] points and the weights take at least argv[5]
percent fewer DRAM bytes than int8."""
import json
import re
import sys


def acc(path):
    return float(re.search(r"accuracy: ([0-9.]+)%", open(path).read()).group(1))


a8, a4 = acc(sys.argv[1]), acc(sys.argv[2])
r = json.load(open(sys.argv[3]))
layers = [l for l in r["layers"] if l["on"] == "acc" and l.get("int8_weight_bytes")]
wb = sum(l["weight_bytes"] for l in layers)
ib = sum(l["int8_weight_bytes"] for l in layers)
no = sum(l["outliers"] for l in layers)
nw = sum(l["N"] * l["K"] for l in layers)
saved = 100 * (1 - wb / ib)
print("int8 %.2f%%, 4-bit + outliers %.2f%% (drop %.2f), outliers %.2f%% of weights, weight bytes %d vs %d (%.1f%% fewer)"
      % (a8, a4, a8 - a4, 100 * no / nw, wb, ib, saved))
sys.exit(0 if a8 - a4 <= float(sys.argv[4]) and saved >= float(sys.argv[5]) else 1)
