"""Compares dlc's integer build of a QDQ model with the float-simulated QDQ
outputs PyTorch stored (zoo/MODEL_qdq.logits.npy): the largest difference, in
units of the output's quantization step (the scale of the model's last
DequantizeLinear), must be at most MAXSTEPS, and top-1 decisions must agree on
at least MINAGREE of the images."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

got, model, want, maxsteps, minagree = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
m = onnx.load(model)
init = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
consts = {n.output[0]: numpy_helper.to_array(n.attribute[0].t) for n in m.graph.node if n.op_type == "Constant"}
last = [n for n in m.graph.node if n.op_type == "DequantizeLinear" and n.output[0] == m.graph.output[0].name][0]
step = float({**init, **consts}[last.input[1]])
a, b = np.load(got), np.load(want)
steps = float(np.abs(a - b).max()) / step
agree = float((a.argmax(1) == b.argmax(1)).mean())
print(f"max |diff| {steps:.3f} output steps (allowed {maxsteps}), top-1 agreement {agree:.4f} (needed {minagree})")
sys.exit(0 if steps <= maxsteps + 1e-6 and agree >= minagree else 1)
