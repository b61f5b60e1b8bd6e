"""Writes Unique and NonZero models into the directory given. Their output
size depends on the data, so dlc folds them when X is a constant: here X is
an initializer and a graph input x passes through as the last output so the
models can be run. NAME.want.npy (and .1.npy ...) hold numpy's outputs (Unique:
Y, indices, inverse_indices, counts) and x.

  uniq_flat_sorted    no axis, sorted (float)
  uniq_flat_unsorted  no axis, in order of first occurrence (int64)
  uniq_axis1          axis 1 of [2, 5, 2], sorted (int32)
  uniq_axis_neg       axis -3 of [4, 2, 2], not sorted
  uniq_runtime        X a graph input: an error naming the node
  nz_bool / nz_float  NonZero of a [2, 3] bool and a [2, 2, 3] float
  nz_runtime          NonZero of a graph input: an error naming the node
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(9)


def reference(x, axis, sorted_):
    y, idx, inv, cnt = np.unique(x, return_index=True, return_inverse=True, return_counts=True, axis=axis)
    inv = inv.reshape(-1)
    if not sorted_:  # order of first occurrence
        order = np.argsort(idx, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        y, idx, cnt, inv = np.take(y, order, axis=0 if axis is None else axis), idx[order], cnt[order], rank[inv]
    return [y, idx.astype(np.int64), inv.astype(np.int64), cnt.astype(np.int64)]


def save(name, x, axis=None, sorted_=1, runtime=False):
    kw = {"sorted": sorted_}
    if axis is not None:
        kw["axis"] = axis
    nodes = [h.make_node("Unique", ["X"], ["Y", "I", "V", "C"], name=name, **kw), h.make_node("Identity", ["x"], ["y"])]
    ins = [h.make_tensor_value_info("x", T.FLOAT, [1, 2])]
    inits = [] if runtime else [nh.from_array(x, "X")]
    if runtime:
        ins.append(h.make_tensor_value_info("X", T.FLOAT, list(x.shape)))
    outs = [h.make_tensor_value_info(n, T.INT64 if n != "Y" else nh.from_array(x).data_type, None) for n in "YIVC"]
    g = h.make_graph(nodes, name, ins, outs + [h.make_tensor_value_info("y", T.FLOAT, [1, 2])], inits)
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 11)]), os.path.join(out, name + ".onnx"))
    xin = np.array([[0.25, 4.0]], np.float32)
    np.save(os.path.join(out, name + ".in.npy"), xin)
    if runtime:
        return
    want = reference(x, None if axis is None else axis % x.ndim, sorted_) + [xin]
    for i, w in enumerate(want):
        np.save(os.path.join(out, name + ".want.npy" + (".%d.npy" % i if i else "")), w)


save("uniq_flat_sorted", np.array([[2.5, -1, 2.5], [0, -1, 7]], np.float32))
save("uniq_flat_unsorted", np.array([5, 3, 5, -2, 3, 9, 5], np.int64), sorted_=0)
x = rng.integers(0, 2, (2, 5, 2)).astype(np.int32)
x[:, 3] = x[:, 1]
save("uniq_axis1", x, axis=1)
x = rng.integers(0, 2, (4, 2, 2)).astype(np.float32)
x[2] = x[0]
save("uniq_axis_neg", x, axis=-3, sorted_=0)
save("uniq_runtime", np.zeros((3,), np.float32), runtime=True)


def save_nz(name, x, runtime=False):
    nodes = [h.make_node("NonZero", ["X"], ["Y"], name=name), h.make_node("Identity", ["x"], ["y"])]
    ins = [h.make_tensor_value_info("x", T.FLOAT, [1, 2])]
    if runtime:
        ins.append(h.make_tensor_value_info("X", nh.from_array(x).data_type, list(x.shape)))
    g = h.make_graph(nodes, name, ins, [h.make_tensor_value_info("Y", T.INT64, None),
                                        h.make_tensor_value_info("y", T.FLOAT, [1, 2])],
                     [] if runtime else [nh.from_array(x, "X")])
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), os.path.join(out, name + ".onnx"))
    xin = np.array([[0.25, 4.0]], np.float32)
    np.save(os.path.join(out, name + ".in.npy"), xin)
    np.save(os.path.join(out, name + ".want.npy"), np.array(np.nonzero(x), np.int64))
    np.save(os.path.join(out, name + ".want.npy.1.npy"), xin)


save_nz("nz_bool", np.array([[True, False, True], [False, False, True]]))
save_nz("nz_float", rng.integers(-1, 2, (2, 2, 3)).astype(np.float32))
save_nz("nz_runtime", np.zeros((3,), np.float32), runtime=True)
