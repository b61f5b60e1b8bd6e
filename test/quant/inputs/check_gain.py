"""usage: check_gain.py NEAREST.txt GPTQ.txt MIN_POINTS
Reads the 'accuracy: P%' line dlc-run printed for each build and prints how many
points GPTQ rounding gains over nearest rounding; exits 1 below MIN_POINTS."""
import re
import sys


def accuracy(path):
    with open(path) as f:
        m = re.search(r"accuracy: ([0-9.]+)%", f.read())
    if not m:
        sys.exit(f"{path}: no accuracy line")
    return float(m.group(1))


near, gptq, need = accuracy(sys.argv[1]), accuracy(sys.argv[2]), float(sys.argv[3])
gain = gptq - near
print(f"gptq gains {gain:.2f} points over nearest (at least {need})")
sys.exit(0 if gain >= need else 1)
