"""Writes Einsum models into the directory given, each with its input and
numpy.einsum's output (NAME.onnx, NAME.in.npy, NAME.want.npy): the first operand
is the graph input, the others are initializers. Cases are listed in CASES; BAD
are models dlc rejects."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(0)

CASES = {
    "attn_scores": ("bhqd,bhkd->bhqk", [(2, 3, 4, 8), (2, 3, 5, 8)]),
    "attn_values": ("bhqk, bhkd -> bhqd", [(2, 3, 4, 5), (2, 3, 5, 8)]),
    "chain3": ("ij,jk,kl->il", [(3, 4), (4, 5), (5, 2)]),
    "implicit": ("ij,jk", [(3, 4), (4, 5)]),
    "ellipsis_mm": ("...ij,...jk->...ik", [(2, 3, 4, 5), (2, 3, 5, 6)]),
    "diag": ("ii->i", [(4, 4)]),
    "trace": ("ii", [(4, 4)]),
    "outer": ("i,j->ij", [(3,), (4,)]),
    "sum_all": ("ij->", [(3, 4)]),
    "bilinear": ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    "permute": ("abcd->dbca", [(2, 3, 4, 5)]),
    "f64_mm": ("ij,jk->ik", [(3, 4), (4, 2)]),
}
BAD = {
    "bad_size": ("ij,jk->ik", [(3, 4), (5, 2)]),
    "bad_char": ("i1,1k->ik", [(3, 4), (4, 2)]),
    "bad_rank": ("ijk->i", [(3, 4)]),
    "bad_out": ("ij->iz", [(3, 4)]),
}


def save(name, eq, shapes, write_data):
    dt = np.float64 if name.startswith("f64") else np.float32
    tt = T.DOUBLE if dt == np.float64 else T.FLOAT
    names = [f"x{i}" for i in range(len(shapes))]
    xs = [rng.standard_normal(s).astype(dt) for s in shapes]
    node = h.make_node("Einsum", names, ["y"], name=name, equation=eq)
    g = h.make_graph([node], name, [h.make_tensor_value_info("x0", tt, list(shapes[0]))],
                     [h.make_tensor_value_info("y", tt, None)],
                     [nh.from_array(x, n) for n, x in zip(names[1:], xs[1:])])
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 12)]), os.path.join(out, name + ".onnx"))
    if write_data:
        np.save(os.path.join(out, f"{name}.in.npy"), xs[0])
        np.save(os.path.join(out, f"{name}.want.npy"), np.einsum(eq.replace(" ", ""), *xs))


for k, (eq, shapes) in CASES.items():
    save(k, eq, shapes, True)
for k, (eq, shapes) in BAD.items():
    save(k, eq, shapes, False)
