#!/usr/bin/env python3
"""A QDQ ONNX form of a float model carrying dlc's own quantization, for onnxruntime.

usage: qdq_from_dlc.py MODEL.onnx QUANT.mlir OUT.onnx [--float-out F.onnx] [--int8]
QUANT.mlir is `dlc MODEL.onnx --quantize --calib=... --emit=qg` (batch 1).
From it: every integer qg op's result type (scale, zero point), every
quant.qcast (a float value entering the integer graph) and every quant.scast
(per-channel weight scales and axis). The ONNX graph gets a QuantizeLinear /
DequantizeLinear pair on each of those tensors, in uint8 with the zero point
plus 128 (the same grid as dlc's int8; onnxruntime 1.30's x86 QDQ fusion left
6 of resnet's 9 int8 (s8s8) convolutions in float, and fuses all of them as
u8s8; --int8 keeps int8); where dlc fused a Relu or
Clip into its producer, the pair goes after the activation, and a Relu whose
zero point is -128 (the Q's clamp does its work) is removed. Weights become int8
initializers with dlc's scales behind a DequantizeLinear (round to nearest,
clamp to [-127, 127]); Conv/Gemm biases int32 with scale s_x * s_w. Float
islands (layer norm, softmax, GELU, ...) stay float, as in dlc. Both models get
batch 1 (dlc compiles batch 1). --float-out writes the float model with batch 1.
The weights are requantized from the float ones with dlc's scales, not copied
from dlc's packed blobs, so a weight can differ by one step where dlc's
rounding differs; the graph, the scales and the integer ops are dlc's.
"""
import argparse
import re
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

Q_TYPE = r"!quant\.uniform<i8:f32, ([-0-9.eE+]+):(-?\d+)>"


def parse_mlir(text):
    locs = {}
    for m in re.finditer(r'^(#loc\d+) = loc\("([^"]*)"', text, re.M):
        locs[m.group(1)] = m.group(2)

    def loc_name(line):
        m = re.search(r'loc\((#loc\d+)\)\s*$', line)
        if m:
            return locs.get(m.group(1))
        m = re.search(r'loc\("([^"]*)"', line)
        return m.group(1) if m else None

    producer = {}  # SSA value -> ONNX node name
    acts = {}      # ONNX node name -> (scale, zp) of its integer result
    qcasts = []    # (SSA source, scale, zp)
    scasts = {}    # consumer node name -> (axis, [scales])
    for line in text.splitlines():
        m = re.match(r'\s*(%[\w]+) = "qg\.(\w+)"', line)
        if m:
            name = loc_name(line)
            producer[m.group(1)] = name
            r = re.search(r"-> tensor<[^>]*" + Q_TYPE + r">\s+loc", line)
            if r and name:
                acts[name] = (float(r.group(1)), int(r.group(2)))
            continue
        m = re.match(r"\s*%[\w]+ = quant\.qcast (%[\w]+) : .* to tensor<[^>]*" + Q_TYPE, line)
        if m:
            qcasts.append((m.group(1), float(m.group(2)), int(m.group(3))))
            continue
        m = re.match(r"\s*%[\w]+ = quant\.scast %[\w]+ : .* to tensor<[^!]*!quant\.uniform<i8<-127:127>:f32:(\d+), \{([^}]*)\}", line)
        if m:
            name = loc_name(line)
            scasts[name] = (int(m.group(1)), [float(s) for s in m.group(2).split(",")])
    return producer, acts, qcasts, scasts


