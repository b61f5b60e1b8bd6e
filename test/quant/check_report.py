"""Checks two --report files of one model, at 8-bit and 4-bit weights: every
layer with weights reports bits, bytes, MACs and an SQNR; 8-bit SQNRs are
above 30 dB; each layer loses SQNR at 4 bits; weight bytes halve."""
import json
import sys

r8, r4 = (json.load(open(p)) for p in sys.argv[1:3])
w8 = [l for l in r8["layers"] if "weight_bits" in l]
w4 = [l for l in r4["layers"] if "weight_bits" in l]
assert len(w8) == len(w4) > 0, "both reports list the same layers with weights"
for a, b in zip(w8, w4):
    assert a["node"] == b["node"] and a["weight_bits"] == 8 and b["weight_bits"] == 4, (a, b)
    assert a["macs"] > 0 and a["weight_bytes"] == 2 * b["weight_bytes"] or a["weight_bytes"] == 2 * b["weight_bytes"] - 1, (a, b)
    assert a["sqnr_db"] > 30, a
    assert b["sqnr_db"] < a["sqnr_db"], (a, b)
    print(f'{a["node"]}: {a["macs"]} MACs, SQNR {a["sqnr_db"]:.1f} dB at 8 bits, {b["sqnr_db"]:.1f} dB at 4 bits')
assert r8["totals"]["sqnr_samples"] == 200 and r8["totals"]["macs"] == sum(l.get("macs", 0) for l in r8["layers"])
print("report ok")
