"""usage: residual_model.py DIR
Writes DIR/res.onnx, a tiny residual network (a stem conv, an identity block
conv-relu-conv-add-relu, a block with a strided 1x1 shortcut conv, global
average pooling and a gemm), DIR/plain.onnx (the same without the adds: no
residual block), and DIR/calib.npy (120 samples), all from a fixed seed."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

d = sys.argv[1]
rng = np.random.default_rng(25)
inits, nodes = [], []


def conv(name, x, cin, cout, k, stride, relu):
    w = (rng.standard_normal((cout, cin, k, k)) * np.sqrt(2.0 / (cin * k * k))).astype(np.float32)
    b = (rng.standard_normal(cout) * 0.1).astype(np.float32)
    inits.extend([nh.from_array(w, name + "_w"), nh.from_array(b, name + "_b")])
    p = k // 2
    nodes.append(h.make_node("Conv", [x, name + "_w", name + "_b"], [name], name=name, kernel_shape=[k, k],
                             pads=[p, p, p, p], strides=[stride, stride]))
    if not relu:
        return name
    nodes.append(h.make_node("Relu", [name], [name + "_r"], name=name + "_relu"))
    return name + "_r"


def model(residual):
    inits.clear(), nodes.clear()
    x = conv("stem", "x", 1, 8, 3, 1, True)
    y = conv("b1c1", x, 8, 8, 3, 1, True)
    y = conv("b1c2", y, 8, 8, 3, 1, False)
    if residual:
        nodes.append(h.make_node("Add", [y, x], ["b1add"], name="b1add"))
        y = "b1add"
    nodes.append(h.make_node("Relu", [y], ["b1out"], name="b1relu"))
    y = conv("b2c1", "b1out", 8, 16, 3, 2, True)
    y = conv("b2c2", y, 16, 16, 3, 1, False)
    if residual:
        s = conv("b2sc", "b1out", 8, 16, 1, 2, False)
        nodes.append(h.make_node("Add", [y, s], ["b2add"], name="b2add"))
        y = "b2add"
    nodes.append(h.make_node("Relu", [y], ["b2out"], name="b2relu"))
    nodes.append(h.make_node("GlobalAveragePool", ["b2out"], ["gap"], name="gap"))
    nodes.append(h.make_node("Flatten", ["gap"], ["flat"], name="flat"))
    w = (rng.standard_normal((10, 16)) * 0.5).astype(np.float32)
    inits.append(nh.from_array(w, "fc_w"))
    inits.append(nh.from_array(np.zeros(10, np.float32), "fc_b"))
    nodes.append(h.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["y"], name="fc", transB=1))
    g = h.make_graph(nodes, "res", [h.make_tensor_value_info("x", T.FLOAT, [1, 1, 12, 12])],
                     [h.make_tensor_value_info("y", T.FLOAT, [1, 10])], list(inits))
    return h.make_model(g, opset_imports=[h.make_opsetid("", 17)])


onnx.save(model(True), os.path.join(d, "res.onnx"))
onnx.save(model(False), os.path.join(d, "plain.onnx"))
xs = rng.random((120, 1, 12, 12), dtype=np.float32)
xs[:, :, 3:9, 3:9] += rng.random((120, 1, 1, 1), dtype=np.float32)  # some structure: a brighter square
np.save(os.path.join(d, "calib.npy"), xs)
