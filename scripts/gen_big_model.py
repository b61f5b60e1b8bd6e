#!/usr/bin/env python3
"""Writes a large MLP as ONNX (float32 weights in raw_data), for import benchmarks.

usage: gen_big_model.py OUT.onnx [--mb 100]
Deterministic: the same size gives the same bytes.
"""
import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=100)
    a = ap.parse_args()
    width, layers = 1024, max(1, int(a.mb * 1e6 / (1024 * 1024 * 4)))
    rng = np.random.RandomState(0)
    nodes, inits, x = [], [], "input"
    for i in range(layers):
        w = (rng.standard_normal((width, width)).astype(np.float32) * 0.03)
        b = np.zeros(width, np.float32)
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        nodes.append(helper.make_node("Gemm", [x, f"w{i}", f"b{i}"], [f"h{i}"], name=f"fc{i}"))
        nodes.append(helper.make_node("Relu", [f"h{i}"], [f"r{i}"], name=f"relu{i}"))
        x = f"r{i}"
    g = helper.make_graph(nodes, "big_mlp", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", width])],
                          [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["N", width])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="dlc-bench")
    onnx.save(m, a.out)


if __name__ == "__main__":
    main()
