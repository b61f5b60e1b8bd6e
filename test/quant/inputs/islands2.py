"""Writes fpn.onnx: a feature-pyramid head as PP-OCR det and BlazeFace export
it: a nearest 2x Resize of a strided conv's output, a Concat with the full-size
map, a Concat with zeros (channel padding), and a squeeze-excitation average
pool of a wide feature map; and calib.npy / x.npy for it."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(2)
inits, nodes = [], []


def const(name, v):
    inits.append(nh.from_array(np.asarray(v, np.float32), name))
    return name


def conv(x, y, cin, cout, k=3, s=1, relu=False):
    w = const(y + "_w", rng.standard_normal((cout, cin, k, k)) * (1.5 / np.sqrt(cin * k * k)))
    b = const(y + "_b", rng.standard_normal(cout) * 0.1)
    nodes.append(h.make_node("Conv", [x, w, b], [y + ("_pre" if relu else "")], name=y, pads=[k // 2] * 4, strides=[s, s]))
    if relu:
        nodes.append(h.make_node("Relu", [y + "_pre"], [y], name=y + "_relu"))
    return y


conv("x", "c1", 3, 8, relu=True)
conv("c1", "c2", 8, 8, s=2)
nodes += [h.make_node("Resize", ["c2", "", const("scales", [1, 1, 2, 2])], ["up"], name="up",
                      mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
          h.make_node("Concat", ["c1", "up"], ["cat"], name="cat", axis=1),
          h.make_node("Concat", ["cat", const("zeros", np.zeros((1, 4, 16, 16)))], ["pad"], name="pad_ch", axis=1)]
conv("pad", "c3", 20, 8, relu=True)
nodes += [h.make_node("GlobalAveragePool", ["c3"], ["se_p"], name="se_pool")]
conv("se_p", "se_1", 8, 8, k=1)
nodes += [h.make_node("Sigmoid", ["se_1"], ["se_s"], name="se_sig"),
          h.make_node("Mul", ["c3", "se_s"], ["se"], name="se_mul")]
conv("se", "y", 8, 2)
g = h.make_graph(nodes, "fpn", [h.make_tensor_value_info("x", T.FLOAT, [1, 3, 16, 16])],
                 [h.make_tensor_value_info("y", T.FLOAT, [1, 2, 16, 16])], inits)
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), os.path.join(out, "fpn.onnx"))
# sparse bright spots: the pooled means are far smaller than the feature map's peaks
x = rng.standard_normal((24, 3, 16, 16)).astype(np.float32) * 0.3
x[:, :, ::8, ::8] += 12
np.save(os.path.join(out, "calib.npy"), x[:16])
np.save(os.path.join(out, "x.npy"), x[16:])
