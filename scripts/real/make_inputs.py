#!/usr/bin/env python3
"""Fixed, seeded, realistic inputs for the real-model corpus (test/real/models.tsv).

usage: make_inputs.py OUTDIR [NAME...]        (default: every model)
Writes, per model, OUTDIR/NAME/:
  inputs       one line per graph input, in graph order: ONNX_NAME FILE
  in<k>.npy    the input the model is checked on (leading dim 1 = one sample)
  calib.npy    8 other samples of input 0, for --calib (models with one input that
               varies: Silero's sample rate and initial state are bound as constants)
Vision inputs are Fashion-MNIST images (Debian's dataset-fashion-mnist) laid out
on a page or resized, normalized as each model's own preprocessing does; audio is
a chirp plus noise at 16 kHz; recurrent state is zeros. Pure numpy, deterministic.
"""
import gzip
import os
import sys

import numpy as np

FMNIST = "/usr/share/datasets/fashion-mnist"
SR = 16000


def fmnist(split, n, seed):
    """n Fashion-MNIST images as float32 in [0, 255], chosen with a fixed seed."""
    name = "t10k-images-idx3-ubyte.gz" if split == "test" else "train-images-idx3-ubyte.gz"
    with gzip.open(os.path.join(FMNIST, name), "rb") as f:
        data = f.read()
    count = int.from_bytes(data[4:8], "big")
    x = np.frombuffer(data, np.uint8, offset=16).reshape(count, 28, 28)
    pick = np.random.default_rng(seed).choice(count, n, replace=False)
    return x[pick].astype(np.float32)


def resize(img, h, w):
    """Bilinear resize of an HxW image (align corners off, half-pixel centers)."""
    ih, iw = img.shape
    ys = np.clip((np.arange(h) + 0.5) * ih / h - 0.5, 0, ih - 1)
    xs = np.clip((np.arange(w) + 0.5) * iw / w - 0.5, 0, iw - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, ih - 1), np.minimum(x0 + 1, iw - 1)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    top = img[y0][:, x0] * (1 - fx) + img[y0][:, x1] * fx
    bot = img[y1][:, x0] * (1 - fx) + img[y1][:, x1] * fx
    return top * (1 - fy) + bot * fy


def page(items, h, w, seed):
    """Dark items on a light, slightly uneven page: an HxWx3 RGB image of whole numbers in [0, 255]."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    canvas = 225 + 20 * np.sin(3 * xx + 2 * yy + rng.random() * 6)
    size = h * 3 // 4
    step = max(size, w // len(items))
    for i, it in enumerate(items):
        x0 = i * step + rng.integers(0, max(1, step - size))
        if x0 + size > w:
            break
        y0 = (h - size) // 2
        canvas[y0 : y0 + size, x0 : x0 + size] -= 0.8 * resize(it, size, size)
    rgb = np.stack([canvas * t for t in (1.0, 0.97, 0.92)], -1)
    rgb += rng.normal(0, 2, rgb.shape)
    return np.round(np.clip(rgb, 0, 255)).astype(np.float32)  # 8-bit pixels, as decoded from an image file


def photo(item, size, seed):
    """One item filling a square RGB image of whole numbers in [0, 255], on a colored gradient."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    base = np.stack([80 + 60 * xx, 90 + 50 * yy, 120 - 40 * xx], -1)
    obj = resize(item, size, size)[..., None]
    rgb = base * (1 - obj / 255) + obj * np.array([0.9, 0.8, 0.7])
    rgb += rng.normal(0, 3, rgb.shape)
    return np.round(np.clip(rgb, 0, 255)).astype(np.float32)  # 8-bit pixels, as decoded from an image file


