"""Writes cls.onnx, a transformer-style head whose class token (a constant) is
concatenated to the tokens before the last MatMul, and calib.npy / x.npy for it.
Quantized, the concat stays a float step inside an integer model."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(0)
w1 = nh.from_array(rng.standard_normal((8, 8)).astype(np.float32), "w1")
w2 = nh.from_array(rng.standard_normal((8, 4)).astype(np.float32), "w2")
cls = nh.from_array(rng.standard_normal((1, 1, 8)).astype(np.float32), "cls")
nodes = [h.make_node("MatMul", ["x", "w1"], ["t"], name="embed"),
         h.make_node("Concat", ["cls", "t"], ["c"], name="cat_cls", axis=1),
         h.make_node("MatMul", ["c", "w2"], ["y"], name="head")]
g = h.make_graph(nodes, "cls", [h.make_tensor_value_info("x", T.FLOAT, [1, 4, 8])],
                 [h.make_tensor_value_info("y", T.FLOAT, [1, 5, 4])], [w1, w2, cls])
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 17)]), os.path.join(out, "cls.onnx"))
np.save(os.path.join(out, "calib.npy"), rng.standard_normal((64, 4, 8)).astype(np.float32))
np.save(os.path.join(out, "x.npy"), rng.standard_normal((32, 4, 8)).astype(np.float32))
