"""Writes OUT.npy: N samples of SRC.npy's shape, SRC's samples repeated,
each repetition scaled a little so the samples differ; written in chunks
through a memory map, never whole in memory. usage: SRC OUT N"""
import sys

import numpy as np

src = np.load(sys.argv[1], mmap_mode="r")
n = int(sys.argv[3])
out = np.lib.format.open_memmap(sys.argv[2], mode="w+", dtype=np.float32, shape=(n,) + src.shape[1:])
for i in range(0, n, len(src)):
    k = min(len(src), n - i)
    out[i:i + k] = src[:k] * np.float32(1 + (i // len(src)) / 64)
out.flush()
