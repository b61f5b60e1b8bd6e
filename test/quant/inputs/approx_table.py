# usage: approx_table.py OUT.npy KIND: a 256x256 product table M[a, b] for
# dlc's file:PATH multiplier. exact: a * b (int32); noisy: a * b plus a fixed
# pseudo-random error of up to +-2% (uint16 where it fits, else int32).
import sys
import numpy as np

out, kind = sys.argv[1], sys.argv[2]
a = np.arange(256, dtype=np.int64)[:, None]
b = np.arange(256, dtype=np.int64)[None, :]
p = a * b
if kind == "noisy":
    rng = np.random.default_rng(25)
    p = np.maximum(p + np.rint(p * rng.uniform(-0.02, 0.02, p.shape)).astype(np.int64), 0)
np.save(out, p.astype(np.int32))
