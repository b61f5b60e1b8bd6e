#!/usr/bin/env python3
"""Compile an ONNX model to C with dlc's Python module: import, dlc's float
clean-up passes, calibration and quantization, C code.

usage: compile.py MODEL.onnx CALIB.npy OUTDIR [NAME] [KEY=VALUE...]
KEY=VALUE are quantize options (wbits=4, calib_method=entropy, ...).
Writes OUTDIR/NAME.c, OUTDIR/NAME.h and OUTDIR/NAME.mlir (the integer IR).
Run it with DLC_LIB=path/to/libdlc.so.0 unless dlc is installed; dlc.py is
found beside this folder (python/) or through PYTHONPATH.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import numpy as np  # noqa: E402

import dlc  # noqa: E402


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    model, calib, outdir = sys.argv[1:4]
    name = sys.argv[4] if len(sys.argv) > 4 and "=" not in sys.argv[4] else "model"
    options = dict(kv.split("=", 1) for kv in sys.argv[4:] if "=" in kv)
    ctx = dlc.Context()
    try:
        m = ctx.import_onnx(model)
        m.run_passes(dlc.PIPELINE_FLOAT)
        m.quantize(calib=np.load(calib), **options)
        m.emit("c", outdir, name=name)
    except dlc.Error as e:
        sys.exit("compile.py: error: %s" % e)
    with open(os.path.join(outdir, name + ".mlir"), "w") as f:
        f.write(m.text())
    for w in ctx.warnings:
        print("warning:", w, file=sys.stderr)
    print("dlc %s: %s.c, %s.h in %s" % (dlc.version(), name, name, outdir))


if __name__ == "__main__":
    main()
