"""Models for the accuracy guard and multi-input calibration, written into the
directory given:
  guard.onnx   x[1,4] -> MatMul 'wide' (channel 0 x100) -> MatMul 'mix' (ignores
               channel 0) -> y[1,2]: at 8 bits the range of 'wide' (+-300) leaves
               the small channels ~2 steps, so 'mix' loses almost everything;
               x.npy: 64 samples in [-3, 3].
  two.onnx     a[1,4] + b[1,4] -> MatMul 'fc' -> y[1,2]; a.npy spans exactly
               [-1, 1], b.npy exactly [-10, 10] (32 samples each); a16.npy: 16
               samples of a; b3.npy: b without its sample axis (shape 4).
  mixed.onnx   x[1,4] -> MatMul 'p16' and MatMul 'q8' -> Add 'sum' -> y[1,4].
  long.onnx    x[1,1024] -> MatMul 'long' (1024x4) -> MatMul 'short' (4x4) -> y[1,4];
               long_x.npy: 8 samples.
  chain.onnx   x[1,16] -> six MatMul + Tanh layers 'l1'..'l6' (random 16x16
               weights): at 3-bit weights every layer adds about as much noise
               as it receives, so no single layer stands out; cx.npy: 32 samples."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(0)


def save(nodes, name, ins, outs, inits):
    g = h.make_graph(nodes, name, [h.make_tensor_value_info(n, T.FLOAT, s) for n, s in ins],
                     [h.make_tensor_value_info(n, T.FLOAT, s) for n, s in outs], inits)
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 17)]), os.path.join(out, name + ".onnx"))


W1 = np.diag([100.0, 1.0, 1.0, 1.0]).astype(np.float32)
W2 = np.array([[0, 0], [1, 0], [0, 1], [1, -1]], np.float32)
save([h.make_node("MatMul", ["x", "W1"], ["t"], name="wide"), h.make_node("MatMul", ["t", "W2"], ["y"], name="mix")],
     "guard", [("x", [1, 4])], [("y", [1, 2])], [nh.from_array(W1, "W1"), nh.from_array(W2, "W2")])
np.save(os.path.join(out, "x.npy"), rng.uniform(-3, 3, (64, 4)).astype(np.float32))

W = np.array([[1, 0], [0, 1], [1, 1], [-1, 1]], np.float32)
save([h.make_node("Add", ["a", "b"], ["s"], name="sum"), h.make_node("MatMul", ["s", "W"], ["y"], name="fc")],
     "two", [("a", [1, 4]), ("b", [1, 4])], [("y", [1, 2])], [nh.from_array(W, "W")])
a = rng.uniform(-1, 1, (32, 1, 4)).astype(np.float32)
a[0, 0, 0], a[1, 0, 1] = -1, 1
b = rng.uniform(-10, 10, (32, 1, 4)).astype(np.float32)
b[0, 0, 0], b[1, 0, 1] = -10, 10
np.save(os.path.join(out, "a.npy"), a)
np.save(os.path.join(out, "b.npy"), b)
np.save(os.path.join(out, "a16.npy"), a[:16])
np.save(os.path.join(out, "b3.npy"), b[0, 0])

E = np.eye(4, dtype=np.float32)
save([h.make_node("MatMul", ["x", "E"], ["p"], name="p16"), h.make_node("MatMul", ["x", "E"], ["q"], name="q8"),
      h.make_node("Add", ["p", "q"], ["y"], name="sum")], "mixed", [("x", [1, 4])], [("y", [1, 4])], [nh.from_array(E, "E")])

L = rng.uniform(-1, 1, (1024, 4)).astype(np.float32)
save([h.make_node("MatMul", ["x", "L"], ["t"], name="long"), h.make_node("MatMul", ["t", "E"], ["y"], name="short")],
     "long", [("x", [1, 1024])], [("y", [1, 4])], [nh.from_array(L, "L"), nh.from_array(E, "E")])
np.save(os.path.join(out, "long_x.npy"), rng.uniform(-1, 1, (8, 1024)).astype(np.float32))

nodes, inits, v = [], [], "x"
for i in range(1, 7):
    w = rng.normal(0, 0.5, (16, 16)).astype(np.float32)
    inits.append(nh.from_array(w, f"C{i}"))
    nodes += [h.make_node("MatMul", [v, f"C{i}"], [f"m{i}"], name=f"l{i}"),
              h.make_node("Tanh", [f"m{i}"], [f"t{i}"], name=f"tanh{i}")]
    v = f"t{i}"
nodes[-1].output[0] = "y"
save(nodes, "chain", [("x", [1, 16])], [("y", [1, 16])], inits)
np.save(os.path.join(out, "cx.npy"), rng.uniform(-2, 2, (32, 16)).astype(np.float32))
