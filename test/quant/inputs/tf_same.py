"""Writes tfsame.onnx: the front of a TensorFlow-exported vision model (M-LSD,
BlazeFace): an NHWC image scaled to [-1, 1] (Mul, Sub), transposed to NCHW,
then a stride-2 conv whose "same" padding is an explicit Pad of zeros at the
end of H and W, a ReLU6, a second Pad + depthwise conv, a Slice of channels
and a transpose back to NHWC; and calib.npy / x.npy (pixel values 0..255)."""
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(5)
inits = []


def const(name, v, dt=np.float32):
    inits.append(nh.from_array(np.asarray(v, dt), name))
    return name


pads_end = const("pads_end", [0, 0, 0, 0, 0, 0, 1, 1], np.int64)
nodes = [
    h.make_node("Mul", ["img", const("k", 1 / 127.5)], ["m"], name="RealDiv"),
    h.make_node("Sub", ["m", const("one", 1.0)], ["s"], name="Sub"),
    h.make_node("Transpose", ["s"], ["nchw"], name="to_nchw", perm=[0, 3, 1, 2]),
    h.make_node("Pad", ["nchw", pads_end], ["p1"], name="same_pad1", mode="constant"),
    h.make_node("Conv", ["p1", const("w1", rng.standard_normal((8, 3, 3, 3)) * 0.3), const("b1", rng.standard_normal(8) * 0.1)],
                ["c1"], name="conv1", strides=[2, 2], pads=[0, 0, 0, 0]),
    h.make_node("Clip", ["c1", const("lo", 0.0), const("hi", 6.0)], ["r1"], name="relu6"),
    h.make_node("Pad", ["r1", pads_end], ["p2"], name="same_pad2", mode="constant"),
    h.make_node("Conv", ["p2", const("w2", rng.standard_normal((8, 1, 3, 3)) * 0.4), const("b2", rng.standard_normal(8) * 0.1)],
                ["c2"], name="dwconv", strides=[2, 2], pads=[0, 0, 0, 0], group=8),
    h.make_node("Slice", ["c2", const("st", [2], np.int64), const("en", [6], np.int64), const("ax", [1], np.int64)], ["sl"],
                name="take4"),
    h.make_node("Transpose", ["sl"], ["y"], name="to_nhwc", perm=[0, 2, 3, 1]),
]
g = h.make_graph(nodes, "tfsame", [h.make_tensor_value_info("img", T.FLOAT, [1, 16, 16, 3])],
                 [h.make_tensor_value_info("y", T.FLOAT, [1, 4, 4, 4])], inits)
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), out + "/tfsame.onnx")
np.save(out + "/calib.npy", rng.integers(0, 256, (32, 1, 16, 16, 3)).astype(np.float32))
np.save(out + "/x.npy", rng.integers(0, 256, (16, 16, 16, 3)).astype(np.float32))  # 16 samples along the batch axis
