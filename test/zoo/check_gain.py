"""usage: check_gain.py BASE.txt NEW.txt MIN_POINTS
Reads the 'accuracy: P%' line dlc-run printed for each build, prints how many
points NEW gains over BASE (negative: loses), and exits 1 below MIN_POINTS
(a negative MIN_POINTS is the most a build may lose)."""
import re
import sys


def accuracy(path):
    with open(path) as f:
        m = re.search(r"accuracy: ([0-9.]+)%", f.read())
    if not m:
        sys.exit(f"{path}: no accuracy line")
    return float(m.group(1))


base, new, need = accuracy(sys.argv[1]), accuracy(sys.argv[2]), float(sys.argv[3])
gain = new - base
print(f"gain {gain:+.2f} points (at least {need:+.2f})")
sys.exit(0 if gain >= need else 1)
