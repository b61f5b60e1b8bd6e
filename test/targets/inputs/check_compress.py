"""Two acc reports of the same run, without and with compressed activations:
prints DRAM bytes and energy per sample, then each layer whose result was
kept compressed (K and measured ratio), and fails unless compression moved
fewer bytes and spent less energy."""
import json
import sys

a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
pa, pb = a["per_sample"], b["per_sample"]
print("DRAM bytes per sample %.0f -> %.0f (%.2fx), energy %.2f -> %.2f uJ, time %.1f -> %.1f us"
      % (pa["dram_bytes"], pb["dram_bytes"], pa["dram_bytes"] / pb["dram_bytes"], pa["nj"] / 1e3, pb["nj"] / 1e3,
         pa["ns"] / 1e3, pb["ns"] / 1e3))
print("activation DRAM bytes per sample %.0f -> %.0f (%.2fx)"
      % (pa["activation_dram_bytes"], pb["activation_dram_bytes"],
         pa["activation_dram_bytes"] / pb["activation_dram_bytes"]))
for l in b["layers"]:
    if "out_compressed" in l:
        c = l["out_compressed"]
        print("%s: k %d, %.2fx" % (l["node"], c["k"], c["ratio"]))
sys.exit(0 if pb["dram_bytes"] < pa["dram_bytes"] and pb["nj"] < pa["nj"] else 1)
