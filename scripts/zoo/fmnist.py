#!/usr/bin/env python3
"""Fashion-MNIST from Debian's dataset-fashion-mnist as .npy files.

usage: fmnist.py OUTDIR [N]
Writes test_x.npy (10000x1x28x28 float32, normalized), test_y.npy (int64),
calib_x.npy / calib_y.npy (N training images, default 1000; fixed permutation,
seed 0, so the first 1000 of any N are the default set).
Pure numpy, deterministic, a few seconds.
"""
import gzip
import os
import sys

import numpy as np

ROOT = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530


def images(name):
    with gzip.open(os.path.join(ROOT, name), "rb") as f:
        data = f.read()
    n = int.from_bytes(data[4:8], "big")
    x = np.frombuffer(data, np.uint8, offset=16).reshape(n, 1, 28, 28)
    return ((x.astype(np.float32) / 255.0 - MEAN) / STD).astype(np.float32)


def labels(name):
    with gzip.open(os.path.join(ROOT, name), "rb") as f:
        data = f.read()
    return np.frombuffer(data, np.uint8, offset=8).astype(np.int64)


def load(split):
    if split == "train":
        return images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
    return images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")


def calibration(n=1000):
    x, y = load("train")
    idx = np.random.RandomState(0).permutation(len(x))[:n]
    return x[idx], y[idx]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    tx, ty = load("test")
    np.save(os.path.join(out, "test_x.npy"), tx)
    np.save(os.path.join(out, "test_y.npy"), ty)
    cx, cy = calibration(int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
    np.save(os.path.join(out, "calib_x.npy"), cx)
    np.save(os.path.join(out, "calib_y.npy"), cy)


if __name__ == "__main__":
    main()
