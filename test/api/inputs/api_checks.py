"""python/dlc.py's checks beyond the example: errors as dlc.Error, files in
memory, warnings, a text round trip, and what it repeats of dlc.h.

usage: api_checks.py SRC MODEL CALIB.npy CLI_DIR  (CLI_DIR: dlc's cnn.c/cnn.h/cnn.mlir)
Prints one line per check for FileCheck."""
import os
import re
import sys

src, model, calib, cli = sys.argv[1:5]
sys.path.insert(0, os.path.join(src, "python"))
import numpy as np  # noqa: E402

import dlc  # noqa: E402

header = open(os.path.join(src, "include/dlc/dlc.h")).read()
version_h = open(os.path.join(src, "include/dlc/version.h")).read()
print("pipeline as the header:", re.search(r'#define DLC_PIPELINE_FLOAT "([^"]+)"', header).group(1) == dlc.PIPELINE_FLOAT)
print("soversion as version.h:", int(re.search(r"DLC_VERSION_MAJOR (\d+)", version_h).group(1)) == dlc.SOVERSION)
print("version:", dlc.version())


def read(name):
    with open(os.path.join(cli, name), "rb") as f:
        return f.read()


ctx = dlc.Context()
for what, call in [
    ("missing", lambda: ctx.import_onnx("no/such/model.onnx")),
    ("pipeline", lambda: ctx.import_onnx(model).run_passes("fold-bn,no-such-pass")),
    ("pass-option", lambda: ctx.import_onnx(model).run_passes("quantize{wbits=1}")),
    ("quantize-option", lambda: ctx.import_onnx(model).quantize(calib, wbits=4, calib_method="median")),
    ("quantize-shape", lambda: ctx.import_onnx(model).quantize(np.zeros((3, 10), np.float32))),
    ("target", lambda: ctx.import_onnx(model).emit("fpga")),
    ("parse", lambda: ctx.parse("func.func @main( {")),
]:
    try:
        call()
        print(what, "raised nothing")
    except dlc.Error as e:
        print("%s: dlc.Error %d: %s" % (what, e.status, str(e).replace("\n", " | ")))

# the CLI's bytes from memory, and again from the printed text
m = ctx.import_onnx(model).run_passes(dlc.PIPELINE_FLOAT)
m.quantize(calib=np.load(calib), wbits=4, wbits_small=4, calib_method="entropy", wround="nearest")
files = m.emit("c", name="cnn")
print("memory files:", sorted(files))
print("memory as dlc:", files["cnn.c"] == read("cnn.c") and files["cnn.h"] == read("cnn.h"))
print("text as dlc:", m.text().encode() == read("cnn.mlir"))
again = ctx.parse(m.text()).emit("c", name="cnn")
print("text round trip: same C:", again["cnn.c"].split(b"\n", 1)[1] == files["cnn.c"].split(b"\n", 1)[1])
print("warnings:", ctx.warnings)

# a warning reaches on_warning, named by its node
seen = []
wctx = dlc.Context(on_warning=seen.append)
bn = os.path.join(os.path.dirname(calib), "bn")
w = wctx.import_onnx(os.path.join(bn, "conv_bn.onnx")).run_passes(dlc.PIPELINE_FLOAT)
w.quantize(calib=os.path.join(bn, "bn_x.npy"), wbits=16, abits=16)
print("on_warning:", seen)