def chirp(n, seed, f0=200.0, f1=2500.0):
    """A chirp with a tremolo plus white noise at 16 kHz, peak about 0.5."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    dur = n / SR
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * dur))
    env = 0.35 * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))
    return (env * np.sin(phase) + rng.normal(0, 0.02, n)).astype(np.float32)


def logmel(audio):
    """openWakeWord's features for its embedding model: 32 log-mel bands, 25 ms
    windows every 10 ms (n_fft 512), 10*log10 power, top 80 dB, then x/10 + 2."""
    x = audio * 32767
    frames = 1 + (len(x) - 512) // 160
    win = np.hanning(400)
    spec = np.stack([np.abs(np.fft.rfft(np.pad(x[i * 160 : i * 160 + 400] * win, (0, 112)))) ** 2
                     for i in range(frames)])
    mel = lambda f: 2595 * np.log10(1 + f / 700)
    edges = 700 * (10 ** (np.linspace(mel(60), mel(3800), 34) / 2595) - 1)
    bins = np.fft.rfftfreq(512, 1 / SR)
    fb = np.zeros((257, 32))
    for m in range(32):
        lo, mid, hi = edges[m : m + 3]
        fb[:, m] = np.clip(np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)), 0, None)
    db = 10 * np.log10(np.maximum(spec @ fb, 1e-10))
    db = np.maximum(db, db.max() - 80)
    # 1.5: the offset from melspectrogram.onnx on the same audio (its window scaling)
    return (db / 10 + 2 - 1.5).astype(np.float32)


def ocr_norm(rgb, mean, std):
    """HxWx3 in [0, 255] to 1x3xHxW: (x/255 - mean) / std per channel."""
    x = (rgb / 255 - np.array(mean)) / np.array(std)
    return x.transpose(2, 0, 1)[None].astype(np.float32)


IMAGENET = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
HALF = ([0.5] * 3, [0.5] * 3)


def vision(make, count_items):
    """Sample 0 from test images, 8 calibration samples from training images."""
    test = fmnist("test", count_items, 1)
    train = fmnist("train", 8 * count_items, 2)
    x = make(test, 100)
    calib = np.concatenate([make(train[i * count_items : (i + 1) * count_items], 200 + i) for i in range(8)])
    return x, calib


def ppocr_det_v4():
    x, c = vision(lambda it, s: ocr_norm(page(it, 96, 256, s), *IMAGENET), 4)
    return [("x", x)], c


def ppocr_rec_v4():
    x, c = vision(lambda it, s: ocr_norm(page(it, 48, 160, s), *HALF), 4)
    return [("x", x)], c


def ppocr_cls_v2():
    x, c = vision(lambda it, s: ocr_norm(page(it, 48, 192, s), *HALF), 4)
    return [("x", x)], c


def blazeface_front():
    x, c = vision(lambda it, s: (photo(it[0], 128, s) / 127.5 - 1)[None], 1)
    return [("input:0", x)], c


def mlsd_tiny_320():
    def make(it, s):
        rgb = page(it, 320, 320, s)
        return np.concatenate([rgb, np.full((320, 320, 1), 255, np.float32)], -1)[None]
    x, c = vision(make, 1)
    return [("input_image_with_alpha:0", x)], c


def audio(make, shift=0):
    """Sample 0 and 8 calibration samples, each a different chirp."""
    x = make(0)
    calib = np.concatenate([make(10 + i) for i in range(8)])
    return x, calib


def silero_vad_v4():
    x, c = audio(lambda s: chirp(512, s)[None])
    sr = np.array(SR, np.int64)
    zeros = np.zeros((2, 1, 64), np.float32)
    return [("input", x), ("sr", sr), ("h", zeros), ("c", zeros)], c


def silero_vad_v5():
    x, c = audio(lambda s: chirp(512, s)[None])
    return [("input", x), ("state", np.zeros((2, 1, 128), np.float32)), ("sr", np.array(SR, np.int64))], c


def oww_melspectrogram():
    x, c = audio(lambda s: np.round(chirp(1760, s, 300 + 50 * s) * 32767)[None].astype(np.float32))
    return [("input", x)], c


def oww_embedding():
    # 76 frames of 10 ms: 0.775 s of audio
    x, c = audio(lambda s: logmel(chirp(512 + 75 * 160, s, 300 + 50 * s))[None, :, :, None])
    return [("input_1", x)], c


def oww_hey_jarvis():
    # 16 embeddings of 96: smooth over time, the scale of the embedding model's outputs
    def make(s):
        rng = np.random.default_rng(s)
        base = rng.normal(0, 8, (1, 96))
        return (base + np.cumsum(rng.normal(0, 1.5, (16, 96)), 0))[None].astype(np.float32)
    x, c = audio(make)
    return [("x.1", x)], c


MODELS = {f.__name__: f for f in (ppocr_det_v4, ppocr_rec_v4, ppocr_cls_v2, blazeface_front,
                                   mlsd_tiny_320, silero_vad_v4, silero_vad_v5,
                                   oww_melspectrogram, oww_embedding, oww_hey_jarvis)}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out, names = sys.argv[1], sys.argv[2:] or list(MODELS)
    for name in names:
        if name not in MODELS:
            sys.exit(f"make_inputs.py: unknown model {name}")
        inputs, calib = MODELS[name]()
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "inputs"), "w") as f:
            for k, (onnx_name, arr) in enumerate(inputs):
                np.save(os.path.join(d, f"in{k}.npy"), arr)
                f.write(f"{onnx_name} in{k}.npy\n")
        if calib is not None:
            np.save(os.path.join(d, "calib.npy"), calib)


if __name__ == "__main__":
    main()
