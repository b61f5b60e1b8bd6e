"""Writes the small models and arrays the safety tests use into the directory
given. blocks.onnx: one 32 x 32 MatMul whose weight has two zero 16 x 16
blocks (the acc dpu preset stores it in the block format); x.npy: 8 samples
for it; conv.onnx: a 3x3 conv + relu on 1x2x6x6 and cx.npy."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(7)


def save(name, nodes, inputs, outputs, inits=()):
    g = h.make_graph(nodes, name, inputs, outputs, list(inits))
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 17)]), os.path.join(out, name + ".onnx"))


w = rng.uniform(-1, 1, (32, 32)).astype(np.float32)
w[0:16, 0:16] = 0
w[16:32, 16:32] = 0
save("blocks", [h.make_node("MatMul", ["x", "w"], ["y"], name="fc")],
     [h.make_tensor_value_info("x", T.FLOAT, [1, 32])], [h.make_tensor_value_info("y", T.FLOAT, [1, 32])],
     [nh.from_array(w, "w")])
np.save(os.path.join(out, "x.npy"), rng.uniform(-1, 1, (8, 1, 32)).astype(np.float32))

cw = rng.uniform(-1, 1, (4, 2, 3, 3)).astype(np.float32)
save("conv", [h.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
              h.make_node("Relu", ["c"], ["y"], name="relu")],
     [h.make_tensor_value_info("x", T.FLOAT, [1, 2, 6, 6])], [h.make_tensor_value_info("y", T.FLOAT, None)],
     [nh.from_array(cw, "w")])
np.save(os.path.join(out, "cx.npy"), rng.uniform(-1, 1, (16, 1, 2, 6, 6)).astype(np.float32))

# a dynamic batch: x is [N, 4]
save("dyn", [h.make_node("Relu", ["x"], ["y"], name="relu")],
     [h.make_tensor_value_info("x", T.FLOAT, ["N", 4])], [h.make_tensor_value_info("y", T.FLOAT, ["N", 4])])
np.save(os.path.join(out, "dx.npy"), rng.uniform(-1, 1, (6, 4)).astype(np.float32))
# dlc-run takes samples along the input's own first (batch) axis
np.save(os.path.join(out, "cxr.npy"), np.load(os.path.join(out, "cx.npy")).reshape(16, 2, 6, 6))

# an initializer also listed as a graph input (opset < 9 exporters): a constant, not an input to fix
g = h.make_graph([h.make_node("Add", ["x", "w"], ["y"], name="add")], "initin",
                 [h.make_tensor_value_info("x", T.FLOAT, ["N", 4]), h.make_tensor_value_info("w", T.FLOAT, [4])],
                 [h.make_tensor_value_info("y", T.FLOAT, None)], [nh.from_array(np.ones(4, np.float32), "w")])
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 8)]), os.path.join(out, "initin.onnx"))
