"""Writes islands.onnx: the float islands exporters leave in integer models,
between convolutions: decomposed hardswish (Add 3, Clip 0..6, Mul x, Div 6),
x * HardSigmoid(x), Max(x, LeakyRelu(x)), Pow(x, 2) and a squeeze-excitation
block (GlobalAveragePool, 1x1 convs, HardSigmoid, broadcast Mul); and
calib.npy / x.npy for it."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(1)
C = 8
inits, nodes = [], []


def const(name, v):
    inits.append(nh.from_array(np.asarray(v, np.float32), name))
    return name


def conv(x, y, cin, cout, k=3):
    w = const(y + "_w", rng.standard_normal((cout, cin, k, k)) * (1.0 / np.sqrt(cin * k * k)))
    b = const(y + "_b", rng.standard_normal(cout) * 0.1)
    nodes.append(h.make_node("Conv", [x, w, b], [y], name=y, pads=[k // 2] * 4))
    return y


x = conv("x", "c1", 3, C)
# hardswish, decomposed as paddle2onnx writes it
nodes += [h.make_node("Add", [x, const("three", 3.0)], ["hs_a"], name="hs_add"),
          h.make_node("Clip", ["hs_a", const("zero", 0.0), const("six", 6.0)], ["hs_c"], name="hs_clip"),
          h.make_node("Mul", [x, "hs_c"], ["hs_m"], name="hs_mul"),
          h.make_node("Div", ["hs_m", const("six_d", 6.0)], ["hs"], name="hs_div")]
x = conv("hs", "c2", C, C)
nodes += [h.make_node("HardSigmoid", [x], ["hsg"], name="hsig", alpha=0.2, beta=0.5),
          h.make_node("Mul", [x, "hsg"], ["xhs"], name="x_hsig")]
x = conv("xhs", "c3", C, C)
nodes += [h.make_node("LeakyRelu", [x], ["lr"], name="leaky", alpha=0.2),
          h.make_node("Max", [x, "lr"], ["mx"], name="max_leaky")]
x = conv("mx", "c4", C, C)
# squeeze-excitation
nodes += [h.make_node("GlobalAveragePool", [x], ["se_p"], name="se_pool")]
conv("se_p", "se_1", C, 2, k=1)
conv("se_1", "se_2", 2, C, k=1)
nodes += [h.make_node("HardSigmoid", ["se_2"], ["se_s"], name="se_hsig", alpha=0.2, beta=0.5),
          h.make_node("Mul", [x, "se_s"], ["se"], name="se_mul"),
          h.make_node("Pow", ["se", const("two", 2.0)], ["sq"], name="square")]
conv("sq", "y", C, 4)
g = h.make_graph(nodes, "islands", [h.make_tensor_value_info("x", T.FLOAT, [1, 3, 12, 12])],
                 [h.make_tensor_value_info("y", T.FLOAT, [1, 4, 12, 12])], inits)
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), os.path.join(out, "islands.onnx"))
np.save(os.path.join(out, "calib.npy"), rng.standard_normal((16, 3, 12, 12)).astype(np.float32))
np.save(os.path.join(out, "x.npy"), rng.standard_normal((8, 3, 12, 12)).astype(np.float32))
