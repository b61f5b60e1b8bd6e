"""Writes models of ONNX ops dlc imports as a few qg ops (composite.c) into the
directory given, each with an input and numpy's output (NAME.onnx, NAME.in.npy,
NAME.want.npy): OneHot on run-time indices (negative ones count from the end),
Compress with a constant condition, Shrink, LRN, integer Clip, and Dropout's mask.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(0)


def save(name, node, x, want, xtype=T.FLOAT, ytype=T.FLOAT, inits=(), opset=13, outputs=("y",)):
    g = h.make_graph([node], name, [h.make_tensor_value_info("x", xtype, list(x.shape))],
                     [h.make_tensor_value_info(o, ytype, None) for o in outputs], list(inits))
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", opset)]), os.path.join(out, name + ".onnx"))
    np.save(os.path.join(out, name + ".in.npy"), x)
    np.save(os.path.join(out, name + ".want.npy"), want)


idx = np.array([[0, 3, -1], [2, -4, 1]], np.int64)
onehot = np.where(np.arange(4)[None, :, None] == (idx % 4)[:, None, :], 5.0, -1.0).astype(np.float32)
save("one_hot", h.make_node("OneHot", ["x", "depth", "values"], ["y"], axis=1), idx, onehot, xtype=T.INT64,
     inits=[nh.from_array(np.array(4, np.int64), "depth"), nh.from_array(np.array([-1, 5], np.float32), "values")])

x = rng.standard_normal((3, 5)).astype(np.float32)
cond = np.array([True, False, False, True], bool)
save("compress", h.make_node("Compress", ["x", "cond"], ["y"], axis=1), x, np.ascontiguousarray(x[:, [0, 3]]),
     inits=[nh.from_array(cond, "cond")])

s = rng.standard_normal((2, 6)).astype(np.float32)
save("shrink", h.make_node("Shrink", ["x"], ["y"], bias=0.25, lambd=0.5), s,
     np.where(s < -0.5, s + 0.25, np.where(s > 0.5, s - 0.25, 0)).astype(np.float32))

l = rng.standard_normal((1, 5, 2, 3)).astype(np.float32)
sq = np.pad(l * l, ((0, 0), (1, 2), (0, 0), (0, 0)))  # size 4: one channel before, two after
ssum = sum(sq[:, i:i + 5] for i in range(4))
save("lrn", h.make_node("LRN", ["x"], ["y"], size=4, alpha=0.02, beta=0.6, bias=1.5), l,
     (l / (1.5 + 0.02 / 4 * ssum) ** 0.6).astype(np.float32))

i8 = np.array([[-100, -5, 0], [7, 50, 127]], np.int8)
save("clip_int8", h.make_node("Clip", ["x", "lo", "hi"], ["y"]), i8, np.clip(i8, -6, 40).astype(np.int8),
     xtype=T.INT8, ytype=T.INT8,
     inits=[nh.from_array(np.array(-6, np.int8), "lo"), nh.from_array(np.array(40, np.int8), "hi")])

save("dropout_mask", h.make_node("Dropout", ["x"], ["y", "mask"]), x, np.ones(x.shape, bool), ytype=T.BOOL,
     outputs=("mask",))