def set_batch1(g):
    for v in list(g.input) + list(g.output):
        d = v.type.tensor_type.shape.dim
        if len(d):
            d[0].Clear()
            d[0].dim_value = 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("mlir")
    ap.add_argument("out")
    ap.add_argument("--float-out")
    ap.add_argument("--int8", action="store_true", help="activation pairs in int8, as dlc stores them")
    a = ap.parse_args()
    m = onnx.load(a.model)
    g = m.graph
    set_batch1(g)
    if a.float_out:
        onnx.save(m, a.float_out)
    producer, acts, qcasts, scasts = parse_mlir(open(a.mlir).read())
    nodes = {n.name: n for n in g.node}
    consumers = {}
    for n in g.node:
        for x in n.input:
            consumers.setdefault(x, []).append(n)
    qg_names = set(producer.values())

    def out_of(name):
        """The tensor dlc's result for ONNX node `name` stands for (after fused activations)."""
        t = nodes[name].output[0]
        while True:
            c = consumers.get(t, [])
            if len(c) == 1 and c[0].op_type in ("Relu", "Clip") and c[0].name not in qg_names:
                t = c[0].output[0]
            else:
                return t

    qparams = {}
    for name, sz in acts.items():
        if name in nodes:
            qparams[out_of(name)] = sz
    inputs = {v.name for v in g.input}
    for src, s, z in qcasts:
        if src.startswith("%arg"):
            t = g.input[int(src[4:])].name
        elif producer.get(src) in nodes:
            t = out_of(producer[src])
        else:
            sys.exit(f"qdq_from_dlc.py: qcast of {src}, whose producer has no ONNX node")
        qparams[t] = (s, z)

    # A fused Relu whose quantized output starts at 0 (zero point -128) is what the
    # Q's clamp already does: drop it, as onnxruntime's quantizer does, or its QDQ
    # fusion (which runs before its own Relu removal) leaves the Conv in float.
    for n in list(g.node):
        if n.op_type == "Relu" and n.name not in qg_names and qparams.get(n.output[0], (0, 0))[1] == -128:
            src = n.input[0]
            if len(consumers.get(src, [])) == 1:
                for p in g.node:
                    for i, o in enumerate(p.output):
                        if o == src:
                            p.output[i] = n.output[0]
                g.node.remove(n)
    consumers = {}
    for n in g.node:
        for x in n.input:
            consumers.setdefault(x, []).append(n)

    inits = {t.name: t for t in g.initializer}
    new_nodes, new_inits = [], []

    def add_init(name, arr):
        new_inits.append(numpy_helper.from_array(arr, name))

    # weights and biases of the integer layers
    for name, (axis, scales) in scasts.items():
        n = nodes.get(name)
        if n is None or len(n.input) < 2 or n.input[1] not in inits:
            sys.exit(f"qdq_from_dlc.py: weights of {name} not found as an initializer")
        w = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)
        s = np.asarray(scales, np.float32)
        if w.shape[axis] != len(s):
            sys.exit(f"qdq_from_dlc.py: {name}: {len(s)} scales for axis {axis} of {w.shape}")
        shp = [1] * w.ndim
        shp[axis] = len(s)
        q = np.clip(np.round(w / s.reshape(shp)), -127, 127).astype(np.int8)
        base = n.input[1]
        add_init(base + "_q", q)
        add_init(base + "_s", s)
        add_init(base + "_z", np.zeros(len(s), np.int8))
        new_nodes.append(helper.make_node("DequantizeLinear", [base + "_q", base + "_s", base + "_z"], [base + "_dq"],
                                          name=base + "_DQ", axis=axis))
        n.input[1] = base + "_dq"
        if len(n.input) > 2 and n.input[2] in inits and n.input[0] in qparams:
            b = numpy_helper.to_array(inits[n.input[2]]).astype(np.float64)
            bs = (np.float64(qparams[n.input[0]][0]) * s.astype(np.float64)).astype(np.float32)
            bq = np.round(b / bs).astype(np.int32)
            bb = n.input[2]
            add_init(bb + "_q", bq)
            add_init(bb + "_s", bs)
            add_init(bb + "_z", np.zeros(len(s), np.int32))
            new_nodes.append(helper.make_node("DequantizeLinear", [bb + "_q", bb + "_s", bb + "_z"], [bb + "_dq"],
                                              name=bb + "_DQ", axis=0))
            n.input[2] = bb + "_dq"

    # activations: the producer writes t_f; one Q, and one DQ per consumer (as
    # onnxruntime's quantizer emits them: its QDQ fusion wants unshared DQs)
    outputs = {v.name for v in g.output}
    for t, (s, z) in qparams.items():
        tf = t + "_f"
        for n in g.node:
            for i, o in enumerate(n.output):
                if o == t:
                    n.output[i] = tf
        if t in inputs:
            tf = t
        add_init(t + "_qs", np.asarray(s, np.float32))
        add_init(t + "_qz", np.asarray(z, np.int8) if a.int8 else np.asarray(z + 128, np.uint8))
        new_nodes.append(helper.make_node("QuantizeLinear", [tf, t + "_qs", t + "_qz"], [t + "_q"], name=t + "_Q"))
        readers = [(c, i) for c in consumers.get(t, []) for i, x in enumerate(c.input) if x == t]
        for k, (c, i) in enumerate(readers):
            c.input[i] = f"{t}_dq{k}"
            new_nodes.append(helper.make_node("DequantizeLinear", [t + "_q", t + "_qs", t + "_qz"], [c.input[i]],
                                              name=f"{t}_DQ{k}"))
        if t in outputs:
            new_nodes.append(helper.make_node("DequantizeLinear", [t + "_q", t + "_qs", t + "_qz"], [t], name=t + "_DQ"))

    g.initializer.extend(new_inits)
    g.node.extend(new_nodes)
    # topological order
    ready = {v.name for v in g.input} | {t.name for t in g.initializer} | {""}
    order, pending = [], list(g.node)
    while pending:
        rest = [n for n in pending if not all(x in ready for x in n.input)]
        done = [n for n in pending if all(x in ready for x in n.input)]
        if not done:
            sys.exit("qdq_from_dlc.py: graph has a cycle or a missing input")
        for n in done:
            order.append(n)
            ready.update(n.output)
        pending = rest
    del g.node[:]
    g.node.extend(order)
    if m.opset_import[0].version < 13:
        m.opset_import[0].version = 13  # per-axis DequantizeLinear
    onnx.checker.check_model(m)
    onnx.save(m, a.out)
    print(f"{a.out}: {len(qparams)} activation Q/DQ pairs, {len(scasts)} quantized weights", file=sys.stderr)


if __name__ == "__main__":
    main()
