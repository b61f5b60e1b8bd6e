"""Compares two acc reports of the same model, dense (argv[1]) and with zero
weight blocks in layer argv[3] (argv[2]), on device parameters argv[4]
(rows,cols,k): the layer's blocks, its GEMM cycles against what skipping
the zero blocks must give, and its DRAM bytes against the weight bytes saved.
Every other layer must cost the same. Exit 1 when a number is off."""
import json
import math
import sys

dense, sparse = (json.load(open(p)) for p in sys.argv[1:3])
node = sys.argv[3]
rows, cols, pek = (int(v) for v in sys.argv[4].split(","))
batch = 500  # the model's batch: a GEMM tile never spans two runs


def layer(r):
    return [l for l in r["layers"] if l["on"] == "acc" and l["node"] == node][0]


d, s = layer(dense), layer(sparse)
M, N, K = s["M"], s["N"], s["K"]
runs = dense["samples"] // batch
ok = True
fill = rows + cols


def cycles(tile, blocks):
    """Every m tile meets every weight tile once (one GEMM each): together
    they pass over each of the layer's blocks once per m tile, plus a fill
    per GEMM (an ungrouped layer: N / nt weight tiles across)."""
    mt, nt, kt = tile
    gemms = math.ceil(N / nt) * math.ceil(K / kt)
    return sum(math.ceil(min(mt, M - m0) / rows) * blocks + fill * gemms for m0 in range(0, M, mt))


want_d = cycles(d["tile"], d["weight_blocks"])
want_s = cycles(s["tile"], s["weight_blocks"] - s["zero_blocks"])
print("%s: tiles %s -> %s" % (node, d["tile"], s["tile"]))
got_d, got_s = d["gemm_cycles"] * dense["samples"] / runs, s["gemm_cycles"] * sparse["samples"] / runs
print("%s: %s weights, %d of %d blocks zero" % (node, s["weight_format"], s["zero_blocks"], s["weight_blocks"]))
print("GEMM cycles per batch: %.0f -> %.0f (expected %d -> %d), skipped %.0f" %
      (got_d, got_s, want_d, want_s, s["skipped_cycles"] * sparse["samples"] / runs))
ok &= round(got_d) == want_d and round(got_s) == want_s
saved_w = d["weight_bytes"] - s["weight_bytes"]
saved = (d["dram_bytes"] - s["dram_bytes"])
lb = d["dram_lower_bound"] - s["dram_lower_bound"]
print("weight bytes %d -> %d, DRAM bytes per batch %.0f -> %.0f (%.0f fewer), lower bound %d fewer" %
      (d["weight_bytes"], s["weight_bytes"], d["dram_bytes"], s["dram_bytes"], saved, lb))
# weights loaded once in both tilings: the traffic falls by the weight bytes saved, as does the bound
ok &= abs(saved - saved_w) < 1 and lb == saved_w
for a, b in zip(dense["layers"], sparse["layers"]):
    if a["node"] != node and a["on"] == "acc" and (a["ns"] != b["ns"] or a["dram_bytes"] != b["dram_bytes"]):
        print("%s changed" % a["node"])
        ok = False
print("per sample: %.1f -> %.1f ns, %.0f -> %.0f DRAM bytes" %
      (dense["per_sample"]["ns"], sparse["per_sample"]["ns"], dense["per_sample"]["dram_bytes"],
       sparse["per_sample"]["dram_bytes"]))
ok &= sparse["per_sample"]["ns"] < dense["per_sample"]["ns"]
print("ok" if ok else "MISMATCH")
sys.exit(0 if ok else 1)
