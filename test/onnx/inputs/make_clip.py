"""Writes Clip models whose bounds are computed in the graph into the directory
given, with an input and numpy's output for each (NAME.onnx, NAME.in.npy,
NAME.want.npy). ONNX Clip is min(max(x, lo), hi).

  clip_min_computed   lo = ReduceMax(x) - 1.5, no max (openWakeWord's top_db clip)
  clip_both_computed  lo = ReduceMin(x) + 0.5, hi = ReduceMax(x) - 0.25 (a [1] tensor)
  clip_const_lo       lo = -0.5 (constant), hi = ReduceMean(x) (computed)
  clip_computed_lo    lo = ReduceMean(x) (computed), hi = 0.75 (constant)
  clip_inverted       lo = ReduceMax(x) + 1 > hi = ReduceMin(x): hi everywhere
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
x = np.random.default_rng(0).standard_normal((2, 3, 8)).astype(np.float32)


def reduce(op, name, keep_shape=None):
    """name = op(x) over all axes, as a scalar (or reshaped to keep_shape)."""
    nodes = [h.make_node(op, ["x"], [name if keep_shape is None else name + "_r"], keepdims=0)]
    if keep_shape is not None:
        nodes.append(h.make_node("Reshape", [name + "_r", name + "_shape"], [name]))
    return nodes


def const(name, v):
    return h.make_node("Constant", [], [name], value=nh.from_array(np.asarray(v, np.float32), name + "_v"))


def save(name, nodes, clip_inputs, want, inits=()):
    nodes = nodes + [h.make_node("Clip", ["x"] + clip_inputs, ["y"], name="clip")]
    g = h.make_graph(nodes, name, [h.make_tensor_value_info("x", T.FLOAT, list(x.shape))],
                     [h.make_tensor_value_info("y", T.FLOAT, list(x.shape))], list(inits))
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), os.path.join(out, name + ".onnx"))
    np.save(os.path.join(out, name + ".in.npy"), x)
    np.save(os.path.join(out, name + ".want.npy"), want.astype(np.float32))


f = np.float32
save("clip_min_computed", reduce("ReduceMax", "mx") + [const("db", 1.5), h.make_node("Sub", ["mx", "db"], ["lo"])],
     ["lo"], np.maximum(x, x.max() - f(1.5)))
save("clip_both_computed",
     reduce("ReduceMin", "mn") + reduce("ReduceMax", "mx", [1]) +
     [const("a", 0.5), const("b", 0.25), h.make_node("Add", ["mn", "a"], ["lo"]), h.make_node("Sub", ["mx", "b"], ["hi"])],
     ["lo", "hi"], np.minimum(np.maximum(x, x.min() + f(0.5)), x.max() - f(0.25)),
     [nh.from_array(np.array([1], np.int64), "mx_shape")])
mean = x.mean(dtype=np.float32)
save("clip_const_lo", reduce("ReduceMean", "hi") + [const("lo", -0.5)], ["lo", "hi"], np.minimum(np.maximum(x, f(-0.5)), mean))
save("clip_computed_lo", reduce("ReduceMean", "lo") + [const("hi", 0.75)], ["lo", "hi"], np.minimum(np.maximum(x, mean), f(0.75)))
save("clip_inverted", reduce("ReduceMax", "mx") + reduce("ReduceMin", "hi") + [const("one", 1), h.make_node("Add", ["mx", "one"], ["lo"])],
     ["lo", "hi"], np.full_like(x, x.min()))
