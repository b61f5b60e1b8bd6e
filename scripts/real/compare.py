#!/usr/bin/env python3
"""Compares every output of a run with a reference run.

usage: compare.py REF.npy GOT.npy [--rtol R] [--atol A] [--exact] [--min-snr DB] [--quiet]
Output k is REF.npy.k.npy / GOT.npy.k.npy for k >= 1 (dlc-run's and ort_run.js's
convention); the reference decides how many outputs there are. Prints one line per
output: max |diff|, max |diff| / |ref| where |ref| > atol, the share of elements
outside |diff| <= atol + rtol |ref|, and SNR in dB (reference power over error
power). Exits 0 when every element of every output is within tolerance (--exact:
bit-identical; --min-snr: every output's SNR at least DB, for integer
models, whose elements are not expected within float tolerance), 1 otherwise, 2 when files are missing or shapes differ.
"""
import argparse
import os
import sys

import numpy as np


def outputs(first):
    files, k = [first], 1
    while os.path.exists(f"{first}.{k}.npy"):
        files.append(f"{first}.{k}.npy")
        k += 1
    return files


def compare(ref, got, rtol, atol, exact, min_snr):
    if ref.shape != got.shape:
        return None, f"shape {got.shape}, expected {ref.shape}"
    if exact:
        same = ref.dtype == got.dtype and ref.tobytes() == got.tobytes()
        return same, "bit-identical" if same else f"differs in {int(np.sum(ref != got))} of {ref.size}"
    r, g = np.atleast_1d(ref).astype(np.float64), np.atleast_1d(got).astype(np.float64)
    diff = np.abs(r - g)
    diff[np.isnan(r) & np.isnan(g)] = 0
    diff[np.isnan(diff)] = np.inf
    big = np.abs(r) > atol
    rel = float((diff[big] / np.abs(r[big])).max()) if big.any() else 0.0
    bad = int(np.sum(diff > atol + rtol * np.abs(r)))
    noise = float(np.mean(diff**2)) if np.isfinite(diff).all() else np.inf
    power = float(np.mean(r**2))
    snr = 10 * np.log10(power / noise) if noise > 0 else np.inf
    text = (f"max |diff| {diff.max():.3g}, max rel {rel:.3g}, "
            f"{bad} of {ref.size} outside, SNR {snr:.1f} dB")
    return (bad == 0 if min_snr is None else snr >= min_snr), text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ref")
    ap.add_argument("got")
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--atol", type=float, default=1e-4)
    ap.add_argument("--exact", action="store_true")
    ap.add_argument("--min-snr", type=float)
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    ok = True
    for k, rf in enumerate(outputs(a.ref)):
        gf = a.got if k == 0 else f"{a.got}.{k}.npy"
        if not os.path.exists(gf):
            print(f"output {k}: missing {gf}")
            sys.exit(2)
        good, text = compare(np.load(rf), np.load(gf), a.rtol, a.atol, a.exact, a.min_snr)
        if good is None:
            print(f"output {k}: {text}")
            sys.exit(2)
        ok &= good
        if not a.quiet:
            print(f"output {k}: {'ok' if good else 'FAIL'}: {text}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
