"""Writes gemm.onnx, three float Gemms with transB (PyTorch's linear layers): two
with weights of their own (one with alpha and beta), one sharing its weights with
the one before; x.npy (32 samples) and ref.npy, numpy's float64 result.
usage: gemm_transb.py DIR   |   gemm_transb.py --check ref.npy out.npy"""
import os
import sys

import numpy as np

if sys.argv[1] == "--check":
    ref, got = np.load(sys.argv[2]), np.load(sys.argv[3]).reshape(np.load(sys.argv[2]).shape)
    err = float(np.max(np.abs(ref - got)))
    print(f"max abs error {err:.3g}")
    sys.exit(0 if err < 1e-4 else 1)

import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(0)
w1 = rng.standard_normal((24, 20)).astype(np.float32) * 0.3
b1 = rng.standard_normal(24).astype(np.float32)
w2 = rng.standard_normal((24, 24)).astype(np.float32) * 0.2
b2 = rng.standard_normal(24).astype(np.float32)
inits = [nh.from_array(w1, "w1"), nh.from_array(b1, "b1"), nh.from_array(w2, "w2"), nh.from_array(b2, "b2")]
nodes = [h.make_node("Gemm", ["x", "w1", "b1"], ["g1"], name="fc1", transB=1, alpha=0.5, beta=2.0),
         h.make_node("Relu", ["g1"], ["r1"], name="relu1"),
         h.make_node("Gemm", ["r1", "w2", "b2"], ["g2"], name="fc2", transB=1),
         h.make_node("Gemm", ["g2", "w2"], ["y"], name="fc3_shared", transB=1)]
g = h.make_graph(nodes, "gemm", [h.make_tensor_value_info("x", T.FLOAT, [1, 20])],
                 [h.make_tensor_value_info("y", T.FLOAT, [1, 24])], inits)
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 17)]), os.path.join(out, "gemm.onnx"))
x = rng.standard_normal((32, 20)).astype(np.float32)
np.save(os.path.join(out, "x.npy"), x)
xd = x.astype(np.float64)
r1 = np.maximum(0.5 * xd @ w1.T.astype(np.float64) + 2.0 * b1, 0)
g2 = r1 @ w2.T.astype(np.float64) + b2
np.save(os.path.join(out, "ref.npy"), g2 @ w2.T.astype(np.float64))
