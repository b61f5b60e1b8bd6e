"""check_trace.py TRACE.json REPORT.json: a simulator's Chrome trace against its
report: every complete event well formed, on a named track, events of one
track never overlapping, and the last one ending at the report's total time."""
import json
import sys
from decimal import Decimal

trace = json.load(open(sys.argv[1]), parse_float=Decimal)
report = json.load(open(sys.argv[2]))
print("schema", trace["schema"], "first" if next(iter(trace)) == "schema" else "not first")
names = {e["tid"]: e["args"]["name"] for e in trace["traceEvents"] if e["ph"] == "M" and e["name"] == "thread_name"}
events = [e for e in trace["traceEvents"] if e["ph"] == "X"]
for e in events:
    assert set(e) == {"name", "ph", "ts", "dur", "pid", "tid", "args"}, e
    assert e["tid"] in names, e
    assert e["dur"] > 0 and e["ts"] >= 0, e
tracks, overlaps = {}, 0
for e in events:
    tracks.setdefault((e["pid"], e["tid"]), []).append(e)
for evs in tracks.values():
    evs.sort(key=lambda e: e["ts"])
    for a, b in zip(evs, evs[1:]):
        if b["ts"] < a["ts"] + a["dur"]:
            overlaps += 1
end = max(e["ts"] + e["dur"] for e in events) * 1000  # ns
total = Decimal(str(report["total"]["ns"]))
print("tracks", len(tracks), "events", len(events), "overlaps", overlaps)
print("tracks named:", ", ".join(names[t] for t in sorted({t for _, t in tracks})))
print("end", "equals" if abs(end - total) <= Decimal("0.06") else "differs from", "the report's total time", f"({end} ns, {total} ns)")
