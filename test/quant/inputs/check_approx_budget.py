"""Checks an --approx-budget warning against the IR it describes.

usage: check_approx_budget.py LOG MLIR BUDGET
The warning's layer count, per-layer multipliers and points: the IR's
dlc.approx attributes are exactly the warning's non-exact multipliers (as a
multiset), the approximate count matches, the points are within the budget
and the energy is below 1 when anything is approximate."""
import collections
import re
import sys

log, mlir, budget = open(sys.argv[1]).read(), open(sys.argv[2]).read(), float(sys.argv[3])
m = re.search(r"--approx-budget=\S+: (\d+) of (\d+) layers approximate, multiplier energy ([0-9.]+) of exact int8's; "
              r"(-?[0-9.]+) points of .*?\): (.*)$", log, re.M)
assert m, "no --approx-budget warning in " + sys.argv[1]
napprox, nunits, energy, points, layers = int(m[1]), int(m[2]), float(m[3]), float(m[4]), m[5]
choice = [x.rsplit(" ", 1) for x in layers.split(", ")]
assert len(choice) == nunits, (choice, nunits)
said = collections.Counter(spec for _, spec in choice if spec != "exact")
ir = collections.Counter(re.findall(r'dlc.approx = "([^"]+)"', mlir))
assert said == ir, ("warning", said, "IR", ir)
assert sum(said.values()) == napprox
assert points <= budget + 1e-9, (points, budget)
assert (energy < 1) == (napprox > 0), energy
print("approx-budget: %d of %d layers approximate, energy %.3f, %.2f points <= %g: consistent" %
      (napprox, nunits, energy, points, budget))
