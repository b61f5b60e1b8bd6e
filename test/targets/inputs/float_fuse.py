"""Writes fuse.onnx, a float model whose Relu and Clip nodes follow a Conv, an
Add, a Gemm and a MatMul (what dlc fuses into the producer's clamp before it
emits a target), one Clip with min > max, and x.npy: samples with NaN, +-inf,
-0 and ordinary values, where the Add of -0 and -0 gives -0 for the Relu.
usage: float_fuse.py DIR"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(3)
w = (rng.standard_normal((4, 1, 3, 3)) * 0.5).astype(np.float32)
b = (rng.standard_normal(4) * 0.1).astype(np.float32)
fw = (rng.standard_normal((100, 6)) * 0.2).astype(np.float32)
mw = (rng.standard_normal((5, 3)) * 0.7).astype(np.float32)
inits = [nh.from_array(w, "w"), nh.from_array(b, "b"), nh.from_array(fw, "fw"), nh.from_array(mw, "mw"),
         nh.from_array(np.array(-0.5, np.float32), "lo"), nh.from_array(np.array(0.25, np.float32), "hi"),
         nh.from_array(np.array([1, 100], np.int64), "shp")]
nodes = [h.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
         h.make_node("Relu", ["c"], ["rc"], name="conv_relu"),
         h.make_node("Add", ["x", "x"], ["a"], name="add"),
         h.make_node("Relu", ["a"], ["ra"], name="add_relu"),
         h.make_node("Reshape", ["rc", "shp"], ["f"], name="flat"),
         h.make_node("Gemm", ["f", "fw"], ["g"], name="fc"),
         h.make_node("Clip", ["g", "lo", "hi"], ["cg"], name="fc_clip"),
         h.make_node("MatMul", ["x", "mw"], ["m"], name="mm"),
         h.make_node("Clip", ["m", "hi", "lo"], ["cm"], name="mm_clip_inverted")]
g = h.make_graph(nodes, "fuse", [h.make_tensor_value_info("x", T.FLOAT, [1, 1, 5, 5])],
                 [h.make_tensor_value_info("ra", T.FLOAT, [1, 1, 5, 5]),
                  h.make_tensor_value_info("cg", T.FLOAT, [1, 6]),
                  h.make_tensor_value_info("cm", T.FLOAT, [1, 1, 5, 3])], inits)
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 17)]), os.path.join(out, "fuse.onnx"))
x = rng.standard_normal((16, 1, 1, 5, 5)).astype(np.float32)
x[0, 0, 0, 0, :] = [np.nan, np.inf, -np.inf, -0.0, 0.0]
x[1] = -0.0
x[2, 0, 0, 2, :] = [-0.0, np.nan, -0.0, 1e-40, -1e-40]
np.save(os.path.join(out, "x.npy"), x.reshape(16, 1, 5, 5))
