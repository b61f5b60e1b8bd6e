"""usage: transformer_model.py DIR
Writes DIR/tf.onnx, a tiny one-layer transformer encoder on 6 tokens of 8
(a pre-norm attention block: LayerNormalization, q/k/v MatMuls, QK^T scaled,
Softmax, AV, an output MatMul, the residual Add; then a pre-norm MLP block:
LayerNormalization, MatMul + bias, GELU written with Erf, MatMul + bias, the
residual Add; then ReduceMean over the tokens and a Gemm head), DIR/tf_sig.onnx
(the same with a sigmoid-gated MLP, x * Sigmoid(1.702 x), instead of GELU)
and DIR/tf_calib.npy (96 samples), all from a fixed seed."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

d = sys.argv[1]
rng = np.random.default_rng(25)
D, F, S = 8, 16, 6
inits, nodes = [], []


def const(name, a):
    inits.append(nh.from_array(np.asarray(a, np.float32), name))
    return name


def node(op, ins, name, **kw):
    nodes.append(h.make_node(op, ins, [name], name=name, **kw))
    return name


def linear(name, x, k, n, bias=True):
    w = const(name + "_w", rng.standard_normal((k, n)) / np.sqrt(k))
    y = node("MatMul", [x, w], name)
    return node("Add", [y, const(name + "_b", rng.standard_normal(n) * 0.1)], name + "_add") if bias else y


def norm(name, x):
    return node("LayerNormalization", [x, const(name + "_g", 1 + 0.1 * rng.standard_normal(D)),
                                       const(name + "_beta", 0.1 * rng.standard_normal(D))], name, axis=-1)


def model(gelu):
    global rng
    rng = np.random.default_rng(25)
    inits.clear(), nodes.clear()
    x = "x"
    a = norm("n1", x)
    q, k, v = linear("q", a, D, D, False), linear("k", a, D, D, False), linear("v", a, D, D, False)
    s = node("MatMul", [q, node("Transpose", [k], "kt", perm=[0, 2, 1])], "qk")
    p = node("Softmax", [node("Mul", [s, const("scale", 1 / np.sqrt(D))], "scaled")], "sm", axis=-1)
    o = linear("proj", node("MatMul", [p, v], "av"), D, D)
    x = node("Add", [x, o], "att_add")
    m = linear("f1", norm("n2", x), D, F)
    if gelu:
        e = node("Erf", [node("Div", [m, const("sqrt2", np.sqrt(2))], "div")], "erf")
        g = node("Mul", [node("Mul", [m, node("Add", [e, const("one", 1.0)], "erf1")], "gm"), const("half", 0.5)], "gelu")
    else:
        g = node("Mul", [m, node("Sigmoid", [node("Mul", [m, const("c1702", 1.702)], "m17")], "sig")], "gate")
    x = node("Add", [x, linear("f2", g, F, D)], "mlp_add")
    pooled = node("ReduceMean", [x], "pool", axes=[1], keepdims=0)
    nodes.append(h.make_node("Gemm", [pooled, const("head_w", rng.standard_normal((4, D)) * 0.5), const("head_b", np.zeros(4))],
                             ["y"], name="head", transB=1))
    graph = h.make_graph(nodes, "tf", [h.make_tensor_value_info("x", T.FLOAT, [1, S, D])],
                         [h.make_tensor_value_info("y", T.FLOAT, [1, 4])], inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])


onnx.save(model(False), os.path.join(d, "tf_sig.onnx"))
onnx.save(model(True), os.path.join(d, "tf.onnx"))
xs = rng.standard_normal((96, S, D)).astype(np.float32)
xs[:, :, :2] += rng.random((96, S, 1), dtype=np.float32) * 2  # some structure: two brighter features
np.save(os.path.join(d, "tf_calib.npy"), xs)
