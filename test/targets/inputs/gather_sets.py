# A Gather over a constant table with the indices as the input (int64 [2]),
# and 40 sets of indices of which set 33 holds one out of range: the generated
# C returns 1 for it, a set outside the first thread's share (test/targets/c-threads.test).
# usage: gather_sets.py MODEL.onnx SETS.npy
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

table = numpy_helper.from_array(np.arange(15, dtype=np.float32).reshape(5, 3), "table")
node = helper.make_node("Gather", ["table", "idx"], ["y"], name="pick", axis=0)
graph = helper.make_graph([node], "gather", [helper.make_tensor_value_info("idx", TensorProto.INT64, [2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])], [table])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), sys.argv[1])
sets = np.arange(80, dtype=np.int64).reshape(40, 2) % 5
sets[33, 1] = 9
np.save(sys.argv[2], sets)
