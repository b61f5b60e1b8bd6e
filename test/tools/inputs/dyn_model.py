# A model with a dynamic batch and a dynamic second dimension:
# y = softmax(relu(x) * 2, axis=1), x: [N, L]. Writes OUT/dyn.onnx and OUT/x.npy (3 x 7).
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

out = sys.argv[1]
two = helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])
g = helper.make_graph(
    [helper.make_node("Relu", ["x"], ["r"], name="relu"), helper.make_node("Mul", ["r", "two"], ["m"], name="scale"),
     helper.make_node("Softmax", ["m"], ["y"], name="soft", axis=1)],
    "dyn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "L"])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", "L"])], [two])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), out + "/dyn.onnx")
np.save(out + "/x.npy", np.random.default_rng(0).standard_normal((3, 7)).astype(np.float32))
