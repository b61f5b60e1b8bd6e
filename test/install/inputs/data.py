#!/usr/bin/env python3
"""Data for the consumer test (test/install/consumer.test).

usage: data.py samples DIR   DIR/calib.npy: 100 Fashion-MNIST training images;
                             DIR/x.npy and DIR/x.f32 (raw): 4 test images
       data.py expect REF.npy
                             FileCheck lines for what examples/cmake/main.c (and main.cpp) prints
                             on those images when the model computes REF
       data.py scale FILE.npy
                             the samples times 1.5, in place (a new calibration)
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts", "zoo"))
import fmnist  # noqa: E402


def samples(out):
    calib, _ = fmnist.calibration(100)
    x = fmnist.load("test")[0][:4]
    np.save(os.path.join(out, "calib.npy"), calib)
    np.save(os.path.join(out, "x.npy"), x)
    x.astype("<f4").tofile(os.path.join(out, "x.f32"))


def expect(ref):
    y = np.load(ref).astype("<f4")
    y = y.reshape(len(y), -1)
    for n, row in enumerate(y):
        bits = " ".join("%08x" % b for b in row.view("<u4"))
        print("CHECK%s: sample %d: class %d: %s" % ("-NEXT" if n else "", n, int(np.argmax(row)), bits))
    print("CHECK-NOT: sample")


def scale(path):
    np.save(path, (np.load(path) * 1.5).astype(np.float32))


if __name__ == "__main__":
    {"samples": samples, "expect": expect, "scale": scale}[sys.argv[1]](sys.argv[2])
