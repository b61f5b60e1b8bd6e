"""Checks an acc report: the layer named argv[2] moved at most argv[3] times
its DRAM lower bound, and prints its numbers."""
import json
import sys

r = json.load(open(sys.argv[1]))
layer = [l for l in r["layers"] if l["on"] == "acc" and l["node"] == sys.argv[2]][0]
ratio = layer["dram_bytes"] / layer["dram_lower_bound"]
print("%s: tile %s, %.0f DRAM bytes per batch, lower bound %d, ratio %.3f" %
      (layer["node"], layer["tile"], layer["dram_bytes"], layer["dram_lower_bound"], ratio))
sys.exit(0 if ratio <= float(sys.argv[3]) else 1)
