"""Removes activation QuantizeLinear/DequantizeLinear pairs from a QDQ model:
a partially quantized graph, as exporters that quantize only some tensors write.

usage: strip_qdq.py IN.onnx OUT.onnx TENSOR...
Each TENSOR is the float tensor a QuantizeLinear reads; its Q and every DQ of
that Q go, and their consumers read TENSOR itself (a graph output keeps its
name through an Identity)."""
import sys

import onnx
from onnx import helper

src, dst, names = sys.argv[1], sys.argv[2], set(sys.argv[3:])
m = onnx.load(src)
g = m.graph
drop, rename = set(), {}
for q in g.node:
    if q.op_type == "QuantizeLinear" and q.input[0] in names:
        drop.add(q.name)
        for dq in g.node:
            if dq.op_type == "DequantizeLinear" and dq.input[0] == q.output[0]:
                drop.add(dq.name)
                rename[dq.output[0]] = q.input[0]
missing = names - {n.input[0] for n in g.node if n.name in drop}
if missing:
    sys.exit(f"strip_qdq.py: no QuantizeLinear reads {sorted(missing)}")
keep = [n for n in g.node if n.name not in drop]
for n in keep:
    for i, x in enumerate(n.input):
        if x in rename:
            n.input[i] = rename[x]
outs = {o.name for o in g.output}
for old, new in rename.items():
    if old in outs:
        keep.append(helper.make_node("Identity", [new], [old], name=old + "_id"))
del g.node[:]
g.node.extend(keep)
onnx.save(m, dst)
