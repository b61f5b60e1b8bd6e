"""Writes tiny.onnx (Gemm+Relu -> MatMul -> Add -> Softmax on 4 features) and
calibration sets into the directory given: calib.npy has 1,000 samples on a
grid over [-1, 1] plus one outlier of 50; bad_shape.npy does not fit the input."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
W1 = np.array([[0.5, -0.25, 1.0], [0.125, 0.0, -1.0], [0.75, 0.5, -0.5], [-0.3, 0.2, 0.1]], np.float32)
b1 = np.array([0.1, -0.2, 0.3], np.float32)
W2 = np.array([[1.0, -1.0], [0.5, 0.25], [-0.75, 2.0]], np.float32)
nodes = [h.make_node("Gemm", ["x", "W1", "b1"], ["g1"], name="fc1"),
         h.make_node("Relu", ["g1"], ["r1"], name="relu1"),
         h.make_node("MatMul", ["r1", "W2"], ["m2"], name="fc2"),
         h.make_node("Add", ["m2", "m2"], ["a2"], name="double"),
         h.make_node("Softmax", ["a2"], ["y"], name="prob", axis=-1)]
g = h.make_graph(nodes, "tiny", [h.make_tensor_value_info("x", T.FLOAT, [1, 4])],
                 [h.make_tensor_value_info("y", T.FLOAT, [1, 2])],
                 [nh.from_array(W1, "W1"), nh.from_array(b1, "b1"), nh.from_array(W2, "W2")])
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 17)]), os.path.join(out, "tiny.onnx"))
x = np.linspace(-1, 1, 4000, dtype=np.float32).reshape(1000, 1, 4)
x[500, 0, 0] = 50.0
np.save(os.path.join(out, "calib.npy"), x)
np.save(os.path.join(out, "bad_shape.npy"), np.zeros((10, 3), np.float32))
np.save(os.path.join(out, "ints.npy"), np.zeros((10, 1, 4), np.int64))
