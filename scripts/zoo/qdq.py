#!/usr/bin/env python3
"""A quantization-aware (QDQ) export of a zoo model, as QAT flows produce it.

usage: qdq.py MODEL [--zoo DIR]      (MODEL: cnn or resnet)
Rebuilds zoo/MODEL.onnx as a PyTorch module, inserts fake quantization (int8
symmetric per-channel weights, uint8 asymmetric per-tensor activations with
min/max ranges observed on the 1,000 calibration images), exports it with
torch.onnx.export at opset 13 (QuantizeLinear/DequantizeLinear pairs), and
saves the fake-quantized model's logits on the 10,000 test images: the
float-simulated QDQ outputs dlc's integer build is checked against.
Writes zoo/MODEL_qdq.onnx and zoo/MODEL_qdq.logits.npy; deterministic.
"""
import argparse
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fmnist  # noqa: E402

# Ops whose output is already on its input's quantization grid.
GRID_PRESERVING = {"MaxPool", "Flatten", "Reshape"}


def attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


class Graph(torch.nn.Module):
    """Executes the zoo's ONNX graphs (conv nets) in PyTorch, with optional fake quantization."""

    def __init__(self, model):
        super().__init__()
        g = model.graph
        self.nodes = list(g.node)
        self.inp, self.out = g.input[0].name, g.output[0].name
        self.params = torch.nn.ParameterDict()
        self.names = {}
        for i, t in enumerate(g.initializer):
            key = f"p{i}"
            self.names[t.name] = key
            self.params[key] = torch.nn.Parameter(torch.from_numpy(numpy_helper.to_array(t).copy()), requires_grad=False)
        consumers = {}
        for n in self.nodes:
            for x in n.input:
                consumers.setdefault(x, []).append(n.op_type)
        # tensors that get an activation fake-quantizer: the input, and every node
        # output except grid-preserving ops and outputs that feed only a Relu
        self.fq = {self.inp}
        for n in self.nodes:
            y = n.output[0]
            if n.op_type in GRID_PRESERVING or consumers.get(y) == ["Relu"]:
                continue
            self.fq.add(y)
        self.ranges = {}
        self.wscale = {}
        self.observe = False
        self.quantize = False

    def w(self, name):
        return self.params[self.names[name]]

    def fake_w(self, w):
        if not self.quantize:
            return w
        # scales are constants of the exported graph (computed here, outside the trace)
        if id(w) not in self.wscale:
            m = np.abs(w.detach().numpy().reshape(w.shape[0], -1)).max(axis=1)
            self.wscale[id(w)] = torch.from_numpy(np.maximum(m, 1e-8).astype(np.float32) / np.float32(127))
        scale = self.wscale[id(w)]
        zp = torch.zeros(w.shape[0], dtype=torch.int32)
        return torch.fake_quantize_per_channel_affine(w, scale, zp, 0, -128, 127)

    def fake_a(self, name, x):
        if self.observe:
            lo, hi = self.ranges.get(name, (0.0, 0.0))
            self.ranges[name] = (min(lo, float(x.min())), max(hi, float(x.max())))
        if self.quantize and name in self.fq:
            lo, hi = self.ranges[name]
            scale = max(hi - lo, 1e-8) / 255.0
            zp = int(min(255, max(0, round(-lo / scale))))
            return torch.fake_quantize_per_tensor_affine(x, scale, zp, 0, 255)
        return x

    def forward(self, x):
        env = {self.inp: self.fake_a(self.inp, x)}
        for n in self.nodes:
            a = [env[i] if i in env else self.w(i) for i in n.input if i]
            op = n.op_type
            if op == "Conv":
                pads = attr(n, "pads", [0, 0, 0, 0])
                y = F.conv2d(a[0], self.fake_w(a[1]), a[2] if len(a) > 2 else None, stride=attr(n, "strides", [1, 1]),
                             padding=(pads[0], pads[1]), dilation=attr(n, "dilations", [1, 1]), groups=attr(n, "group", 1))
                assert pads[0] == pads[2] and pads[1] == pads[3]
            elif op == "Relu":
                y = F.relu(a[0])
            elif op == "MaxPool":
                pads = attr(n, "pads", [0, 0, 0, 0])
                y = F.max_pool2d(a[0], attr(n, "kernel_shape", None), attr(n, "strides", None), (pads[0], pads[1]))
            elif op == "Flatten":
                y = torch.flatten(a[0], attr(n, "axis", 1))
            elif op == "Gemm":
                assert attr(n, "transB", 0) == 1
                y = F.linear(a[0], self.fake_w(a[1]), a[2] if len(a) > 2 else None)
            elif op == "Add":
                y = a[0] + a[1]
            elif op == "GlobalAveragePool":
                y = a[0].mean(dim=(2, 3), keepdim=True)
            else:
                raise SystemExit(f"qdq.py: no PyTorch form for {op}")
            env[n.output[0]] = self.fake_a(n.output[0], y)
        return env[self.out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["cnn", "resnet"])
    ap.add_argument("--zoo", default=os.path.join(os.path.dirname(__file__), "..", "..", "zoo"))
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    g = Graph(onnx.load(os.path.join(args.zoo, args.model + ".onnx"))).eval()
    cx, _ = fmnist.calibration()
    tx, ty = fmnist.load("test")
    with torch.no_grad():
        g.observe = True
        for i in range(0, len(cx), 100):
            g(torch.from_numpy(cx[i:i + 100]))
        g.observe, g.quantize = False, True
        logits = np.concatenate([g(torch.from_numpy(tx[i:i + 500])).numpy() for i in range(0, len(tx), 500)])
    acc = float((logits.argmax(1) == ty).mean() * 100)
    out = os.path.join(args.zoo, args.model + "_qdq")
    torch.onnx.export(g, torch.from_numpy(tx[:1]), out + ".onnx", opset_version=13, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    np.save(out + ".logits.npy", logits.astype(np.float32))
    m = onnx.load(out + ".onnx")
    ops = sorted({n.op_type for n in m.graph.node})
    print(f"{args.model}_qdq: fake-quantized accuracy {acc:.2f}%, ops {ops}")


if __name__ == "__main__":
    main()
