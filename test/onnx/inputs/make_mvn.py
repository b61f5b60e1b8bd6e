"""Writes MeanVarianceNormalization models into the directory given, with an
input and numpy's output: mvn_default (axes 0, 2, 3), mvn_axis1 (axes [1],
rank 3), and mvn_bad_axis (axis 5 on rank 4: an error)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h

out = sys.argv[1]
rng = np.random.default_rng(0)


def save(name, shape, axes, data=True):
    kw = {} if axes is None else {"axes": axes}
    node = h.make_node("MeanVarianceNormalization", ["x"], ["y"], name=name, **kw)
    g = h.make_graph([node], name, [h.make_tensor_value_info("x", T.FLOAT, list(shape))],
                     [h.make_tensor_value_info("y", T.FLOAT, None)])
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), os.path.join(out, name + ".onnx"))
    if not data:
        return
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    ax = tuple(axes) if axes is not None else (0, 2, 3)
    m = x.mean(axis=ax, keepdims=True)
    sd = np.sqrt((x * x).mean(axis=ax, keepdims=True) - m * m)
    np.save(os.path.join(out, name + ".in.npy"), x)
    np.save(os.path.join(out, name + ".want.npy"), ((x - m) / (sd + 1e-9)).astype(np.float32))


save("mvn_default", (2, 3, 4, 5), None)
save("mvn_axis1", (3, 6, 4), [1])
save("mvn_bad_axis", (2, 3, 4, 5), [5], data=False)
