"""A cost model's per-sample totals (argv[1], dlc --cost) against a full
simulation's report (argv[2], dlc-run --report): they must agree to the
report's printed precision, the timing models not depending on the values."""
import json
import sys

c, r = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
cs, rs = c["per_sample"], r["per_sample"]
ok = True
for key in ("ns", "nj"):
    a, b = cs[key], rs[key]
    same = abs(a - b) <= 1e-9 * max(abs(a), abs(b)) + 0.1  # the report prints 0.1 ns / nJ
    ok = ok and same
    print("%s %s: cost %.3f, simulated %.3f, %s" % (c["target"], key, a, b, "equal" if same else "DIFFERENT"))
sys.exit(0 if ok else 1)
