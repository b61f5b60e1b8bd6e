"""Writes LSTM models into the directory given, with an input and numpy's
outputs (NAME.onnx, NAME.in.npy, NAME.want.npy and .want.npy.1.npy, .2.npy for
Y_h and Y_c). W, R, B and the initial state are initializers; X is the input.

  lstm_forward    forward, bias, nonzero initial h and c, 3 steps
  lstm_reverse    reverse, no bias, no initial state (zeros)
  lstm_bidir      bidirectional
  lstm_layout1    forward with layout=1 (batch first)
  lstm_peephole   forward with peepholes (input P)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(0)
SEQ, BATCH, I, H = 3, 2, 4, 5


def sig(x):
    return 1 / (1 + np.exp(-x))


def reference(x, w, r, b, h0, c0, direction, p):
    """numpy LSTM (ONNX gate order i, o, f, c), x: [seq, batch, I]."""
    dirs = w.shape[0]
    y = np.zeros((x.shape[0], dirs, x.shape[1], H), np.float64)
    hs, cs = [], []
    for d in range(dirs):
        hh, cc = h0[d].astype(np.float64), c0[d].astype(np.float64)
        steps = range(x.shape[0])
        if direction == "reverse" or d == 1:
            steps = reversed(steps)
        for t in steps:
            g = x[t] @ w[d].T + hh @ r[d].T + b[d, :4 * H] + b[d, 4 * H:]
            i = sig(g[:, :H] + p[d, :H] * cc)
            f = sig(g[:, 2 * H:3 * H] + p[d, 2 * H:] * cc)
            cc = f * cc + i * np.tanh(g[:, 3 * H:])
            o = sig(g[:, H:2 * H] + p[d, H:2 * H] * cc)
            hh = o * np.tanh(cc)
            y[t, d] = hh
        hs.append(hh)
        cs.append(cc)
    return y.astype(np.float32), np.stack(hs).astype(np.float32), np.stack(cs).astype(np.float32)


def save(name, direction, bias=True, state=True, layout=0, peephole=False):
    dirs = 2 if direction == "bidirectional" else 1
    x = rng.standard_normal((SEQ, BATCH, I)).astype(np.float32)
    w = (rng.standard_normal((dirs, 4 * H, I)) * 0.5).astype(np.float32)
    r = (rng.standard_normal((dirs, 4 * H, H)) * 0.5).astype(np.float32)
    b = (rng.standard_normal((dirs, 8 * H)) * 0.3).astype(np.float32) if bias else np.zeros((dirs, 8 * H), np.float32)
    h0 = rng.standard_normal((dirs, BATCH, H)).astype(np.float32) if state else np.zeros((dirs, BATCH, H), np.float32)
    c0 = rng.standard_normal((dirs, BATCH, H)).astype(np.float32) if state else np.zeros((dirs, BATCH, H), np.float32)
    p = rng.standard_normal((dirs, 3 * H)).astype(np.float32) if peephole else np.zeros((dirs, 3 * H), np.float32)
    y, yh, yc = reference(x, w, r, b, h0, c0, direction, p)
    inits = [nh.from_array(w, "W"), nh.from_array(r, "R")]
    ins = ["x", "W", "R", "B" if bias else "", "", "h0" if state else "", "c0" if state else ""]
    if peephole:
        ins.append("P")
        inits.append(nh.from_array(p, "P"))
    if bias:
        inits.append(nh.from_array(b, "B"))
    if layout:  # batch first: X [batch, seq, I], Y [batch, seq, dirs, H], Y_h and Y_c [batch, dirs, H]
        x, y, yh, yc = x.transpose(1, 0, 2), y.transpose(2, 0, 1, 3), yh.transpose(1, 0, 2), yc.transpose(1, 0, 2)
        h0, c0 = h0.transpose(1, 0, 2), c0.transpose(1, 0, 2)
    if state:
        inits += [nh.from_array(np.ascontiguousarray(h0), "h0"), nh.from_array(np.ascontiguousarray(c0), "c0")]
    node = h.make_node("LSTM", ins, ["y", "yh", "yc"], name=name, hidden_size=H, direction=direction, layout=layout)
    g = h.make_graph([node], name, [h.make_tensor_value_info("x", T.FLOAT, list(x.shape))],
                     [h.make_tensor_value_info(n, T.FLOAT, None) for n in ("y", "yh", "yc")], inits)
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 14)]), os.path.join(out, name + ".onnx"))
    np.save(os.path.join(out, name + ".in.npy"), np.ascontiguousarray(x))
    for k, v in enumerate((y, yh, yc)):
        np.save(os.path.join(out, name + ".want.npy" + (f".{k}.npy" if k else "")), np.ascontiguousarray(v))


save("lstm_forward", "forward")
save("lstm_reverse", "reverse", bias=False, state=False)
save("lstm_bidir", "bidirectional")
save("lstm_layout1", "forward", layout=1)
save("lstm_peephole", "forward", peephole=True)

# an attribute dlc does not support: one error naming the node
w = np.zeros((1, 4 * H, I), np.float32)
r = np.zeros((1, 4 * H, H), np.float32)
g = h.make_graph([h.make_node("LSTM", ["x", "W", "R"], ["y"], name="lstm_clip", hidden_size=H, clip=3.0)], "lstm_clip",
                 [h.make_tensor_value_info("x", T.FLOAT, [SEQ, BATCH, I])], [h.make_tensor_value_info("y", T.FLOAT, None)],
                 [nh.from_array(w, "W"), nh.from_array(r, "R")])
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 14)]), os.path.join(out, "lstm_clip.onnx"))
