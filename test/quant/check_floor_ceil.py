"""usage: check_floor_ceil.py MODEL.onnx QUANTIZED.mlir [OTHER.mlir]
For every conv / gemm of the quantized qg IR whose weights are per-channel
integers (quant.scast of a dense_resource; a MatMul's [K, N] weights have
their scales on axis 1), reads its float weights w from
the ONNX initializer NODE_w and checks that each integer q is floor(w / s) or
ceil(w / s) for its channel's scale s (or the grid's end when w / s lies
beyond it). Prints how many layers and weights it checked, and how many went
the other way than rounding to nearest would; exits 1 on the first weight
that is neither. With OTHER (the same model quantized another way), also
prints the layers whose integers differ from OTHER's."""
import re
import sys

import numpy as np
import onnx
from onnx import numpy_helper as nh

model = onnx.load(sys.argv[1])
inits = {t.name: nh.to_array(t) for t in model.graph.initializer}


def scan(path, check):
    """{layer name: its integers} of the quantized IR at path; with check, the floor/ceil counts too."""
    text = open(path).read()
    locs = dict(re.findall(r'^(#loc\d+) = loc\("([^"]+)"\)', text, re.M))
    blobs = dict(re.findall(r'^\s*(\w+): "0x([0-9A-Fa-f]+)"', text, re.M))
    consts = dict(re.findall(r'(%\w+) = arith.constant dense_resource<(\w+)>', text))
    out, layers, weights, flipped = {}, 0, 0, 0
    for m in re.finditer(r'quant.scast (%\w+) : tensor<([0-9x]+)xi8> to tensor<[^<]*<i8<(-?\d+):(\d+)>:f32:(\d+), \{([^}]*)\}>> loc\((#loc\d+)\)', text):
        cst, shape, qmin, qmax, axis, scales, loc = m.groups()
        name = locs.get(loc)
        if name is None or name + "_w" not in inits or cst not in consts:
            continue
        w = inits[name + "_w"].astype(np.float64)
        raw = bytes.fromhex(blobs[consts[cst]])[4:]  # the blob's 4-byte alignment header
        q = np.frombuffer(raw, dtype=np.int8).astype(np.float64).reshape(w.shape)
        bshape = [1] * w.ndim
        bshape[int(axis)] = -1
        s = np.array([float(x) for x in scales.split(",")]).reshape(bshape)
        x = w / s
        lo, hi = np.clip(np.floor(x), int(qmin), int(qmax)), np.clip(np.ceil(x), int(qmin), int(qmax))
        bad = (q != lo) & (q != hi)
        if bad.any():
            i = tuple(np.argwhere(bad)[0])
            sys.exit(f"{name}: weight {i}: w/s = {x[i]:.4f}, integer {q[i]:.0f} is neither floor nor ceil")
        out[name] = q
        if not check:
            continue
        layers += 1
        weights += q.size
        flipped += int((q != np.clip(np.round(x), int(qmin), int(qmax))).sum())
    return out, layers, weights, flipped


mine, layers, weights, flipped = scan(sys.argv[2], True)
print(f"{layers} layers, {weights} weights: each floor or ceil of w/s; {flipped} not to nearest")
if len(sys.argv) > 3:
    other = scan(sys.argv[3], False)[0]
    print("differ: " + " ".join(n for n in mine if n not in other or not np.array_equal(mine[n], other[n])))
