#!/usr/bin/env python3
"""Evaluates dlc on the real-model corpus and prints the status table.

usage: eval.py [--build DIR] [--work DIR] [--no-pim] [--json FILE] [NAME...]
Needs scripts/real/install.sh to have run (DLC_REAL_DIR, default ~/.cache/dlc-real).
For each model of test/real/models.tsv (or the NAMEs given), on the input of
make_inputs.py:
  import     dlc MODEL --emit=qg --input-shape=...            -> f.mlir
             (scalar inputs, Silero's sample rate sr, and recurrent state are
             made constants first with bind_input.py: see bound_inputs)
  ort        onnxruntime-node (ort_run.js), the reference
  interp     dlc-run f.mlir vs ort (rtol 1e-3, atol 1e-4)
  c          dlc f.mlir --target=c, run by dlc-run, vs ort; and == interp bit for bit
  int8       dlc f.mlir --quantize --calib=calib.npy (8 samples) --emit=qg, in dlc-run:
             its SNR against ort (lowest over the outputs; no pass mark)
  int8 cos   cosine of the int8 interpreter's outputs with the float interpreter's
             (the lowest over the outputs; 1 - cos printed when close to 1)
  int8 c / acc / pim   the integer model on each target, bit-identical with int8?
  auto-keep  the same with --auto-keep (the accuracy guard; with --keep-cos C,
             --auto-keep-cos=C): its cosine, the layers
             it kept wider, and whether C and acc are bit-identical with its
             interpreter run
  acc host share       the share of the accelerator's modelled time (dlc-run --report)
                       spent in host steps, and the three host steps that cost most
Every cell is measured now; a failure shows the tool's own message.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
PY = sys.executable
COLUMNS = ["import", "ort", "interp", "c", "int8", "int8 cos", "int8 c", "acc", "acc host share", "pim", "auto-keep"]


def manifest():
    rows = []
    with open(os.path.join(SRC, "test", "real", "models.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            c = line.rstrip("\n").split("\t")
            rows.append({"name": c[0], "spec": c[1], "shapes": c[6], "domain": c[4], "opset": c[5]})
    return rows


def run(cmd, log, timeout):
    """Runs cmd; returns (ok, message) with the last line of its stderr on failure."""
    t0 = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        log.write(f"$ {' '.join(cmd)}\ntimeout after {timeout} s\n")
        return False, f"timeout after {timeout} s"
    log.write(f"$ {' '.join(cmd)}\n{p.stdout}{p.stderr}[rc {p.returncode}, {time.time() - t0:.1f} s]\n")
    if p.returncode == 0:
        return True, p.stdout
    lines = [l for l in (p.stderr + p.stdout).splitlines() if l.strip()]
    msg = lines[-1] if lines else ""
    if p.returncode < 0:
        msg = f"crash (signal {-p.returncode}) {msg}".strip()
    return False, msg


def cmp(ref, got, log, exact=False):
    """compare.py's verdict and its whole report."""
    cmd = [PY, os.path.join(HERE, "compare.py"), ref, got] + (["--exact"] if exact else [])
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    log.write(f"$ {' '.join(cmd)}\n{p.stdout}{p.stderr}[rc {p.returncode}]\n")
    return p.returncode == 0, p.stdout + p.stderr


def summary(text):
    """The worst numbers over the outputs of a compare.py report."""
    import re

    diffs = [float(x) for x in re.findall(r"max \|diff\| (\S+),", text)]
    rels = [float(x) for x in re.findall(r"max rel (\S+),", text)]
    snrs = [float(x) for x in re.findall(r"SNR (\S+) dB", text)]
    if not diffs:
        return text.strip().splitlines()[-1] if text.strip() else ""
    return f"max abs {max(diffs):.2g}, max rel {max(rels):.2g}, SNR {min(snrs):.0f} dB"


def cosine(ref, got):
    """The lowest cosine over the outputs of two runs."""
    import numpy as np

    sys.path.insert(0, HERE)
    from compare import outputs  # output k of a run is FILE.k.npy

    worst = 1.0
    for r, g in zip(outputs(ref), outputs(got)):
        a, b = np.load(r).astype(np.float64).ravel(), np.load(g).astype(np.float64).ravel()
        na, nb = np.linalg.norm(a), np.linalg.norm(b)
        c = float(a @ b / (na * nb)) if na > 0 and nb > 0 else float(na == nb)
        worst = min(worst, c)
    return worst


def host_share(report):
    """(share of the acc report's time in host steps, the costliest host steps)."""
    import collections

    r = json.load(open(report))
    host = sum(l["ns"] for l in r["layers"] if l["on"] == "host")
    total = sum(l["ns"] for l in r["layers"])
    by = collections.Counter()
    for l in r["layers"]:
        if l["on"] == "host":
            by[l["node"] or "(output)"] += l["ns"]
    top = ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in by.most_common(3) if v >= 0.01 * total)
    return (f"{100 * host / total:.0f}%", f"(top: {top})" if top else "")


