"""sqnr.py REF.npy OUT.npy MIN_DB: prints the SQNR of OUT against REF in dB and
fails (exit 1) below MIN_DB."""
import sys

import numpy as np

ref = np.load(sys.argv[1]).astype(np.float64)
out = np.load(sys.argv[2]).astype(np.float64)
db = 10 * np.log10((ref ** 2).sum() / max(((ref - out) ** 2).sum(), 1e-300))
print("SQNR %.1f dB" % db)
sys.exit(0 if db >= float(sys.argv[3]) else 1)
