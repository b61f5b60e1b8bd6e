"""rename_nodes.py IN.onnx OUT.onnx: the same model with node names that need
escaping in HTML and JSON (<, >, &, both quotes)."""
import sys

import onnx

m = onnx.load(sys.argv[1])
names = {"fc1": 'fc1 <b>&amp; "x"', "fc2": "fc2 'y' </td>", "double": "a&b<c"}
for n in m.graph.node:
    n.name = names.get(n.name, n.name)
onnx.save(m, sys.argv[2])
