"""usage: check_auto.py NOTE.txt
Reads dlc's --wround=auto note and exits 1 unless the chosen rounding's error
is the least of the three and not above nearest's."""
import re
import sys

text = open(sys.argv[1]).read()
m = re.search(r"--wround=auto: (\w+) \(.*nearest ([0-9.e+]+), gptq ([0-9.e+]+), adaround ([0-9.e+]+)", text)
if not m:
    sys.exit("no --wround=auto note")
err = {"nearest": float(m.group(2)), "gptq": float(m.group(3)), "adaround": float(m.group(4))}
chosen = err[m.group(1)]
if chosen > min(err.values()) or chosen > err["nearest"]:
    sys.exit(f"chose {m.group(1)} ({chosen}) but the errors are {err}")
print("chose the least of 3 errors, not above nearest's")
