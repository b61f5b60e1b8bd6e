"""usage: check_auto.py NOTE.txt
Reads dlc's --wround=auto note and exits 1 unless the chosen rounding's error
is the least of those it names (nearest, gptq, adaround, and brecq where the
model has residual blocks) and not above nearest's."""
import re
import sys

text = open(sys.argv[1]).read()
m = re.search(r"--wround=auto: (\w+) \((.*?); statistics", text)
if not m:
    sys.exit("no --wround=auto note")
err = {k: float(v) for k, v in re.findall(r"(nearest|gptq|adaround|brecq) ([0-9.e+-]+)", m.group(2))}
chosen = err[m.group(1)]
if chosen > min(err.values()) or chosen > err["nearest"]:
    sys.exit(f"chose {m.group(1)} ({chosen}) but the errors are {err}")
print(f"chose the least of {len(err)} errors, not above nearest's")
