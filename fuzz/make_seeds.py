#!/usr/bin/env python3
"""Seed corpora for the libFuzzer entries, from real files.

usage: make_seeds.py DLC OUTDIR [TARGET...]
Writes OUTDIR/<target>/ for onnx, npy, config, device, accbin, pimbin,
compress (default: all): ONNX backend test models under 8 KB
(/usr/share/libonnx-testdata) and the repo's small test models; .npy
arrays of every dtype numpy writes and the repo's; the repo's --config and
device JSON files; .accbin / .pimbin compiled by DLC (a dlc binary) from the
small test models; inputs of each compress operation. Nothing is checked in:
CI and fuzz/run-libfuzzer.sh make them. Needs numpy and onnx."""
import glob
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
TESTDATA = "/usr/share/libonnx-testdata/data"


def put(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def models(work):
    """The repo's small test models, written into work, and small.onnx: a
    2 x 1 MatMul, whose .pimbin is 7..30 KB (tiny.onnx's is 173 KB)."""
    for script in ("test/quant/inputs/make_tiny.py", "test/safety/inputs/make_models.py"):
        subprocess.run([sys.executable, os.path.join(SRC, script), work], check=True)
    import onnx
    from onnx import TensorProto as T, helper as h, numpy_helper as nh
    g = h.make_graph([h.make_node("MatMul", ["x", "w"], ["y"], name="fc")], "small",
                     [h.make_tensor_value_info("x", T.FLOAT, [1, 2])], [h.make_tensor_value_info("y", T.FLOAT, [1, 1])],
                     [nh.from_array(np.array([[0.5], [-0.25]], np.float32), "w")])
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 17)]), os.path.join(work, "small.onnx"))
    np.save(os.path.join(work, "sx.npy"), np.linspace(-1, 1, 64, dtype=np.float32).reshape(32, 1, 2))


def onnx_seeds(d, work):
    for path in sorted(glob.glob(os.path.join(TESTDATA, "*", "*", "model.onnx"))):
        if os.path.getsize(path) <= 8192:
            parts = path.split(os.sep)
            shutil.copy(path, os.path.join(d, parts[-3] + "-" + parts[-2] + ".onnx"))
    for m in glob.glob(os.path.join(work, "*.onnx")):
        shutil.copy(m, os.path.join(d, "dlc-" + os.path.basename(m)))


def npy_seeds(d, work):
    rng = np.random.default_rng(1)
    for dt in ("<f4", "<f8", "<f2", "i1", "u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "?"):
        a = (rng.uniform(-3, 3, (2, 3)) * 10).astype(dt)
        with open(os.path.join(d, "a%s.npy" % dt.replace("<", "").replace("?", "bool")), "wb") as f:
            np.save(f, a)
    for name, a in (("scalar", np.float32(1.5)), ("empty", np.zeros((0, 4), np.float32)),
                    ("rank8", np.zeros((1,) * 8, np.float32)), ("fortran", np.asfortranarray(np.ones((2, 3), np.float32))),
                    ("big-endian", np.ones(3, ">f4")), ("image", rng.uniform(-1, 1, (1, 1, 4, 4)).astype(np.float32))):
        with open(os.path.join(d, name + ".npy"), "wb") as f:
            np.save(f, a)
    for m in glob.glob(os.path.join(work, "*.npy")):
        if os.path.getsize(m) <= 4096:
            shutil.copy(m, os.path.join(d, "dlc-" + os.path.basename(m)))


def config_seeds(d, work):
    for p in glob.glob(os.path.join(SRC, "test", "*", "inputs", "*.json")):
        shutil.copy(p, os.path.join(d, os.path.basename(p)))
    put(d, "all-keys.json", b'{"defaults": {"wbits": 8, "abits": 8, "granularity": "per_channel", "scheme": "asymmetric", '
        b'"pow2": false, "wclip": "mse", "outliers": 0.01, "outlier_bits": 8, "calibration": "percentile=99.99", '
        b'"calibration_samples": 1000, "prune_compensation": "bias", "prune_samples": 10, "weight_rounding": "gptq"}, '
        b'"nodes": {"conv1": {"wbits": 4, "calibration": "mse", "prune": "nm:2:4"}, "fc": {"keep_float": true}, '
        b'"c2": {"wclip": "omse", "scheme": "symmetric", "granularity": "per_tensor", "prune": "unstructured:0.5"}}}\n')


def device_seeds(d, work):
    for p in glob.glob(os.path.join(SRC, "targets", "*", "devices", "*.json")):
        shutil.copy(p, os.path.join(d, os.path.basename(p)))


def binary_seeds(dlc, d, work, target):
    if target == "acc":
        runs = [(m, c, dev) for m, c in (("tiny", "calib"), ("conv", "cx"), ("blocks", "x"), ("small", "sx"))
                for dev in (["--acc-device=dpu"], ["--acc-device=edge", "--pow2"])]
    else:  # PIM programs grow with bits squared: the small models at low widths keep seeds under 60 KB
        runs = [("small", "sx", ["--wbits=%d" % b, "--abits=%d" % b]) for b in (2, 4, 8)]
        runs += [("tiny", "calib", ["--wbits=2", "--abits=2"]), ("conv", "cx", ["--wbits=2", "--abits=2"])]
    for i, (model, calib, flags) in enumerate(runs):
        out = os.path.join(d, "%s-%d.%sbin" % (model, i, target))
        subprocess.run([dlc, os.path.join(work, model + ".onnx"), "--quantize", "--calib=" + os.path.join(work, calib + ".npy"),
                        "--target=" + target] + flags + ["-o", out], check=True)


def compress_seeds(d, work):
    rng = np.random.default_rng(2)
    for i in range(24):  # op, then the 7 parameter bytes, then the operation's own bytes and data
        head = bytes([i % 3]) + bytes(rng.integers(0, 256, 7, dtype=np.uint8))
        put(d, "op%d-%02d" % (i % 3, i), head + bytes(rng.integers(0, 256, 64 + 32 * i, dtype=np.uint8)))


def main():
    dlc, out = sys.argv[1], sys.argv[2]
    targets = sys.argv[3:] or ["onnx", "npy", "config", "device", "accbin", "pimbin", "compress"]
    work = os.path.join(out, "models")
    os.makedirs(work, exist_ok=True)
    models(work)
    for t in targets:
        d = os.path.join(out, t)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        if t in ("accbin", "pimbin"):
            binary_seeds(dlc, d, work, t[:3])
        else:
            {"onnx": onnx_seeds, "npy": npy_seeds, "config": config_seeds, "device": device_seeds,
             "compress": compress_seeds}[t](d, work)
        print("%s: %d seeds" % (t, len(os.listdir(d))))


if __name__ == "__main__":
    main()
