"""cosine.py REF.npy OUT.npy [MIN]: prints the cosine of OUT with REF (both
flattened) and fails (exit 1) below MIN."""
import sys

import numpy as np

ref = np.load(sys.argv[1]).astype(np.float64).ravel()
out = np.load(sys.argv[2]).astype(np.float64).ravel()
c = float(ref @ out / (np.linalg.norm(ref) * np.linalg.norm(out)))
print("cosine %.4f" % c)
sys.exit(0 if len(sys.argv) < 4 or c >= float(sys.argv[3]) else 1)
