"""usage: pim_objective.py EDP.json ENERGY.json TIME.json (dlc-run --report
files of one model compiled with each --pim-objective). Fails unless each
objective is no worse than edp at what it minimizes; prints the trade."""
import json
import sys

edp, energy, time = ([json.load(open(p))["per_sample"] for p in sys.argv[1:4]])
assert energy["nj"] <= edp["nj"] * (1 + 1e-9), (energy["nj"], edp["nj"])
assert time["ns"] <= edp["ns"] * (1 + 1e-9), (time["ns"], edp["ns"])
assert energy["ns"] >= edp["ns"] and time["nj"] >= edp["nj"], "an objective gained on both"
print(f"energy objective: {edp['nj'] / energy['nj']:.3f}x less energy, {energy['ns'] / edp['ns']:.3f}x the time of edp")
print(f"time objective: {edp['ns'] / time['ns']:.3f}x less time, {time['nj'] / edp['nj']:.3f}x the energy of edp")
