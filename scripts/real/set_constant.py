#!/usr/bin/env python3
"""Changes the value of Constant nodes in a copy of an ONNX model.

usage: set_constant.py MODEL OUT OUTPUT=VALUE [...]
OUTPUT names a Constant node's output; VALUE (a number) replaces every element
of its value, keeping its element type and shape. Used to steer a third-party
model into a branch its usual inputs do not take (hey_jarvis's verifier runs
when the score reaches a threshold held in a Constant).
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    model = onnx.load(sys.argv[1])
    consts = {n.output[0]: n for n in model.graph.node if n.op_type == "Constant"}
    for spec in sys.argv[3:]:
        name, _, value = spec.partition("=")
        if name not in consts or not value:
            sys.exit(f"set_constant.py: '{spec}': expected OUTPUT=VALUE with OUTPUT a Constant's output")
        attr = next(a for a in consts[name].attribute if a.name == "value")
        old = numpy_helper.to_array(attr.t)
        attr.t.CopyFrom(numpy_helper.from_array(np.full(old.shape, float(value)).astype(old.dtype), attr.t.name))
    onnx.save(model, sys.argv[2])


if __name__ == "__main__":
    main()
