"""Writes up.onnx: the FPN upsampling of a detection head (PP-OCR det): a
stride-2 conv, then a ConvTranspose with a 2x2 kernel and stride 2 (no overlap)
followed by BatchNormalization and Relu, added to the full-size map; and a
second ConvTranspose whose bias is a separate Add of a [1, C, 1, 1] constant,
as Paddle exports it. Also calib.npy and x.npy."""
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(7)
inits = []


def const(name, v):
    inits.append(nh.from_array(np.asarray(v, np.float32), name))
    return name


nodes = [
    h.make_node("Conv", ["x", const("w0", rng.standard_normal((6, 3, 3, 3)) * 0.3), const("b0", rng.standard_normal(6) * 0.1)],
                ["f"], name="stem", pads=[1, 1, 1, 1]),
    h.make_node("Relu", ["f"], ["fr"], name="stem_relu"),
    h.make_node("Conv", ["fr", const("w1", rng.standard_normal((8, 6, 3, 3)) * 0.2)], ["d"], name="down", pads=[1, 1, 1, 1],
                strides=[2, 2]),
    h.make_node("ConvTranspose", ["d", const("wt", rng.standard_normal((8, 6, 2, 2)) * 0.3), const("bt", rng.standard_normal(6) * 0.1)],
                ["u"], name="up", strides=[2, 2], kernel_shape=[2, 2]),
    h.make_node("BatchNormalization", ["u", const("g", 1 + 0.2 * rng.standard_normal(6)), const("be", 0.1 * rng.standard_normal(6)),
                                       const("mu", 0.1 * rng.standard_normal(6)), const("var", 1 + 0.3 * rng.random(6))],
                ["ub"], name="up_bn"),
    h.make_node("Relu", ["ub"], ["ur"], name="up_relu"),
    h.make_node("Add", ["ur", "fr"], ["s"], name="merge"),
    h.make_node("ConvTranspose", ["s", const("wt2", rng.standard_normal((6, 2, 2, 2)) * 0.3)], ["u2"], name="up2", strides=[2, 2]),
    h.make_node("Add", ["u2", const("bias2", 0.1 * rng.standard_normal((1, 2, 1, 1)))], ["y"], name="up2_bias"),
]
g = h.make_graph(nodes, "up", [h.make_tensor_value_info("x", T.FLOAT, [1, 3, 8, 8])],
                 [h.make_tensor_value_info("y", T.FLOAT, [1, 2, 16, 16])], inits)
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), out + "/up.onnx")
np.save(out + "/calib.npy", rng.standard_normal((32, 3, 8, 8)).astype(np.float32))
np.save(out + "/x.npy", rng.standard_normal((16, 3, 8, 8)).astype(np.float32))