def bound_inputs(ins, files):
    """{name: value} of the inputs made constants: scalars (Silero's sample rate,
    which its Ifs test) and the inputs after the first whose first axis is not
    the first's (recurrent state: dlc-run feeds every input along one sample
    axis); values are numbers or .npy files, as bind_input.py takes them."""
    import numpy as np

    out = {}
    lead = np.load(files[0]).shape[:1]
    for k, ((name, _), f) in enumerate(zip(ins, files)):
        a = np.load(f)
        if a.ndim == 0:
            out[name] = a.item()
        elif k and a.shape[:1] != lead:
            out[name] = f
    return out


def evaluate(m, args, inputs_dir, models_dir):
    name, cell = m["name"], {}
    w = os.path.join(args.work, name)
    os.makedirs(w, exist_ok=True)
    log = open(os.path.join(w, "log.txt"), "w")
    onnx = os.path.join(models_dir, name + ".onnx")
    ind = os.path.join(inputs_dir, name)
    ins = [l.split() for l in open(os.path.join(ind, "inputs"))]
    files = [os.path.join(ind, f) for _, f in ins]
    binds = bound_inputs(ins, files)
    feed = sum((["--input", f] for (n, _), f in zip(ins, files) if n not in binds), [])
    # inputs bound as constants are initializers now, which --input-shape refuses
    spec = ",".join(x for x in m["shapes"].split(",") if x and x.split("=")[0] not in binds) if m["shapes"] else ""
    shapes = [f"--input-shape={spec}"] if spec else []
    dlc, dlcrun = os.path.join(args.build, "dlc"), os.path.join(args.build, "dlc-run")
    j = lambda f: os.path.join(w, f)

    src = onnx
    if binds:
        src = j("bound.onnx")
        run([PY, os.path.join(HERE, "bind_input.py"), onnx, src, *(f"{n}={v}" for n, v in binds.items())], log, 120)
    ok, msg = run([dlc, src, "--emit=qg", *shapes, "-o", j("f.mlir")], log, 300)
    cell["import"] = ("ok", "") if ok else ("FAIL", msg)
    ok_ort, msg = run(["node", os.path.join(HERE, "ort_run.js"), onnx,
                       *sum((["--input", f"{n}={f}"] for (n, _), f in zip(ins, files)), []),
                       "-o", j("ort.npy")], log, 300)
    cell["ort"] = ("ok", "") if ok_ort else ("FAIL", msg)
    if not ok:
        for c in COLUMNS[2:]:
            cell[c] = ("-", "")
        return cell

    def step(col, cmds, ref, exact=False):
        for c in cmds:
            ok, msg = run(c, log, args.timeout)
            if not ok:
                cell[col] = ("FAIL", msg)
                return False
        if ref is None:
            cell[col] = ("ok", "")
            return True
        if not os.path.exists(ref):
            cell[col] = ("?", "no reference")
            return True
        good, out = cmp(ref, cmds[-1][cmds[-1].index("-o") + 1], log, exact)
        cell[col] = ("ok" if good else "FAIL", "bit-identical" if exact and good else summary(out))
        return True

    interp = step("interp", [[dlcrun, j("f.mlir"), *feed, "--quiet", "-o", j("interp.npy")]], j("ort.npy"))
    step("c", [[dlc, j("f.mlir"), "--target=c", "-o", j("f.c")],
               [dlcrun, j("f.c"), *feed, "--quiet", "-o", j("c.npy")]], j("ort.npy"))
    if cell["c"][0] != "FAIL" and interp:
        same, _ = cmp(j("interp.npy"), j("c.npy"), log, exact=True)
        cell["c"] = (cell["c"][0], cell["c"][1] + ("; == interp" if same else "; differs from interp"))
    calib = os.path.join(ind, "calib.npy")
    if not os.path.exists(calib):
        for c in COLUMNS[4:]:
            cell[c] = ("n/a", "more than one input: --calib takes one")
        return cell
    q = step("int8", [[dlc, j("f.mlir"), "--quantize", f"--calib={calib}", "--emit=qg", "-o", j("q.mlir")],
                      [dlcrun, j("q.mlir"), *feed, "--quiet", "-o", j("qi.npy")]], j("ort.npy"))
    if q:
        cell["int8"] = ("ran", cell["int8"][1])
    else:
        for c in COLUMNS[5:]:
            cell[c] = ("-", "")
        return cell
    cell["int8 cos"] = ("-", "")
    if interp:
        cell["int8 cos"] = (f"{cosine(j('interp.npy'), j('qi.npy')):.4f}", "")
    step("int8 c", [[dlc, j("q.mlir"), "--target=c", "-o", j("q.c")],
                    [dlcrun, j("q.c"), *feed, "--quiet", "-o", j("qc.npy")]], j("qi.npy"), exact=True)
    step("acc", [[dlc, j("q.mlir"), "--target=acc", "--acc-device=dpu", "-o", j("q.accbin")],
                 [dlcrun, j("q.accbin"), *feed, "--quiet", "-o", j("qa.npy"), "--report", j("acc.json")]],
         j("qi.npy"), exact=True)
    cell["acc host share"] = host_share(j("acc.json")) if os.path.exists(j("acc.json")) else ("-", "")
    if args.no_pim:
        cell["pim"] = ("skip", "--no-pim")
    else:
        step("pim", [[dlc, j("q.mlir"), "--target=pim", "-o", j("q.pimbin")],
                     [dlcrun, j("q.pimbin"), *feed, "--quiet", "-o", j("qp.npy")]], j("qi.npy"), exact=True)
    if args.no_keep:
        cell["auto-keep"] = ("skip", "--no-keep")
        return cell
    import re

    guard = [f"--auto-keep-cos={args.keep_cos}"] if args.keep_cos else ["--auto-keep"]
    ok, msg = run([dlc, j("f.mlir"), "--quantize", f"--calib={calib}", *guard, "--emit=qg", "-o", j("qk.mlir")],
                  log, args.timeout)
    log.flush()
    warn = open(os.path.join(w, "log.txt")).read().rsplit("$ ", 1)[-1]
    kept = re.search(r"--auto-keep(?:-cos=\S+)?: .*? kept wider: (.*)", warn)
    kept = kept.group(1) if kept else ""
    if ok:
        ok, msg = run([dlcrun, j("qk.mlir"), *feed, "--quiet", "-o", j("qki.npy")], log, args.timeout)
    if not ok:
        cell["auto-keep"] = ("FAIL", msg)
        return cell
    text = f"cos {cosine(j('interp.npy'), j('qki.npy')):.4f}" if interp else ""
    n = kept.count("' a16 ") + kept.count("' float ")
    text += f"; {n} layers kept" + (f" ({kept.count(chr(39) + ' float ')} float)" if n else "")
    same = []
    for tgt, extra, ext in (("c", [], "c"), ("acc", ["--acc-device=dpu"], "accbin")):
        built, why = run([dlc, j("qk.mlir"), f"--target={tgt}", *extra, "-o", j(f"qk.{ext}")], log, args.timeout)
        if not built:  # a refusal with a message (e.g. nothing left in integers), not a mismatch
            same.append(f"{tgt} refused: {why}")
            continue
        good = run([dlcrun, j(f"qk.{ext}"), *feed, "--quiet", "-o", j(f"qk{tgt}.npy")], log, args.timeout)[0] and \
            cmp(j("qki.npy"), j(f"qk{tgt}.npy"), log, exact=True)[0]
        same.append(f"{tgt} {'bit-identical' if good else 'DIFFERS'}")
    cell["auto-keep"] = ("ran", text + "; " + ", ".join(same))
    with open(j("kept.txt"), "w") as f:
        f.write(kept + "\n")
    return cell


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--work", default=os.path.join(SRC, "build", "real-eval"))
    ap.add_argument("--no-pim", action="store_true", help="skip the PIM simulator (slowest)")
    ap.add_argument("--no-keep", action="store_true", help="skip the --auto-keep column")
    ap.add_argument("--keep-cos", type=float, metavar="C",
                    help="the auto-keep column with --auto-keep-cos=C (widen until the outputs reach cosine C)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per command")
    ap.add_argument("--json", help="also write the cells as JSON")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    args.build, args.work = os.path.abspath(args.build), os.path.abspath(args.work)
    real = os.environ.get("DLC_REAL_DIR", os.path.expanduser("~/.cache/dlc-real"))
    if not os.path.exists(os.path.join(real, "ok")):
        sys.exit(f"eval.py: {real} is not ready: run scripts/real/install.sh")
    os.environ["NODE_PATH"] = os.path.join(real, "ort", "node_modules")
    rows = [m for m in manifest() if not args.names or m["name"] in args.names]
    inputs_dir = os.path.join(args.work, "inputs")
    subprocess.run([PY, os.path.join(HERE, "make_inputs.py"), inputs_dir, *[m["name"] for m in rows]], check=True)
    cells = {}
    print("| model | " + " | ".join(COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for m in rows:
        t0 = time.time()
        c = evaluate(m, args, inputs_dir, os.path.join(real, "models"))
        cells[m["name"]] = c
        text = " | ".join(f"{s} {d}".strip().replace("|", "\\|") for s, d in (c[k] for k in COLUMNS))
        print(f"| {m['name']} | {text} |", flush=True)
        print(f"  ({m['name']}: {time.time() - t0:.0f} s, log {os.path.join(args.work, m['name'], 'log.txt')})",
              file=sys.stderr, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(cells, f, indent=1)


if __name__ == "__main__":
    main()
