"""Models whose integer forms reach the limits of their types (overflow analysis).

conv_bn: Conv(8 -> 16, 3x3) + BatchNormalization with realistic statistics
(gamma, beta, running mean and variance drawn like a trained network's), the
bias BN folding leaves being large against s_x * s_w at 15 and 16 bits.
big_k: MatMul of a [1, 65536] activation by constant [65536, 4] weights: at 16
bits K * max|x| * max|w| is about 2^46, far beyond int32.
mul16: Mul of two rectified MatMul projections of x: at 16 bits (zero points at
the bottom of the range) the product of the two operands reaches 2^32 before
its multiplier.
Writes the models and their calibration inputs (NAME_x.npy) into the given
directory."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper as h, numpy_helper as nh

out = sys.argv[1]
r = np.random.default_rng(21)


def save(name, nodes, inputs, outputs, inits):
    g = h.make_graph(nodes, name, inputs, outputs, inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, name + ".onnx"))


def vi(name, shape):
    return h.make_tensor_value_info(name, TensorProto.FLOAT, shape)


c, m = 8, 16
save("conv_bn", [h.make_node("Conv", ["x", "w"], ["c"], name="conv1", pads=[1, 1, 1, 1]),
                 h.make_node("BatchNormalization", ["c", "g", "beta", "mu", "var"], ["y"], name="bn1")],
     [vi("x", [1, c, 8, 8])], [vi("y", [1, m, 8, 8])],
     [nh.from_array((0.2 * r.standard_normal((m, c, 3, 3))).astype(np.float32), "w"),
      nh.from_array(r.uniform(0.5, 1.5, m).astype(np.float32), "g"),
      nh.from_array(r.uniform(-3, 3, m).astype(np.float32), "beta"),
      nh.from_array((0.5 * r.standard_normal(m)).astype(np.float32), "mu"),
      nh.from_array(r.uniform(0.5, 2, m).astype(np.float32), "var")])
np.save(os.path.join(out, "conv_bn_x.npy"), r.uniform(-1, 1, (16, c, 8, 8)).astype(np.float32))

K = 65536
save("big_k", [h.make_node("MatMul", ["x", "w"], ["y"], name="fc_wide")],
     [vi("x", [1, K])], [vi("y", [1, 4])],
     [nh.from_array(r.uniform(-1, 1, (K, 4)).astype(np.float32), "w")])
np.save(os.path.join(out, "big_k_x.npy"), r.uniform(-1, 1, (4, K)).astype(np.float32))

# mul16: two projections of x multiplied elementwise (an integer mul of two activations)
save("mul16", [h.make_node("MatMul", ["x", "p"], ["pa"], name="proj_a"), h.make_node("Relu", ["pa"], ["a"], name="relu_a"),
               h.make_node("MatMul", ["x", "q"], ["pb"], name="proj_b"), h.make_node("Relu", ["pb"], ["b"], name="relu_b"),
               h.make_node("Mul", ["a", "b"], ["y"], name="gate")],
     [vi("x", [1, 16])], [vi("y", [1, 8])],
     [nh.from_array(r.uniform(-1, 1, (16, 8)).astype(np.float32), "p"),
      nh.from_array(r.uniform(-1, 1, (16, 8)).astype(np.float32), "q")])
np.save(os.path.join(out, "mul16_x.npy"), r.uniform(-1, 1, (16, 16)).astype(np.float32))
