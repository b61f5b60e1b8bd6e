"""Writes LSTM, GRU and RNN models into the directory given, with an input and
numpy's outputs (NAME.onnx, NAME.in.npy, NAME.want.npy and .want.npy.1.npy
(Y_h), .2.npy (Y_c, LSTM only)). W, R, B and the initial state are
initializers; X is the input.

  lstm_forward    forward, bias, nonzero initial h and c, 3 steps
  lstm_reverse    reverse, no bias, no initial state (zeros)
  lstm_bidir      bidirectional
  lstm_layout1    forward with layout=1 (batch first)
  lstm_peephole   forward with peepholes (input P)
  lstm_clip       forward, cell clip 0.5 (gate inputs clipped to [-0.5, 0.5])
  gru_forward     GRU, bias, initial h (linear_before_reset=0)
  gru_lbr         GRU, linear_before_reset=1, reverse
  gru_bidir_layout1  bidirectional GRU, batch first, no bias
  rnn_forward     RNN (Tanh), bias, initial h
  rnn_relu_bidir  bidirectional RNN with activations Relu (forward), Sigmoid (backward)
  lstm_alpha      activation_alpha given: one error naming the node
  rnn_softsign    an activation dlc does not take: one error naming it
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
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
DEFAULT_ACTS = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]}
FN = {"Sigmoid": lambda v: 1 / (1 + np.exp(-v)), "Tanh": np.tanh, "Relu": lambda v: np.maximum(v, 0)}


def reference(op, x, w, r, b, h0, c0, p, direction, acts, clip, lbr):
    """numpy reference, x: [seq, batch, I]; ONNX gate orders (LSTM i o f c, GRU z r h)."""
    dirs = w.shape[0]
    n = len(DEFAULT_ACTS[op])
    y = np.zeros((x.shape[0], dirs, x.shape[1], H), np.float64)
    hs, cs = [], []
    for d in range(dirs):
        f = [FN[a] for a in acts[d * n:(d + 1) * n]]
        clipped = [(lambda v, fn=fn: fn(np.clip(v, -clip, clip)) if clip else fn(v)) for fn in f]
        hh = h0[d].astype(np.float64)
        cc = c0[d].astype(np.float64) if c0 is not None else None
        G = GATES[op]
        wb, rb = b[d, :G * H], b[d, G * H:]
        steps = range(x.shape[0])
        if direction == "reverse" or d == 1:
            steps = reversed(steps)
        for t in steps:
            gx = x[t] @ w[d].T + wb
            if op == "LSTM":
                g = gx + hh @ r[d].T + rb
                i = clipped[0](g[:, :H] + p[d, :H] * cc)
                fg = clipped[0](g[:, 2 * H:3 * H] + p[d, 2 * H:] * cc)
                cc = fg * cc + i * clipped[1](g[:, 3 * H:])
                o = clipped[0](g[:, H:2 * H] + p[d, H:2 * H] * cc)
                hh = o * f[2](cc)
            elif op == "GRU":
                gh = hh @ r[d][:2 * H].T + rb[:2 * H]
                z = clipped[0](gx[:, :H] + gh[:, :H])
                rg = clipped[0](gx[:, H:2 * H] + gh[:, H:])
                if lbr:
                    hin = rg * (hh @ r[d][2 * H:].T + rb[2 * H:])
                else:
                    hin = (rg * hh) @ r[d][2 * H:].T + rb[2 * H:]
                hc = clipped[1](gx[:, 2 * H:] + hin)
                hh = (1 - z) * hc + z * hh
            else:
                hh = clipped[0](gx + hh @ r[d].T + rb)
            y[t, d] = hh
        hs.append(hh)
        cs.append(cc)
    outs = [y, np.stack(hs)] + ([np.stack(cs)] if op == "LSTM" else [])
    return [o.astype(np.float32) for o in outs]


def save(name, op="LSTM", direction="forward", bias=True, state=True, layout=0, peephole=False, acts=None,
         clip=0.0, lbr=0, extra=None):
    dirs = 2 if direction == "bidirectional" else 1
    G = GATES[op]
    x = rng.standard_normal((SEQ, BATCH, I)).astype(np.float32)
    w = (rng.standard_normal((dirs, G * H, I)) * 0.5).astype(np.float32)
    r = (rng.standard_normal((dirs, G * H, H)) * 0.5).astype(np.float32)
    b = (rng.standard_normal((dirs, 2 * G * H)) * 0.3).astype(np.float32) if bias else np.zeros((dirs, 2 * G * H),
                                                                                               np.float32)
    h0 = rng.standard_normal((dirs, BATCH, H)).astype(np.float32) if state else np.zeros((dirs, BATCH, H), np.float32)
    c0 = None
    if op == "LSTM":
        c0 = rng.standard_normal((dirs, BATCH, H)).astype(np.float32) if state else np.zeros((dirs, BATCH, H),
                                                                                              np.float32)
    p = rng.standard_normal((dirs, 3 * H)).astype(np.float32) if peephole else np.zeros((dirs, 3 * H), np.float32)
    act_list = acts or DEFAULT_ACTS[op] * dirs
    want = reference(op, x, w, r, b, h0, c0, p, direction, act_list, clip, lbr)
    inits = [nh.from_array(w, "W"), nh.from_array(r, "R")]
    ins = ["x", "W", "R", "B" if bias else "", "", "h0" if state else ""]
    if op == "LSTM":
        ins.append("c0" if state else "")
    if peephole:
        ins.append("P")
        inits.append(nh.from_array(p, "P"))
    if bias:
        inits.append(nh.from_array(b, "B"))
    if layout:  # batch first: X [batch, seq, I], Y [batch, seq, dirs, H], Y_h and Y_c [batch, dirs, H]
        x = x.transpose(1, 0, 2)
        want = [want[0].transpose(2, 0, 1, 3)] + [v.transpose(1, 0, 2) for v in want[1:]]
        h0 = h0.transpose(1, 0, 2)
        c0 = c0.transpose(1, 0, 2) if c0 is not None else None
    if state:
        inits.append(nh.from_array(np.ascontiguousarray(h0), "h0"))
        if c0 is not None:
            inits.append(nh.from_array(np.ascontiguousarray(c0), "c0"))
    outs = ["y", "yh", "yc"][:len(want)]
    attrs = dict(hidden_size=H, direction=direction, layout=layout)
    if acts:
        attrs["activations"] = acts
    if clip:
        attrs["clip"] = clip
    if op == "GRU":
        attrs["linear_before_reset"] = lbr
    attrs.update(extra or {})
    node = h.make_node(op, ins, outs, name=name, **attrs)
    g = h.make_graph([node], name, [h.make_tensor_value_info("x", T.FLOAT, list(x.shape))],
                     [h.make_tensor_value_info(n, T.FLOAT, None) for n in outs], inits)
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 14)]), os.path.join(out, name + ".onnx"))
    np.save(os.path.join(out, name + ".in.npy"), np.ascontiguousarray(x))
    for k, v in enumerate(want):
        np.save(os.path.join(out, name + ".want.npy" + (f".{k}.npy" if k else "")), np.ascontiguousarray(v))


save("lstm_forward")
save("lstm_reverse", direction="reverse", bias=False, state=False)
save("lstm_bidir", direction="bidirectional")
save("lstm_layout1", layout=1)
save("lstm_peephole", peephole=True)
save("lstm_clip", clip=0.5)
save("gru_forward", "GRU")
save("gru_lbr", "GRU", direction="reverse", lbr=1)
save("gru_bidir_layout1", "GRU", direction="bidirectional", bias=False, layout=1)
save("rnn_forward", "RNN")
save("rnn_relu_bidir", "RNN", direction="bidirectional", acts=["Relu", "Sigmoid"])
# what dlc does not take: one error naming the node
save("lstm_alpha", extra={"activation_alpha": [0.5, 0.5, 0.5]})
save("rnn_softsign", "RNN", acts=["Relu"])
m = onnx.load(os.path.join(out, "rnn_softsign.onnx"))
for a in m.graph.node[0].attribute:
    if a.name == "activations":
        a.strings[0] = b"Softsign"
onnx.save(m, os.path.join(out, "rnn_softsign.onnx"))
