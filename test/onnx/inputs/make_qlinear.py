"""Writes standalone quantized ONNX ops into the directory given, with inputs
and numpy's outputs (NAME.onnx, NAME.in<k>.npy, NAME.want.npy). Only the first
input is a graph input; the rest (scales, zero points, weights) are
initializers.

  quant_i8_axis_neg  QuantizeLinear to int8, per axis -2 (scale and zero point
                     per channel), halves rounded to even, saturation both ways
  quant_u8_no_zp     QuantizeLinear with no zero point: uint8, saturates at 0
  dequant_i32        DequantizeLinear of int32 (a bias) with a scalar scale
  matmul_integer     MatMulInteger uint8 x int8, b's zero point per column,
                     a batch of 2 against one matrix
  qlinear_matmul     QLinearMatMul int8, batch broadcast, saturating output
  conv_integer       ConvInteger, group 2, pads, w's zero point per channel
  qlinear_conv       QLinearConv, per-channel scales, int32 bias, stride 2
  quant_blocked      QuantizeLinear with a 2-D (blocked) scale: no kernel
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(7)
NP2T = {np.float32: T.FLOAT, np.uint8: T.UINT8, np.int8: T.INT8, np.int32: T.INT32}


def save(name, op, x, inits, want, opset=13, check=True, **attrs):
    names = ["x"] + [k for k, _ in inits]
    node = h.make_node(op, names, ["y"], name=name + "_node", **attrs)
    g = h.make_graph([node], name,
                     [h.make_tensor_value_info("x", NP2T[x.dtype.type], x.shape)],
                     [h.make_tensor_value_info("y", NP2T[want.dtype.type], want.shape)],
                     [nh.from_array(v, k) for k, v in inits])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)])
    if check:
        onnx.checker.check_model(m)
    onnx.save(m, f"{out}/{name}.onnx")
    np.save(f"{out}/{name}.in0.npy", x)
    np.save(f"{out}/{name}.want.npy", want)


def sat(v, dt):
    i = np.iinfo(dt)
    return np.clip(v, i.min, i.max).astype(dt)


# QuantizeLinear, int8 per axis -2 of [2,3,4]; ties at k + 0.5 steps.
x = (rng.integers(-300, 300, (2, 3, 4)) * 0.5).astype(np.float32)
x[0, 0, :] = [0.5, 1.5, 2.5, -0.5]
x[1, 2, :] = [1000, -1000, 3.5, -2.5]
s = np.array([1.0, 0.5, 2.0], np.float32)
z = np.array([0, -3, 10], np.int8)
q = np.rint(x / s[None, :, None]).astype(np.int64) + z[None, :, None]
save("quant_i8_axis_neg", "QuantizeLinear", x, [("s", s), ("z", z)], sat(q, np.int8), axis=-2)

x = rng.standard_normal((3, 5)).astype(np.float32) * 4
s1 = np.array(0.03125, np.float32)
save("quant_u8_no_zp", "QuantizeLinear", x, [("s", s1)], sat(np.rint(x / s1), np.uint8))

x = rng.integers(-100000, 100000, (4, 6)).astype(np.int32)
s2 = np.array(0.001, np.float32)
save("dequant_i32", "DequantizeLinear", x, [("s", s2)], (x.astype(np.float32) * s2).astype(np.float32))

# MatMulInteger [2,3,4] x [4,5], per-column zero point of b.
a = rng.integers(0, 256, (2, 3, 4)).astype(np.uint8)
b = rng.integers(-128, 128, (4, 5)).astype(np.int8)
za = np.array(120, np.uint8)
zb = np.array([0, 1, -2, 3, -4], np.int8)
want = np.matmul(a.astype(np.int32) - 120, b.astype(np.int32) - zb.astype(np.int32))
save("matmul_integer", "MatMulInteger", a, [("b", b), ("za", za), ("zb", zb)], want.astype(np.int32))

# QLinearMatMul int8 [2,1,3,6] x [4,6,2] -> [2,4,3,2].
a = rng.integers(-128, 128, (2, 1, 3, 6)).astype(np.int8)
b = rng.integers(-128, 128, (4, 6, 2)).astype(np.int8)
sa, sb, sy = np.float32(0.02), np.float32(0.01), np.float32(0.005)
za, zb, zy = np.int8(-5), np.int8(3), np.int8(7)
acc = np.matmul(a.astype(np.int64) - za, b.astype(np.int64) - zb)
y = sat(np.rint(acc * (np.float64(sa) * np.float64(sb) / np.float64(sy))) + zy, np.int8)
save("qlinear_matmul", "QLinearMatMul", a,
     [("sa", np.array(sa)), ("za", np.array(za)), ("b", b), ("sb", np.array(sb)), ("zb", np.array(zb)),
      ("sy", np.array(sy)), ("zy", np.array(zy))], y)


def conv_int(x, w, zx, zw, pads, stride, group):
    n, c, hh, ww = x.shape
    m, cg, kh, kw = w.shape
    xp = np.full((n, c, hh + 2 * pads, ww + 2 * pads), zx, np.int64)
    xp[:, :, pads:pads + hh, pads:pads + ww] = x
    oh, ow = (hh + 2 * pads - kh) // stride + 1, (ww + 2 * pads - kw) // stride + 1
    y = np.zeros((n, m, oh, ow), np.int64)
    mg = m // group
    for o in range(m):
        g = o // mg
        wo = w[o].astype(np.int64) - zw[o]
        for i in range(oh):
            for j in range(ow):
                win = xp[:, g * cg:(g + 1) * cg, i * stride:i * stride + kh, j * stride:j * stride + kw] - zx
                y[:, o, i, j] = (win * wo).sum(axis=(1, 2, 3))
    return y


x = rng.integers(0, 256, (1, 4, 5, 5)).astype(np.uint8)
w = rng.integers(0, 256, (6, 2, 3, 3)).astype(np.uint8)
zx, zw = np.array(128, np.uint8), np.arange(6, dtype=np.uint8) * 20
want = conv_int(x, w, 128, zw.astype(np.int64), 1, 1, 2).astype(np.int32)
save("conv_integer", "ConvInteger", x, [("w", w), ("zx", zx), ("zw", zw)], want, opset=10, group=2,
     pads=[1, 1, 1, 1])

x = rng.integers(0, 256, (1, 3, 7, 7)).astype(np.uint8)
w = rng.integers(-128, 128, (4, 3, 3, 3)).astype(np.int8)
sx, sw, sy = np.float32(0.05), np.array([0.01, 0.02, 0.005, 0.04], np.float32), np.float32(0.1)
zx, zw, zy = np.uint8(100), np.zeros(4, np.int8), np.uint8(128)
bias = rng.integers(-2000, 2000, 4).astype(np.int32)
acc = conv_int(x, w, 100, np.zeros(4, np.int64), 1, 2, 1) + bias[None, :, None, None]
mul = np.float64(sx) * sw.astype(np.float64) / np.float64(sy)
y = sat(np.rint(acc * mul[None, :, None, None]) + zy, np.uint8)
save("qlinear_conv", "QLinearConv", x,
     [("sx", np.array(sx)), ("zx", np.array(zx)), ("w", w), ("sw", sw), ("zw", zw), ("sy", np.array(sy)),
      ("zy", np.array(zy)), ("bias", bias)], y, opset=10, pads=[1, 1, 1, 1], strides=[2, 2])

x = rng.standard_normal((2, 4)).astype(np.float32)
sbk = np.full((2, 2), 0.1, np.float32)
save("quant_blocked", "QuantizeLinear", x, [("s", sbk)], np.zeros((2, 4), np.uint8), axis=1, check=False)
