"""Compares two dlc-run reports on the same test set: the candidate's accuracy
must be at most MAXDROP points below the reference's (e.g. outlier-aware 4-bit
weights against int8)."""
import re
import sys


def accuracy(path):
    m = re.search(r"accuracy: ([0-9.]+)%", open(path).read())
    if not m:
        sys.exit(f"{path}: no accuracy line")
    return float(m.group(1))


ref, cand, maxdrop = accuracy(sys.argv[1]), accuracy(sys.argv[2]), float(sys.argv[3])
print(f"candidate {cand:.2f}% vs reference {ref:.2f}% (drop {ref - cand:+.2f}, allowed {maxdrop:.2f})")
sys.exit(0 if ref - cand <= maxdrop else 1)
