"""check_html.py PAGE.html REPORT.json [COST.json]: a --report-html page against
the JSON it shows. Every table row's cells (data-k, data-v) equal the report's
layer members, in order; with COST.json (dlc --cost), the cost_ns, cost_nj and
cost_bytes cells equal the cost rows summed per node. Each chart has one bar
per row with a positive value, its width proportional to the value."""
import json
import sys
from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.charts, self.cell, self.metric, self.text = [], {}, None, None, ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and a.get("class") == "layer":
            self.rows.append({"cells": {}, "node": None})
        elif tag == "td" and self.rows and self.metric is None:
            self.cell, self.text = a, ""
        elif tag == "figure":
            self.metric = a["data-metric"]
            self.charts[self.metric] = []
        elif tag == "rect" and a.get("class") == "bar":
            self.charts[self.metric].append((float(a["data-v"]), float(a["width"])))

    def handle_data(self, d):
        self.text += d

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            row = self.rows[-1]
            if "data-k" not in self.cell:
                row["node"] = self.text
            elif "data-v" in self.cell:
                row["cells"][self.cell["data-k"]] = float(self.cell["data-v"])
            elif self.text:
                row["cells"][self.cell["data-k"]] = self.text
            self.cell = None
        elif tag == "figure":
            self.metric = None


page = Page()
page.feed(open(sys.argv[1], encoding="utf-8").read())
layers = json.load(open(sys.argv[2]))["layers"]
cost = {}
if len(sys.argv) > 3:
    for c in json.load(open(sys.argv[3]))["layers"]:
        s = cost.setdefault(c["node"], {"cost_ns": 0.0, "cost_nj": 0.0, "cost_bytes": 0.0})
        s["cost_ns"] += c["ns"]; s["cost_nj"] += c["nj"]; s["cost_bytes"] += c["bytes"]
bad = 0
for i, row in enumerate(page.rows):
    want = dict(layers[i]) if i < len(layers) else {"node": row["node"]}
    want.update(cost.get(row["node"], {}))
    if row["node"] != want["node"]:
        print("row", i, "node", repr(row["node"]), "!=", repr(want["node"])); bad += 1
    for k, v in row["cells"].items():
        w = want.get(k)
        if isinstance(v, float) and isinstance(w, (int, float)):
            tol = 0.002 if k.startswith("cost_") else 1e-9 * max(1.0, abs(w))  # --cost prints 3 or 4 decimals
            ok = abs(v - w) <= tol
        else:
            ok = v == w
        if not ok:
            print("row", i, row["node"], k, v, "!=", w); bad += 1
print("rows", len(page.rows), "layers", len(layers), "cost nodes", len(cost), "mismatches", bad)
for metric, bars in page.charts.items():
    positive = sum(1 for r in page.rows if isinstance(r["cells"].get(metric), float) and r["cells"][metric] > 0)
    top = max(v for v, _ in bars) if bars else 0
    scaled = all(abs(w - max(1.0, v / top * 420)) < 0.01 for v, w in bars)
    print("chart", metric, "bars", len(bars), "of", positive, "positive", "scaled" if scaled else "NOT scaled")
