#!/usr/bin/env python3
"""Checks dlc --assign-precision's Pareto JSON and SVG (test/precision/).

usage: check_pareto.py PARETO.json PLOT.svg BUDGET MARGIN
BUDGET is the --assign-precision value (loss:P or energy:Fx); MARGIN the
--assign-margin. Prints one line per fact; exits 1 on the first failure.
"""
import json
import sys
import xml.etree.ElementTree as ET


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def main():
    d = json.load(open(sys.argv[1]))
    budget, margin = sys.argv[3], float(sys.argv[4])
    pts = d["points"]
    ref = [p for p in pts if p["how"] == "reference"]
    chosen = [p for p in pts if p["chosen"]]
    if len(ref) != 1 or len(chosen) != 1:
        fail("one reference and one chosen point expected")
    ref, ch = ref[0], chosen[0]
    kind, value = budget.split(":")
    if kind == "loss":
        if ch["loss"] + margin * ch["standard_error"] > float(value) + 1e-9:
            fail("the chosen point misses the loss budget")
        print("loss budget kept: loss + margin * se <= %s" % value)
    else:
        limit = float(value[:-1]) * ref["cost"] if value.endswith("x") else float(value)
        if ch["cost"] > limit * (1 + 1e-9):
            fail("the chosen point costs %g, over %g" % (ch["cost"], limit))
        print("cost budget kept: measured cost <= budget")
    # the front: no point is at least as good on both axes and better on one
    for p in pts:
        dominated = any(q["cost"] <= p["cost"] and q["accuracy"] >= p["accuracy"] and
                        (q["cost"] < p["cost"] or q["accuracy"] > p["accuracy"]) for q in pts)
        if p["front"] == dominated:
            fail("front flag wrong for a point at cost %g" % p["cost"])
    print("front: %s" % ("consistent" if pts else "empty"))
    if ch["cost"] >= ref["cost"] and kind == "loss":
        fail("the chosen point is not cheaper than the reference")
    print("chosen cheaper than the reference: %.2fx" % (ref["cost"] / ch["cost"]))
    if "refit" in d:  # every option's sensitivity: the refit's weights times its measured parts
        a = d["refit"]
        if min(a["weights"], a["activations"], a["sparsity"]) <= 0:
            fail("a refit weight is not positive")
        for layer in d["layers"]:
            sens = layer["sensitivity"]
            for opt in layer["options"]:  # [w, a, sparsity, (multiplier,) sensitivity, cost]
                w, ab, sp, s = opt[0], opt[1], opt[2], opt[-2]
                mul = opt[3] if len(opt) == 6 else "exact"
                parts = [sens["wbits"][str(w)][0], sens["abits"][str(ab)][0], sens["sparsity"]["%g" % sp][0]]
                if mul != "exact":  # a multiplier's change counts with the weights'
                    parts[0] += sens["multiplier"][mul][0]
                want = a["weights"] * parts[0] + a["activations"] * parts[1] + a["sparsity"] * parts[2]
                if abs(s - want) > 1e-4 * max(1.0, abs(want)):
                    fail("option %s/%s/%g of %s: sensitivity %g, refit says %g" % (w, ab, sp, layer["node"], s, want))
        print("refit: %d points, options consistent" % a["points"])
    vs = d["knapsack_vs_rl"]
    worse = [v for v in vs if v["knapsack"] >= 0 and v["rl"] >= 0 and v["rl"] < v["knapsack"] * (1 - 1e-9)]
    if worse:
        fail("RL beat the knapsack on %d budgets" % len(worse))
    print("knapsack never worse than RL: %d budgets" % len(vs))
    svg = ET.parse(sys.argv[2]).getroot()
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    for want in ("per sample", "held-out samples", "chosen", "reference", "RL search"):
        if want not in texts:
            fail("the plot has no '%s'" % want)
    # the cost axis's tick labels (below the plot, centred) must not run into each other
    ticks = sorted((float(t.get("x")), t.text) for t in svg.iter("{http://www.w3.org/2000/svg}text")
                   if t.get("text-anchor") == "middle" and t.text and t.text[0].isdigit())
    for (xa, ta), (xb, _) in zip(ticks, ticks[1:]):
        if xb - xa < 7.5 * len(ta):  # about 7 px per character at font size 12
            fail("cost tick labels overlap: '%s' at %.0f and the next at %.0f" % (ta, xa, xb))
    print("svg: well-formed, axis labels, chosen point and legend")


if __name__ == "__main__":
    main()
