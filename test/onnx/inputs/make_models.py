"""Writes the small ONNX models the importer tests use into the directory given.
Each model is a few nodes; names say what they test."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(0)


def save(name, nodes, inputs, outputs, inits=(), opset=17, **kw):
    g = h.make_graph(nodes, name, inputs, outputs, list(inits))
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)], **kw)
    onnx.save(m, os.path.join(out, name + ".onnx"))
    return m


def vi(name, shape, t=T.FLOAT):
    return h.make_tensor_value_info(name, t, shape)


w3 = nh.from_array(rng.standard_normal((4, 2, 3, 3)).astype(np.float32), "w")
for pad in ["SAME_UPPER", "SAME_LOWER", "VALID", "NOTSET"]:
    kw = {"auto_pad": pad} if pad != "NOTSET" else {"pads": [1, 0, 1, 0]}
    save("conv_" + pad.lower(), [h.make_node("Conv", ["x", "w"], ["y"], name="conv", strides=[2, 2], **kw)],
         [vi("x", [1, 2, 6, 5])], [vi("y", None)], [w3])

# Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as exporters write flatten
shape_nodes = [
    h.make_node("Shape", ["x"], ["s"], name="shape"),
    h.make_node("Gather", ["s", "zero"], ["n"], name="gather", axis=0),
    h.make_node("Unsqueeze", ["n", "axes0"], ["n1"], name="unsq"),
    h.make_node("Concat", ["n1", "minus1"], ["newshape"], name="concat", axis=0),
    h.make_node("Reshape", ["x", "newshape"], ["y"], name="flatten"),
]
save("shape_subgraph", shape_nodes, [vi("x", ["batch", 3, 4, 4])], [vi("y", None)],
     [nh.from_array(np.array(0, np.int64), "zero"), nh.from_array(np.array([0], np.int64), "axes0"),
      nh.from_array(np.array([-1], np.int64), "minus1")])

# external data next to the model
wt = rng.standard_normal((8, 16)).astype(np.float32)
for name, loc in [("external", "external.weights"), ("external_missing", "missing.weights")]:
    m = h.make_model(h.make_graph([h.make_node("MatMul", ["x", "w"], ["y"], name="mm")], "ext",
                                  [vi("x", [2, 8])], [vi("y", None)], [nh.from_array(wt, "w")]),
                     opset_imports=[h.make_opsetid("", 17)])
    onnx.save_model(m, os.path.join(out, name + ".onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=loc, size_threshold=0)
os.remove(os.path.join(out, "missing.weights"))

# unsupported ops (two kinds, three nodes)
save("unsupported", [h.make_node("Relu", ["x"], ["a"], name="ok_relu"),
                     h.make_node("StringNormalizer", ["a"], ["b"], name="norm1"),
                     h.make_node("Multinomial", ["b"], ["c"], name="multi1"),
                     h.make_node("StringNormalizer", ["c"], ["y"], name="norm2")],
     [vi("x", [2, 2])], [vi("y", None)])

# wrong attribute type: Softmax axis given as a float
n = h.make_node("Softmax", ["x"], ["y"], name="soft")
n.attribute.append(h.make_attribute("axis", 1.5))
save("wrong_attr_type", [n], [vi("x", [2, 3])], [vi("y", None)])

# shape mismatch: adding [2,3] and [4]
save("shape_mismatch", [h.make_node("Add", ["x", "b"], ["y"], name="add_bad")], [vi("x", [2, 3])], [vi("y", None)],
     [nh.from_array(np.zeros(4, np.float32), "b")])

# missing initializer / undefined input
save("missing_input", [h.make_node("Add", ["x", "nowhere"], ["y"], name="add_missing")], [vi("x", [2, 3])],
     [vi("y", None)])

# negative and huge dimensions
save("negative_dim", [h.make_node("Relu", ["x"], ["y"], name="relu")], [vi("x", [2, -3])], [vi("y", None)])
save("huge_dim", [h.make_node("Relu", ["x"], ["y"], name="relu")], [vi("x", [1 << 40, 1 << 40])], [vi("y", None)])
big = onnx.TensorProto()
big.name, big.data_type = "w", T.FLOAT
big.dims.extend([1 << 31, 1 << 31])
save("huge_initializer", [h.make_node("Add", ["x", "w"], ["y"], name="add")], [vi("x", [2, 2])], [vi("y", None)],
     [big])

# raw_data shorter than its dims say
bad = nh.from_array(np.zeros((3, 4), np.float32), "w")
bad.raw_data = bad.raw_data[:20]
save("raw_data_short", [h.make_node("Add", ["x", "w"], ["y"], name="add")], [vi("x", [3, 4])], [vi("y", None)], [bad])

# opsets
save("opset_too_new", [h.make_node("Relu", ["x"], ["y"], name="relu")], [vi("x", [2])], [vi("y", None)], opset=99)
save("clip_opset6", [h.make_node("Clip", ["x"], ["y"], name="clip", min=-1.0, max=2.0)], [vi("x", [4])],
     [vi("y", None)], opset=6)
save("clip_opset13", [h.make_node("Clip", ["x", "lo", "hi"], ["y"], name="clip")], [vi("x", [4])], [vi("y", None)],
     [nh.from_array(np.array(-1.0, np.float32), "lo"), nh.from_array(np.array(2.0, np.float32), "hi")], opset=13)

# wrong input count
save("wrong_arity", [h.make_node("Relu", ["x", "x"], ["y"], name="relu2")], [vi("x", [2])], [vi("y", None)])

# dynamic batch; unnamed nodes
save("dynamic", [h.make_node("Relu", ["x"], ["r"]), h.make_node("Sigmoid", ["r"], ["y"])],
     [vi("x", ["N", 3, 2])], [vi("y", None)])

# an input that is also an initializer (a default the caller may override)
save("input_initializer", [h.make_node("Mul", ["x", "scale"], ["y"], name="mul")],
     [vi("x", [2]), vi("scale", [2])], [vi("y", None)], [nh.from_array(np.array([2.0, 3.0], np.float32), "scale")],
     ir_version=8)

# QDQ pair
save("qdq", [h.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="q"),
             h.make_node("DequantizeLinear", ["q", "s", "z"], ["y"], name="dq")],
     [vi("x", [1, 4])], [vi("y", None)],
     [nh.from_array(np.array(0.05, np.float32), "s"), nh.from_array(np.array(3, np.uint8), "z")])

# typed-field initializer (float_data, not raw_data)
tf = h.make_tensor("w", T.FLOAT, [2], [1.5, -2.0])
save("typed_fields", [h.make_node("Add", ["x", "w"], ["y"], name="add")], [vi("x", [2])], [vi("y", None)], [tf])

# Split / Slice / Pad / Resize
save("split_slice_pad", [
    h.make_node("Split", ["x", "sp"], ["a", "b"], name="split", axis=1),
    h.make_node("Slice", ["a", "st", "en", "ax"], ["c"], name="slice"),
    h.make_node("Pad", ["b", "pads"], ["d"], name="pad", mode="constant"),
    h.make_node("Resize", ["c", "", "scales"], ["e"], name="resize", mode="nearest"),
], [vi("x", [1, 4, 4, 4])], [vi("d", None), vi("e", None)],
    [nh.from_array(np.array([1, 3], np.int64), "sp"), nh.from_array(np.array([1], np.int64), "st"),
     nh.from_array(np.array([3], np.int64), "en"), nh.from_array(np.array([2], np.int64), "ax"),
     nh.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), "pads"),
     nh.from_array(np.array([1, 1, 2, 2], np.float32), "scales")])

open(os.path.join(out, "empty.onnx"), "wb").close()
open(os.path.join(out, "random.onnx"), "wb").write(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
data = open(os.path.join(out, "conv_valid.onnx"), "rb").read()
open(os.path.join(out, "truncated.onnx"), "wb").write(data[: len(data) // 2])
open(os.path.join(out, "not_protobuf.onnx"), "w").write("this is a text file, not an ONNX model\n")

# QOperator form with constant parameters (what onnxruntime's static quantizer
# writes): QLinearConv with per-channel weights and an int32 bias, and
# MatMulInteger followed by the Cast/Mul rescale of dynamic quantization. The
# expected outputs follow the ONNX definitions in float64 numpy.
def q_u8(x, s, z):
    return np.clip(np.rint(x / s) + z, 0, 255).astype(np.uint8)


qx = rng.standard_normal((1, 3, 6, 6)).astype(np.float32)
xs, xz, ys, yz = np.float32(0.03), np.uint8(120), np.float32(0.05), np.uint8(100)
wq = rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)
ws = np.array([0.004, 0.002, 0.003, 0.0025], np.float32)
bq = rng.integers(-2000, 2000, 4).astype(np.int32)
save("qlinear_conv", [
    h.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="qx"),
    h.make_node("QLinearConv", ["xq", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["yq"], name="qconv",
                pads=[1, 1, 1, 1]),
    h.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["y"], name="dqy"),
], [vi("x", [1, 3, 6, 6])], [vi("y", None)],
    [nh.from_array(np.array(xs), "xs"), nh.from_array(np.array(xz), "xz"), nh.from_array(wq, "w"),
     nh.from_array(ws, "ws"), nh.from_array(np.zeros(4, np.int8), "wz"), nh.from_array(np.array(ys), "ys"),
     nh.from_array(np.array(yz), "yz"), nh.from_array(bq, "b")], opset=13)
xq = np.pad(q_u8(qx, xs, xz).astype(np.float64) - float(xz), ((0, 0), (0, 0), (1, 1), (1, 1)))
acc = np.zeros((1, 4, 6, 6))
for o in range(4):
    for i in range(6):
        for j in range(6):
            acc[0, o, i, j] = (xq[0, :, i:i + 3, j:j + 3] * wq[o].astype(np.float64)).sum() + bq[o]
yq = np.clip(np.rint(acc * (float(xs) * ws.astype(np.float64)[None, :, None, None]) / float(ys)) + float(yz), 0, 255)
np.save(os.path.join(out, "qlinear_conv.x.npy"), qx)
np.save(os.path.join(out, "qlinear_conv.y.npy"), ((yq - float(yz)) * float(ys)).astype(np.float32))

mw = rng.integers(0, 256, (8, 5)).astype(np.uint8)
save("matmul_integer", [
    h.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="qx"),
    h.make_node("MatMulInteger", ["xq", "w", "xz", "wz"], ["acc"], name="mmi"),
    h.make_node("Cast", ["acc"], ["accf"], name="cast", to=T.FLOAT),
    h.make_node("Mul", ["accf", "scale"], ["y"], name="rescale"),
], [vi("x", [2, 8])], [vi("y", None)],
    [nh.from_array(np.array(xs), "xs"), nh.from_array(np.array(xz), "xz"), nh.from_array(mw, "w"),
     nh.from_array(np.array(np.uint8(128)), "wz"), nh.from_array(np.array(np.float32(0.001)), "scale")], opset=13)
mx = rng.standard_normal((2, 8)).astype(np.float32)
macc = (q_u8(mx, xs, xz).astype(np.int64) - int(xz)) @ (mw.astype(np.int64) - 128)
np.save(os.path.join(out, "matmul_integer.x.npy"), mx)
np.save(os.path.join(out, "matmul_integer.y.npy"), (macc.astype(np.float32) * np.float32(0.001)).astype(np.float32))
