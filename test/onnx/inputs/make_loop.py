"""Writes Loop and Scan models into the directory given, with an input and
numpy's outputs (NAME.onnx, NAME.in.npy, NAME.want.npy and .want.npy.K.npy).

  loop_const      M = 4 (a Constant), no condition: y += x * i, and y stacked
                  per iteration as a scan output; the body has an initializer
  loop_stop       M = 10, the body's condition is i < 2 (folds): 3 iterations
  scan9_axes      Scan 9: running sum over axis 1 of x, read backwards, the
                  partial sums stacked along output axis 1, in reverse
  scan8_batch     Scan 8 (batch axis first): running product per batch element
  loop_runtime_m  M is a graph input: an error naming the node and the input
  loop_data_cond  the body's condition depends on x: an error naming the node
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


def vi(name, shape, t=T.FLOAT):
    return h.make_tensor_value_info(name, t, shape)


def const(name, v):
    return h.make_node("Constant", [], [name], value=nh.from_array(np.asarray(v), name + "_v"))


def save(name, nodes, inputs, outputs, opset=16, inits=(), x=None, want=()):
    g = h.make_graph(nodes, name, inputs, outputs, list(inits))
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", opset)]), os.path.join(out, name + ".onnx"))
    if x is not None:
        np.save(os.path.join(out, name + ".in.npy"), x)
    for k, v in enumerate(want):
        np.save(os.path.join(out, name + ".want.npy" + (f".{k}.npy" if k else "")), v.astype(np.float32))


def loop_body(cond_nodes):
    """y_out = y_in + x * float(i) + bias; scan_out = y_out."""
    return h.make_graph(
        [h.make_node("Cast", ["i"], ["fi"], to=T.FLOAT),
         h.make_node("Mul", ["x", "fi"], ["xi"]),
         h.make_node("Add", ["y_in", "xi"], ["ya"]),
         h.make_node("Add", ["ya", "bias"], ["y_out"]),
         h.make_node("Identity", ["y_out"], ["scan_out"])] + cond_nodes,
        "body", [vi("i", [], T.INT64), vi("cond_in", [], T.BOOL), vi("y_in", [2, 3])],
        [vi("cond_out", [], T.BOOL), vi("y_out", [2, 3]), vi("scan_out", [2, 3])],
        [nh.from_array(np.float32(0.25), "bias")])


def loop_ref(x, trips):
    y, scans = np.zeros_like(x), []
    for i in range(trips):
        y = y + x * i + 0.25
        scans.append(y)
    return y, np.stack(scans)


x = rng.standard_normal((2, 3)).astype(np.float32)
save("loop_const",
     [const("M", np.int64(4)), const("y0", np.zeros((2, 3), np.float32)),
      h.make_node("Loop", ["M", "", "y0"], ["y", "ys"], name="loop_const",
                  body=loop_body([h.make_node("Identity", ["cond_in"], ["cond_out"])]))],
     [vi("x", [2, 3])], [vi("y", None), vi("ys", None)], x=x, want=loop_ref(x, 4))
save("loop_stop",
     [const("M", np.int64(10)), const("go", np.array(True)), const("y0", np.zeros((2, 3), np.float32)),
      h.make_node("Loop", ["M", "go", "y0"], ["y", "ys"], name="loop_stop",
                  body=loop_body([const("two", np.int64(2)), h.make_node("Less", ["i", "two"], ["cond_out"])]))],
     [vi("x", [2, 3])], [vi("y", None), vi("ys", None)], x=x, want=loop_ref(x, 3))

# Scan 9: s_t = s_{t-1} + x[:, t] over t read backwards; outputs (final s, partials on axis 1, reversed)
xs = rng.standard_normal((2, 5, 3)).astype(np.float32)
body = h.make_graph([h.make_node("Add", ["s_in", "xt"], ["s_out"]), h.make_node("Identity", ["s_out"], ["part"])],
                    "body", [vi("s_in", [2, 3]), vi("xt", [2, 3])], [vi("s_out", [2, 3]), vi("part", [2, 3])])
s, parts = np.zeros((2, 3), np.float32), []
for t in reversed(range(5)):
    s = s + xs[:, t]
    parts.append(s)
parts = np.stack(parts[::-1], axis=1)
save("scan9_axes",
     [const("s0", np.zeros((2, 3), np.float32)),
      h.make_node("Scan", ["s0", "x"], ["s", "parts"], name="scan9_axes", num_scan_inputs=1, body=body,
                  scan_input_axes=[1], scan_input_directions=[1], scan_output_axes=[1],
                  scan_output_directions=[1])],
     [vi("x", [2, 5, 3])], [vi("s", None), vi("parts", None)], x=xs, want=(s, parts))

# Scan 8: batch axis first; p_t = p_{t-1} * x[b, t] per batch element b
xb = (1 + 0.1 * rng.standard_normal((2, 4, 3))).astype(np.float32)
body8 = h.make_graph([h.make_node("Mul", ["p_in", "xt"], ["p_out"]), h.make_node("Identity", ["p_out"], ["pp"])],
                     "body", [vi("p_in", [3]), vi("xt", [3])], [vi("p_out", [3]), vi("pp", [3])])
save("scan8_batch",
     [const("p0", np.ones((2, 3), np.float32)),
      h.make_node("Scan", ["", "p0", "x"], ["p", "ps"], name="scan8_batch", num_scan_inputs=1, body=body8)],
     [vi("x", [2, 4, 3])], [vi("p", None), vi("ps", None)], opset=8, x=xb,
     want=(np.cumprod(xb, axis=1)[:, -1], np.cumprod(xb, axis=1)))

save("loop_runtime_m",
     [const("y0", np.zeros((2, 3), np.float32)),
      h.make_node("Loop", ["M", "", "y0"], ["y", "ys"], name="loop_runtime_m",
                  body=loop_body([h.make_node("Identity", ["cond_in"], ["cond_out"])]))],
     [vi("x", [2, 3]), vi("M", [], T.INT64)], [vi("y", None), vi("ys", None)])
save("loop_data_cond",
     [const("M", np.int64(3)), const("y0", np.zeros((2, 3), np.float32)),
      h.make_node("Loop", ["M", "", "y0"], ["y", "ys"], name="loop_data_cond",
                  body=loop_body([h.make_node("ReduceSum", ["x"], ["sx"], keepdims=0), const("zero", np.float32(0)),
                                  h.make_node("Greater", ["sx", "zero"], ["cond_out"])]))],
     [vi("x", [2, 3])], [vi("y", None), vi("ys", None)])
