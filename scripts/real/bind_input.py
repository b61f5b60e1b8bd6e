#!/usr/bin/env python3
"""Makes graph inputs of an ONNX model compile-time constants.

usage: bind_input.py MODEL OUT NAME=VALUE|NAME=FILE.npy [...]
Adds an initializer NAME holding VALUE (a number, with the input's element type
and declared static shape, a scalar if it has none) or FILE.npy's array (of the
input's element type) to a copy of MODEL. dlc
treats an input with an initializer as a constant, so an If on it (Silero VAD's
sample rate, sr=16000) folds at import. onnxruntime still lets the caller
override such an input; the reference runs keep feeding the same value.
"""
import sys

import numpy as np
import onnx
from onnx import mapping, numpy_helper


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    model = onnx.load(sys.argv[1])
    inputs = {i.name: i for i in model.graph.input}
    for spec in sys.argv[3:]:
        name, _, value = spec.partition("=")
        if name not in inputs or not value:
            sys.exit(f"bind_input.py: '{spec}': expected NAME=VALUE with NAME one of {sorted(inputs)}")
        tt = inputs[name].type.tensor_type
        dtype = mapping.TENSOR_TYPE_TO_NP_TYPE[tt.elem_type]
        if value.endswith(".npy"):
            array = np.load(value).astype(dtype)
        else:
            shape = [d.dim_value for d in tt.shape.dim]
            if any(d <= 0 for d in shape):
                sys.exit(f"bind_input.py: input '{name}' has a dynamic shape: give its value as a .npy file")
            array = np.full(shape, float(value)).astype(dtype)
        model.graph.initializer.append(numpy_helper.from_array(array, name))
    onnx.save(model, sys.argv[2])


if __name__ == "__main__":
    main()
