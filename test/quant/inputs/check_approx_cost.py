"""The acc cost model's price of an approximate multiplier: two --cost=acc
tables of one model (argv[1] every layer on exact products at energy 1,
argv[2] on a multiplier of relative energy argv[3] per multiply). Only the multiplier's share of an
8x8 MAC (0.2 of 0.23 pJ, Horowitz ISSCC 2014) scales, so each 8/8 layer's
energy falls by MACs x 0.2 pJ x (1 - E); everything else is unchanged."""
import json
import sys

a, b, e = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), float(sys.argv[3])
ea = {l["node"]: l for l in a["layers"]}
drop = 0
for l in b["layers"]:
    x = ea[l["node"]]
    want = x["nj"] - (l["macs"] * 0.2e-3 * (x.get("multiplier_energy", 1) - e) if "multiplier" in l else 0)
    drop += x["nj"] - l["nj"]
    ok = abs(want - l["nj"]) <= 1e-4 + 1e-9 * want  # the table prints 0.1 pJ
    print("%s %s: %.4f nJ, expected %.4f: %s" % (l["node"], l.get("multiplier", "exact"), l["nj"], want, "ok" if ok else "WRONG"))
print("total: %.4f nJ less of %.4f" % (drop, a["per_sample"]["nj"]))
