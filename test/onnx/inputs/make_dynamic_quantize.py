"""Writes DynamicQuantizeLinear models into the directory given, with an input
and numpy's three outputs (y, scale, zero point; NAME.want.npy, .1.npy, .2.npy):
dq_mixed (negative and positive values), dq_positive (the range widened to
hold 0: zero point 0), dq_negative (zero point 255), dq_ties (x / scale on
halves: rounding to even); dq_int (an int32 input: an error)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h

out = sys.argv[1]
rng = np.random.default_rng(5)


def model(name, shape, t=T.FLOAT):
    node = h.make_node("DynamicQuantizeLinear", ["x"], ["y", "s", "z"], name=name)
    g = h.make_graph([node], name, [h.make_tensor_value_info("x", t, list(shape))],
                     [h.make_tensor_value_info("y", T.UINT8, None), h.make_tensor_value_info("s", T.FLOAT, None),
                      h.make_tensor_value_info("z", T.UINT8, None)])
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 11)]), os.path.join(out, name + ".onnx"))


def save(name, x):
    model(name, x.shape)
    lo, hi = np.float32(min(0, x.min())), np.float32(max(0, x.max()))
    s = np.float32((hi - lo) / np.float32(255))
    z = np.rint(np.clip(np.float32(0) - lo / s, 0, 255)).astype(np.uint8)
    y = np.clip(np.rint(x / s) + z, 0, 255).astype(np.uint8)
    p = os.path.join(out, name)
    np.save(p + ".in.npy", x)
    np.save(p + ".want.npy", y)
    np.save(p + ".want.npy.1.npy", np.array(s, np.float32))
    np.save(p + ".want.npy.2.npy", np.array(z, np.uint8))


save("dq_mixed", (rng.standard_normal((1, 3, 4)) * 5).astype(np.float32))
save("dq_positive", rng.uniform(1, 9, (1, 6)).astype(np.float32))
save("dq_negative", rng.uniform(-7, -2, (1, 2, 5)).astype(np.float32))
save("dq_ties", np.array([[0, 255, 0.5, 1.5, 2.5, 253.5, 100.5]], np.float32))
model("dq_int", (2, 3), T.INT32)
