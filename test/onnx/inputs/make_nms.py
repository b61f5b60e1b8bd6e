"""Writes NonMaxSuppression models into the directory given. NMS's output size
depends on the data, so dlc folds it when every input is a constant: here
boxes, scores and the thresholds are initializers, and a graph input x passes
through as output 1 so the models can be run. NAME.in.npy is x, NAME.want.npy
numpy's selected indices (NAME.want.npy.1.npy: x).

  nms_corners   two batches, two classes, flipped corners, score threshold
  nms_center    center_point_box=1, max_output_boxes_per_class 2
  nms_defaults  no thresholds given (iou 0: any overlap suppresses)
  nms_runtime   boxes from the graph input: an error naming the node
  nms_empty     nothing above the score threshold: an error (empty output)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(3)


def corners(b, center):
    if center:
        return np.array([b[0] - b[2] / 2, b[1] - b[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2])
    return np.array([min(b[1], b[3]), min(b[0], b[2]), max(b[1], b[3]), max(b[0], b[2])])


def iou(a, b):
    iw, ih = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def nms(boxes, scores, maxo, thr, sthr, center):
    sel = []
    for b in range(scores.shape[0]):
        cs = [corners(x.astype(np.float64), center) for x in boxes[b]]
        for c in range(scores.shape[1]):
            s = scores[b, c]
            order = [i for i in np.argsort(-s, kind="stable") if s[i] > sthr]
            kept = []
            for i in order:
                if len(kept) < maxo and all(iou(cs[i], cs[j]) <= thr for j in kept):
                    kept.append(i)
            sel += [[b, c, i] for i in kept]
    return np.array(sel, np.int64)


def save(name, boxes, scores, maxo=None, thr=None, sthr=None, center=0, runtime=False, want=True):
    inits = [("boxes", boxes), ("scores", scores)]
    names = ["boxes", "scores"]
    for k, v, t in (("maxo", maxo, np.int64), ("iou", thr, np.float32), ("sthr", sthr, np.float32)):
        names.append(k if v is not None else "")
        if v is not None:
            inits.append((k, np.array([v], t)))
    while names[-1] == "":
        names.pop()
    ins = [h.make_tensor_value_info("x", T.FLOAT, [1, 2])]
    if runtime:
        inits = inits[1:]
        ins.append(h.make_tensor_value_info("boxes", T.FLOAT, list(boxes.shape)))
    nodes = [h.make_node("NonMaxSuppression", names, ["sel"], name=name, center_point_box=center),
             h.make_node("Identity", ["x"], ["y"])]
    g = h.make_graph(nodes, name, ins, [h.make_tensor_value_info("sel", T.INT64, None),
                                        h.make_tensor_value_info("y", T.FLOAT, [1, 2])],
                     [nh.from_array(v, k) for k, v in inits])
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 11)]), os.path.join(out, name + ".onnx"))
    x = np.array([[1.5, -2.0]], np.float32)
    np.save(os.path.join(out, name + ".in.npy"), x)
    if want:
        np.save(os.path.join(out, name + ".want.npy"),
                nms(boxes, scores, maxo or 0, thr or 0.0, -np.inf if sthr is None else sthr, center))
        np.save(os.path.join(out, name + ".want.npy.1.npy"), x)


base = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11], [0, 10.1, 1, 11.1],
                 [0, 100, 1, 101]], np.float32)
flipped = base[:, [2, 3, 0, 1]]  # the other diagonal
boxes = np.stack([base, flipped])
scores = rng.uniform(0, 1, (2, 2, 6)).astype(np.float32)
scores[0, 0, 2] = scores[0, 0, 0]  # a tie: the lower index first
save("nms_corners", boxes, scores, maxo=4, thr=0.5, sthr=0.2)
cboxes = np.array([[[0.5, 0.5, 1, 1], [0.5, 0.6, 1, 1], [0.5, 0.4, 1, 1], [0.5, 10.5, 1, 1], [0.5, 10.6, 1, 1],
                    [0.5, 100.5, 1, 1]]], np.float32)
save("nms_center", cboxes, scores[:1], maxo=2, thr=0.5, center=1)
save("nms_defaults", boxes[:1], scores[:1], maxo=3)
save("nms_runtime", boxes[:1], scores[:1], maxo=3, runtime=True, want=False)
save("nms_empty", boxes[:1], scores[:1], maxo=3, thr=0.5, sthr=2.0, want=False)
