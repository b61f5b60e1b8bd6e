"""Writes ONNX models of the indexing and selection ops into the directory
given, each with its inputs and numpy's outputs: NAME.onnx, NAME.in<k>.npy,
NAME.want.npy (output k >= 1: NAME.want.npy.<k>.npy) and NAME.args (the
dlc-run --input options; dlc-run splits inputs along their first axis, so
inputs with another first dimension are initializers). The err_* models are
errors (no data).

  scatter_el_<red>   ScatterElements axis 1 (none, add, mul, max, min),
                     negative and duplicate indices (opset 18)
  scatter_el_i32     ScatterElements on int32 data, axis -1, int32 indices
  scatter_v9         Scatter (opset 9), axis 0
  scatter_nd_<red>   ScatterND, k=1 slices of rank 2 (none, add, mul, max, min)
  scatter_nd_full    ScatterND, k=rank (single elements), negative indices
  gather_nd_b0       GatherND, k=2 of rank 3 (slices), negative index
  gather_nd_b1       GatherND, batch_dims 1, k=1, int32 data
  top_k_largest      TopK axis 1 of [2, 6, 3], ties kept in index order
  top_k_smallest     TopK smallest, axis -1, int64 data
  top_k_v1           TopK opset 1 (k an attribute)
  revseq_b0 / _b1    ReverseSequence with batch_axis 0 / 1
  gs_<mode>_<pad>_<a> GridSample for every mode, padding and align_corners
  tfidf_<mode>       TfIdfVectorizer TF / IDF / TFIDF with weights, skips,
                     1- and 2-grams on batched int32 input
  tfidf_1d           TfIdfVectorizer on one int64 row, 2- and 3-grams
  det_2d / det_batch Det of a 3x3 and of [2, 2, 4, 4]
  err_reduction      ScatterElements reduction 'sum' (not an ONNX value)
  err_gs_rank5       GridSample of a 5-D input (dlc has the 4-D form)
  err_tfidf_strings  TfIdfVectorizer with pool_strings
  err_topk_k         TopK whose K is computed in the graph
  oob_scatter        ScatterElements with an index out of range in the data
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(11)
NP2T = {np.dtype(np.float32): T.FLOAT, np.dtype(np.int32): T.INT32, np.dtype(np.int64): T.INT64}


def save(name, op, ins, wants, opset=18, inits=(), **attrs):
    """ins: [(name, array)] graph inputs; inits: [(name, array)] initializers."""
    names = [k for k, _ in ins] + [k for k, _ in inits]
    outs = ["y%d" % i for i in range(len(wants))]
    node = h.make_node(op, names, outs, name=name, **attrs)
    g = h.make_graph([node], name,
                     [h.make_tensor_value_info(k, NP2T[v.dtype], v.shape) for k, v in ins],
                     [h.make_tensor_value_info(o, NP2T[w.dtype], w.shape) for o, w in zip(outs, wants)],
                     [nh.from_array(v, k) for k, v in inits])
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", opset)]), os.path.join(out, name + ".onnx"))
    args = []
    for i, (_, v) in enumerate(ins):
        p = os.path.join(out, "%s.in%d.npy" % (name, i))
        np.save(p, v)
        args.append("--input " + p)
    for i, w in enumerate(wants):
        np.save(os.path.join(out, name + ".want.npy" + (".%d.npy" % i if i else "")), w)
    with open(os.path.join(out, name + ".args"), "w") as f:
        f.write(" ".join(args) + "\n")


def save_err(name, op, ins, opset=18, inits=(), **attrs):
    names = [k for k, _ in ins] + [k for k, _ in inits]
    node = h.make_node(op, names, ["y"], name=name, **attrs)
    g = h.make_graph([node], name,
                     [h.make_tensor_value_info(k, NP2T[v.dtype], v.shape) for k, v in ins],
                     [h.make_tensor_value_info("y", T.FLOAT, None)],
                     [nh.from_array(v, k) for k, v in inits])
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", opset)]), os.path.join(out, name + ".onnx"))


RED = {"none": lambda a, b: b, "add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}

# ScatterElements, axis 1 of [3, 5]; duplicates only where a reduction is given.
data = rng.standard_normal((3, 5)).astype(np.float32)
upd = rng.standard_normal((3, 4)).astype(np.float32)
for red, f in RED.items():
    idx = np.array([[0, 2, -1, 1], [4, 3, 0, -5], [1, 1, 3, 1] if red != "none" else [1, 2, 3, 0]], np.int64)
    want = data.copy()
    for i in range(3):
        for j in range(4):
            k = idx[i, j] % 5
            want[i, k] = f(want[i, k], upd[i, j])
    save("scatter_el_" + red, "ScatterElements", [("data", data), ("idx", idx), ("upd", upd)], [want],
         axis=1, **({} if red == "none" else {"reduction": red}))

di = rng.integers(-50, 50, (2, 3, 4)).astype(np.int32)
ii = rng.integers(-4, 4, (2, 3, 2)).astype(np.int32)
ui = rng.integers(-50, 50, (2, 3, 2)).astype(np.int32)
want = di.copy()
for a in range(2):
    for b in range(3):
        for c in range(2):
            want[a, b, ii[a, b, c] % 4] += ui[a, b, c]
save("scatter_el_i32", "ScatterElements", [("data", di), ("idx", ii), ("upd", ui)], [want], axis=-1,
     reduction="add")

idx = np.array([[1, 0, 2], [0, 2, 1]], np.int64)
upd = rng.standard_normal((2, 3)).astype(np.float32)
data = np.zeros((3, 3), np.float32)
want = data.copy()
for i in range(2):
    for j in range(3):
        want[idx[i, j], j] = upd[i, j]
save("scatter_v9", "Scatter", [("data", data)], [want], opset=9, inits=[("idx", idx), ("upd", upd)], axis=0)

# ScatterND
data = rng.standard_normal((4, 3, 2)).astype(np.float32)
for red, f in RED.items():
    idx = np.array([[2], [0], [2] if red != "none" else [3]], np.int64)
    upd = rng.standard_normal((3, 3, 2)).astype(np.float32)
    want = data.copy()
    for i in range(3):
        want[idx[i, 0]] = f(want[idx[i, 0]], upd[i])
    save("scatter_nd_" + red, "ScatterND", [("data", data)], [want], inits=[("idx", idx), ("upd", upd)],
         **({} if red == "none" else {"reduction": red}))
idx = np.array([[[0, 1, 1], [-1, -3, 0]]], np.int64)
upd = np.array([[5.0, -7.0]], np.float32)
want = data.copy()
want[0, 1, 1], want[3, 0, 0] = 5.0, -7.0
save("scatter_nd_full", "ScatterND", [("data", data)], [want], inits=[("idx", idx), ("upd", upd)])

# GatherND
data = rng.standard_normal((3, 4, 5)).astype(np.float32)
idx = np.array([[[0, 1], [2, -1]], [[1, 3], [0, 0]]], np.int64)
want = np.stack([np.stack([data[i, j % 4] for i, j in row]) for row in idx])
save("gather_nd_b0", "GatherND", [("data", data)], [want], inits=[("idx", idx)])
data = rng.integers(-9, 9, (2, 3, 4)).astype(np.int32)
idx = np.array([[[2], [0]], [[1], [1]]], np.int64)
want = np.stack([data[b][idx[b, :, 0]] for b in range(2)])
save("gather_nd_b1", "GatherND", [("data", data), ("idx", idx)], [want], batch_dims=1)


# TopK
def topk(x, k, axis, largest):
    order = np.argsort(-x if largest else x, axis=axis, kind="stable")
    idx = np.take(order, np.arange(k), axis=axis)
    return np.take_along_axis(x, idx, axis=axis), idx.astype(np.int64)


x = rng.integers(0, 4, (2, 6, 3)).astype(np.float32)  # many ties
v, i = topk(x, 4, 1, True)
save("top_k_largest", "TopK", [("x", x)], [v, i], opset=11, inits=[("k", np.array([4], np.int64))], axis=1)
x = rng.integers(-100, 100, (3, 7)).astype(np.int64)
v, i = topk(x, 3, 1, False)
save("top_k_smallest", "TopK", [("x", x)], [v, i], opset=11, inits=[("k", np.array([3], np.int64))],
     axis=-1, largest=0)
x = rng.standard_normal((4, 5)).astype(np.float32)
v, i = topk(x, 2, 1, True)
save("top_k_v1", "TopK", [("x", x)], [v, i], opset=1, k=2)

# ReverseSequence
x = rng.standard_normal((4, 3, 2)).astype(np.float32)
lens = np.array([4, 1, 3], np.int64)
want = x.copy()
for b, l in enumerate(lens):
    want[:l, b] = x[:l, b][::-1]
save("revseq_b1", "ReverseSequence", [("x", x)], [want], inits=[("lens", lens)], batch_axis=1, time_axis=0)
x = rng.standard_normal((3, 5)).astype(np.float32)
lens = np.array([0, 5, 2], np.int32)
want = x.copy()
for b, l in enumerate(lens):
    want[b, :l] = x[b, :l][::-1]
save("revseq_b0", "ReverseSequence", [("x", x), ("lens", lens)], [want], batch_axis=0, time_axis=1)


# GridSample: ONNX's reference algorithm in numpy
def gs_reflect(v, lo, hi):
    rng_ = hi - lo
    if lo <= v <= hi:
        return v
    dx = lo - v if v < lo else v - hi
    n = int(dx / rng_)
    r = dx - n * rng_
    if v < lo:
        return lo + r if n % 2 == 0 else hi - r
    return hi - r if n % 2 == 0 else lo + r


def gs_cubic(t):
    a = -0.75
    return [((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
            ((a + 2) * t - (a + 3)) * t * t + 1,
            ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
            ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a]


def grid_sample(x, grid, mode, pad, align):
    N, C, H, W = x.shape
    Ho, Wo = grid.shape[1:3]
    b = (0, 0, W - 1, H - 1) if align else (-0.5, -0.5, W - 0.5, H - 0.5)
    y = np.zeros((N, C, Ho, Wo), np.float64)

    def pix(img, r, c):
        if pad == "zeros":
            return img[r, c] if 0 <= r < H and 0 <= c < W else 0.0
        if pad == "border":
            return img[min(max(r, 0), H - 1), min(max(c, 0), W - 1)]
        return img[int(gs_reflect(r, b[1], b[3])), int(gs_reflect(c, b[0], b[2]))]

    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                gx, gy = float(grid[n, i, j, 0]), float(grid[n, i, j, 1])
                fx = (gx + 1) / 2 * (W - 1) if align else ((gx + 1) * W - 1) / 2
                fy = (gy + 1) / 2 * (H - 1) if align else ((gy + 1) * H - 1) / 2
                if mode == "nearest":
                    fx, fy = float(np.rint(fx)), float(np.rint(fy))
                if pad == "border":
                    fx, fy = min(max(fx, 0), W - 1), min(max(fy, 0), H - 1)
                elif pad == "reflection":
                    fx, fy = gs_reflect(fx, b[0], b[2]), gs_reflect(fy, b[1], b[3])
                for c in range(C):
                    img = x[n, c].astype(np.float64)
                    if mode == "nearest":
                        v = pix(img, int(fy), int(fx))
                    elif mode == "bilinear":
                        x1, y1 = int(np.floor(fx)), int(np.floor(fy))
                        dx, dy = fx - x1, fy - y1
                        v = (1 - dy) * ((1 - dx) * pix(img, y1, x1) + dx * pix(img, y1, x1 + 1)) + \
                            dy * ((1 - dx) * pix(img, y1 + 1, x1) + dx * pix(img, y1 + 1, x1 + 1))
                    else:
                        x0, y0 = int(np.floor(fx)) - 1, int(np.floor(fy)) - 1
                        cx, cy = gs_cubic(fx - x0 - 1), gs_cubic(fy - y0 - 1)
                        v = sum(cy[p] * sum(cx[q] * pix(img, y0 + p, x0 + q) for q in range(4)) for p in range(4))
                    y[n, c, i, j] = v
    return y.astype(np.float32)


x = rng.standard_normal((2, 2, 4, 5)).astype(np.float32)
grid = rng.uniform(-1.6, 1.6, (2, 3, 4, 2)).astype(np.float32)
for mode in ("bilinear", "nearest", "bicubic"):
    for pad in ("zeros", "border", "reflection"):
        for align in (0, 1):
            save("gs_%s_%s_%d" % (mode, pad, align), "GridSample", [("x", x), ("grid", grid)],
                 [grid_sample(x, grid, mode, pad, align)], opset=16, mode=mode, padding_mode=pad,
                 align_corners=align)


# TfIdfVectorizer
def tfidf(x, lo, hi, skip, mode, pool, counts, indexes, weights):
    rows = x if x.ndim == 2 else x[None]
    width = max(indexes) + 1
    grams = {}
    for g in range(len(counts)):
        end = counts[g + 1] if g + 1 < len(counts) else len(pool)
        for p in range(counts[g], end, g + 1):
            grams[tuple(pool[p:p + g + 1])] = len(grams)
    y = np.zeros((len(rows), width), np.float32)
    for r, row in enumerate(rows):
        for s in range(skip + 1):
            for i in range(len(row)):
                for n in range(lo, hi + 1):
                    if n == 1 and s > 0:
                        continue
                    pos = [i + t * (s + 1) for t in range(n)]
                    if pos[-1] >= len(row):
                        break
                    key = tuple(int(row[p]) for p in pos)
                    if key in grams:
                        y[r, indexes[grams[key]]] += 1
    w = np.array(weights if weights is not None else [1.0] * len(indexes), np.float32)[:width]
    if mode == "IDF":
        y = np.where(y > 0, w, 0).astype(np.float32)
    elif mode == "TFIDF":
        y = (y * w).astype(np.float32)
    return y if x.ndim == 2 else y[0]


x = np.array([[1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8], [8, 8, 7, 7, 6, 5, 6, 8, 1, 3, 5, 1]], np.int32)
pool = [2, 3, 5, 4, 5, 6, 7, 8, 6, 7, 8, 5, 1, 3, 6, 5]  # four 1-grams, six 2-grams
counts, indexes = [0, 4], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
weights = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0]
for mode in ("TF", "IDF", "TFIDF"):
    w = weights if mode != "TF" else None
    save("tfidf_" + mode.lower(), "TfIdfVectorizer", [("x", x)],
         [tfidf(x, 1, 2, 3, mode, pool, counts, indexes, w)], opset=9, min_gram_length=1, max_gram_length=2,
         max_skip_count=3, mode=mode, pool_int64s=pool, ngram_counts=counts, ngram_indexes=indexes,
         **({"weights": w} if w else {}))
x1 = np.array([4, 5, 6, 4, 5, 6, 4, 9, 6], np.int64)
pool = [4, 5, 5, 6, 4, 6, 4, 5, 6, 6, 4, 9]  # three 2-grams, two 3-grams
counts, indexes = [0, 0, 6], [3, 0, 1, 4, 2]
save("tfidf_1d", "TfIdfVectorizer", [("x", x1)], [tfidf(x1, 2, 3, 1, "TF", pool, counts, indexes, None)],
     opset=9, min_gram_length=2, max_gram_length=3, max_skip_count=1, mode="TF", pool_int64s=pool,
     ngram_counts=counts, ngram_indexes=indexes)

# Det
a = rng.standard_normal((3, 3)).astype(np.float32)
save("det_2d", "Det", [("x", a)], [np.array(np.linalg.det(a.astype(np.float64)), np.float32)], opset=11)
a = rng.standard_normal((2, 2, 4, 4)).astype(np.float32)
a[1, 1, 3] = a[1, 1, 0]  # singular
save("det_batch", "Det", [("x", a)], [np.linalg.det(a.astype(np.float64)).astype(np.float32)], opset=11)

# errors
save_err("err_reduction", "ScatterElements",
         [("data", np.zeros((2, 2), np.float32)), ("idx", np.zeros((2, 2), np.int64)),
          ("upd", np.zeros((2, 2), np.float32))], reduction="sum")
save_err("err_gs_rank5", "GridSample",
         [("x", np.zeros((1, 1, 2, 2, 2), np.float32)), ("grid", np.zeros((1, 2, 2, 2, 3), np.float32))],
         opset=16)
save_err("err_tfidf_strings", "TfIdfVectorizer", [("x", np.zeros((4,), np.int64))], opset=9, min_gram_length=1,
         max_gram_length=1, max_skip_count=0, mode="TF", pool_strings=["a", "b"], ngram_counts=[0],
         ngram_indexes=[0, 1])
save_err("err_topk_k", "TopK", [("x", np.zeros((2, 5), np.float32)), ("k", np.zeros((1,), np.int64))], opset=11)
# an index out of range at run time (data, not the model): the run fails
save("oob_scatter", "ScatterElements",
     [("data", np.zeros((2, 3), np.float32)), ("idx", np.array([[0, 1, 2], [0, 3, 1]], np.int64)),
      ("upd", np.ones((2, 3), np.float32))], [np.zeros((2, 3), np.float32)], axis=1)
