"""Writes the invalid models and .npy files the bad-input tests use into the
directory given: each is valid but for the one thing its name says."""
import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]


def save(name, nodes, inputs, outputs, inits=(), opset=17):
    g = h.make_graph(nodes, name, inputs, outputs, list(inits))
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)])
    onnx.save(m, os.path.join(out, name + ".onnx"))


def vi(name, shape, t=T.FLOAT):
    return h.make_tensor_value_info(name, t, shape)


def npy_header(name, shape, data=b""):
    """A .npy file whose header claims shape, followed by data (numpy cannot write such shapes)."""
    hd = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % "".join("%d, " % d for d in shape)
    hd += " " * ((64 - (10 + len(hd) + 1) % 64) % 64) + "\n"
    with open(os.path.join(out, name + ".npy"), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hd)) + hd.encode() + data)


relu = [h.make_node("Relu", ["x"], ["y"], name="relu")]
save("relu", relu, [vi("x", [2, 3])], [vi("y", None)])
npy_header("huge_count", [1 << 40, 1 << 40])       # the element count overflows int64
npy_header("huge_bytes", [1 << 62], b"\0" * 24)    # the count fits, the byte size does not
save("huge_input", relu, [vi("x", [1 << 31] * 4)], [vi("y", None)])

# ConvTranspose: a zero stride; output_padding not below the stride or the dilation;
# output_padding 1 with stride 1 is valid when the dilation is 2
w = nh.from_array(np.ones((1, 1, 3, 3), np.float32), "w")
for name, kw in [("convt_stride0", {"strides": [0, 1]}), ("convt_outpad", {"strides": [2, 2], "output_padding": [0, 2]}),
                 ("convt_outpad_dil", {"strides": [1, 1], "dilations": [2, 2], "output_padding": [1, 1]})]:
    save(name, [h.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", **kw)], [vi("x", [1, 1, 4, 4])],
         [vi("y", None)], [w])

# Pad reflect: at most dim - 1 per side (dim 3 allows 2)
for name, p in [("pad_reflect_big", [0, 0, 3, 0]), ("pad_reflect_ok", [0, 2, 0, 2])]:
    save(name, [h.make_node("Pad", ["x", "p"], ["y"], name="mirror", mode="reflect")], [vi("x", [3, 3])], [vi("y", None)],
         [nh.from_array(np.array(p, np.int64), "p")])

# one name written twice (ONNX graphs are SSA)
save("dup_output", [h.make_node("Relu", ["x"], ["a"], name="first"), h.make_node("Neg", ["x"], ["a"], name="second"),
                    h.make_node("Abs", ["a"], ["y"], name="abs")], [vi("x", [2])], [vi("y", None)])
save("output_is_input", [h.make_node("Relu", ["x"], ["x"], name="inplace"), h.make_node("Abs", ["x"], ["y"], name="abs")],
     [vi("x", [2])], [vi("y", None)])
save("output_is_init", [h.make_node("Relu", ["x"], ["c"], name="shadow"), h.make_node("Add", ["x", "c"], ["y"], name="add")],
     [vi("x", [2])], [vi("y", None)], [nh.from_array(np.ones(2, np.float32), "c")])

# negative dimensions: not dynamic ones
save("negative_dim0", relu, [vi("x", [-2, 3])], [vi("y", None)])
save("negative_dim_output", relu, [vi("x", [2, 3])], [vi("y", [2, -3])])

# Clip with min > max: ONNX (and onnxruntime) give max everywhere; a conv before it
# so --fuse-activation and --quantize have something to fuse into
cw = nh.from_array(np.full((2, 1, 1, 1), 0.5, np.float32), "cw")
save("clip_inverted", [h.make_node("Conv", ["x", "cw"], ["c"], name="conv"),
                       h.make_node("Clip", ["c", "lo", "hi"], ["y"], name="clip")],
     [vi("x", [1, 1, 2, 3])], [vi("y", None)],
     [cw, nh.from_array(np.array(1.0, np.float32), "lo"), nh.from_array(np.array(-1.0, np.float32), "hi")])
np.save(os.path.join(out, "clip_x.npy"), np.array([-3, -1, 0, 0.5, 2, 7], np.float32).reshape(1, 1, 2, 3))
np.save(os.path.join(out, "clip_want.npy"), np.full((1, 2, 2, 3), -1, np.float32))

# calibration data with one NaN, one -Inf, all NaN (sample 2 of 4 for the first two);
# a model that makes -Inf out of finite data (log of a relu)
save("conv_relu", [h.make_node("Conv", ["x", "cw"], ["c"], name="conv"), h.make_node("Relu", ["c"], ["y"], name="relu")],
     [vi("x", [1, 1, 2, 3])], [vi("y", None)], [cw])
save("log_relu", [h.make_node("Relu", ["x"], ["r"], name="relu"), h.make_node("Log", ["r"], ["y"], name="log")],
     [vi("x", [1, 6])], [vi("y", None)])
cal = np.random.default_rng(1).standard_normal((4, 1, 1, 2, 3)).astype(np.float32).reshape(4, 1, 2, 3)
np.save(os.path.join(out, "calib_ok.npy"), cal)
for name, where, val in [("calib_nan", (2, 0, 1, 0), np.nan), ("calib_ninf", (2, 0, 0, 2), -np.inf)]:
    c = cal.copy()
    c[where] = val
    np.save(os.path.join(out, name + ".npy"), c)
np.save(os.path.join(out, "calib_allnan.npy"), np.full((4, 1, 2, 3), np.nan, np.float32))
np.save(os.path.join(out, "calib_rows.npy"), cal.reshape(4, 1, 6))

# Conv + BatchNormalization whose folded bias (5) is 1.6e10 steps of s_x * s_w at 16 bits:
# beyond int32; fine at 8 bits
r = np.random.default_rng(2)
save("conv_bn", [h.make_node("Conv", ["x", "bw"], ["c"], name="conv", pads=[1, 1, 1, 1]),
                 h.make_node("BatchNormalization", ["c", "g", "beta", "mu", "var"], ["y"], name="bn")],
     [vi("x", [1, 2, 4, 4])], [vi("y", None)],
     [nh.from_array((0.1 * r.standard_normal((3, 2, 3, 3))).astype(np.float32), "bw"),
      nh.from_array(np.ones(3, np.float32), "g"), nh.from_array(np.array([5, -0.5, 0.1], np.float32), "beta"),
      nh.from_array(np.zeros(3, np.float32), "mu"), nh.from_array(np.ones(3, np.float32), "var")])
np.save(os.path.join(out, "bn_x.npy"), r.uniform(-1, 1, (8, 1, 2, 4, 4)).astype(np.float32).reshape(8, 2, 4, 4))
