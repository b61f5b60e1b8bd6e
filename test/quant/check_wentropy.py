#!/usr/bin/env python3
"""Checks --wquant IR: every conv / gemm / matmul with dlc.codebook has L codes
per output channel (per layer when its weights are per tensor), ascending,
and every int8 weight of its constant is one of its channel's.

usage: check_wentropy.py Q.mlir L [--corrupt OUT.mlir]
--corrupt writes a copy whose first codebook layer has one weight outside its
codebook (for the error test) instead of checking."""
import re
import sys


def resources(text):
    """name -> (hex as printed, data after the 4 bytes of alignment)"""
    return {m.group(1): (m.group(2), bytes.fromhex(m.group(2))[4:])
            for m in re.finditer(r'^\s*(\w+): "0x([0-9A-Fa-f]+)"', text, re.M)}


def layers(text):
    """(codebook, resource name) per layer with a codebook."""
    consts = dict(re.findall(r'(%\w+) = arith.constant dense_resource<(\w+)> : tensor<[0-9x]+xi8>', text))
    scasts = {m.group(1): (m.group(2), [int(d) for d in m.group(3).split("x")], m.group(4))
              for m in re.finditer(r'(%\w+) = quant.scast (%\w+) : tensor<([0-9x]+)xi8> to tensor<[0-9x]+x!quant.uniform<i8<-?[0-9]+:[0-9]+>:f32(:[0-9]+)?', text)}
    out = []
    for m in re.finditer(r'"qg\.(?:conv|gemm|matmul)"\((%\w+), (%\w+)[^\n]*dlc\.codebook = array<i8: ([-0-9, ]+)>', text):
        cb = [int(v) for v in m.group(3).split(",")]
        src, dims, axis = scasts[m.group(2)]
        out.append((cb, consts[src], dims, int(axis[1:]) if axis else None))
    return out


def channel_of(dims, axis):
    """element index -> its codebook (None: the layer's one)"""
    if axis is None:
        return lambda i: 0, 1
    inner = 1
    for d in dims[axis + 1:]:
        inner *= d
    return (lambda i: i // inner % dims[axis]), dims[axis]


def uniform_grid(b):
    """the --wclip=omse grid as a codebook: 2^b - 1 evenly spaced codes around 0, the last repeated"""
    d = [y - x for x, y in zip(b[:-2], b[1:-1])]
    return b[-1] == b[-2] and b[len(b) // 2 - 1] == 0 and max(d) - min(d) <= 1


def main():
    text = open(sys.argv[1]).read()
    L = int(sys.argv[2])
    res = resources(text)
    ls = layers(text)
    if len(sys.argv) > 3 and sys.argv[3] == "--corrupt":
        cb, name, dims, axis = ls[0]
        ch, nch = channel_of(dims, axis)
        L = len(cb) // nch
        bad = next(v for v in range(-127, 128) if v not in cb[:L])
        old = res[name][0]
        new = old[:8] + "%02X" % (bad & 0xFF) + old[10:]
        assert text.count(old) == 1, "blob not found once"
        open(sys.argv[4], "w").write(text.replace(old, new))
        return
    grid = total = 0
    for cb, name, dims, axis in ls:
        ch, nch = channel_of(dims, axis)
        assert len(cb) == L * nch, f"{name}: {len(cb)} codes, expected {L} x {nch}"
        books = [cb[c * L:(c + 1) * L] for c in range(nch)]
        for b in books:
            assert b == sorted(b), f"{name}: codebook not ascending: {b}"
            grid += uniform_grid(b)
            total += 1
        w = [b - 256 if b > 127 else b for b in res[name][1]]
        for i, v in enumerate(w):
            assert v in books[ch(i)], f"{name}: weight {i} = {v} not in its codebook {books[ch(i)]}"
    assert ls, "no layer with dlc.codebook"
    print(f"layers {len(ls)}, every weight in its channel's codebook, codebooks ascending, {grid} of {total} on the uniform grid")


main()
