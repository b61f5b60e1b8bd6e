"""Writes conv_end_pads.onnx: 1x1 convs (one full, one depthwise) with padding
at the end of H and W only (ONNX allows it; --fold-pad makes it from
TensorFlow's explicit Pad), x.npy, and want.npy / want.npy.1.npy computed
with numpy: the padded rows and columns hold the bias alone."""
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(3)
x = rng.standard_normal((2, 3, 5, 4)).astype(np.float32)
w1 = rng.standard_normal((4, 3, 1, 1)).astype(np.float32)
b1 = rng.standard_normal(4).astype(np.float32)
w2 = rng.standard_normal((3, 1, 1, 1)).astype(np.float32)
b2 = rng.standard_normal(3).astype(np.float32)
nodes = [h.make_node("Conv", ["x", "w1", "b1"], ["y1"], name="full", pads=[0, 0, 1, 2]),
         h.make_node("Conv", ["x", "w2", "b2"], ["y2"], name="dw", pads=[0, 0, 2, 1], group=3)]
g = h.make_graph(nodes, "endpads", [h.make_tensor_value_info("x", T.FLOAT, [2, 3, 5, 4])],
                 [h.make_tensor_value_info("y1", T.FLOAT, [2, 4, 6, 6]), h.make_tensor_value_info("y2", T.FLOAT, [2, 3, 7, 5])],
                 [nh.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))])
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), out + "/conv_end_pads.onnx")
np.save(out + "/x.npy", x)
xp1 = np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 2)))
y1 = np.einsum("nchw,oc->nohw", xp1, w1[:, :, 0, 0]) + b1[None, :, None, None]
xp2 = np.pad(x, ((0, 0), (0, 0), (0, 2), (0, 1)))
y2 = xp2 * w2[None, :, 0, 0, None] + b2[None, :, None, None]
np.save(out + "/want.npy", y1.astype(np.float32))
np.save(out + "/want.npy.1.npy", y2.astype(np.float32))
