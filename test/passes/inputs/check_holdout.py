"""Two --compress-report files, with and without --compress-holdout, and the
accuracy budget: fails unless the held-out loss plus its standard error fits
the budget and the held-out choice saves no more than the other."""
import re
import sys

h, n, budget = open(sys.argv[1]).read(), open(sys.argv[2]).read(), float(sys.argv[3])
m = re.search(r"held out \((\d+) calibration samples the search did not use\): (-?[0-9.]+) points lost "
              r"\(standard error ([0-9.]+)\)", h)


def ratio(t):
    return float(re.search(r"mean \(([0-9.]+)x\)", t).group(1))


print("held out: %s samples, %s points lost, se %s; ratio %.2fx against %.2fx without"
      % (m.group(1), m.group(2), m.group(3), ratio(h), ratio(n)))
sys.exit(0 if float(m.group(2)) + float(m.group(3)) <= budget + 0.005 and ratio(h) <= ratio(n) else 1)
