#!/usr/bin/env python3
"""Trains dlc's Fashion-MNIST model zoo and exports it to ONNX (opset 17).

usage: train.py [--only NAME] [--out zoo]
Models: cnn (conv-BN-ReLU), resnet (residual adds), mobilenet (depthwise
separable, ReLU6), vit (LayerNorm, attention with MatMul/Softmax, GELU).
Deterministic seeds; writes zoo/NAME.onnx, zoo/NAME.logits.npy (PyTorch float
logits on the 10,000 test images) and zoo/manifest.json. Never run in CI:
the results are checked in (scripts/zoo/build.sh skips training when the
script is unchanged).
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fmnist  # noqa: E402

torch.set_num_threads(2)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 16, 3, padding=1)
        self.b1 = nn.BatchNorm2d(16)
        self.c2 = nn.Conv2d(16, 32, 3, padding=1)
        self.b2 = nn.BatchNorm2d(32)
        self.c3 = nn.Conv2d(32, 32, 3, padding=1)
        self.b3 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        x = F.max_pool2d(F.relu(self.b2(self.c2(x))), 2)
        x = F.relu(self.b3(self.c3(x)))
        return self.fc(torch.flatten(x, 1))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return F.relu(y + (x if self.short is None else self.short(x)))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.l1 = Block(16, 16, 1)
        self.l2 = Block(16, 32, 2)
        self.l3 = Block(32, 64, 2)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.l3(self.l2(self.l1(self.stem(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def dw_block(cin, cout, stride):
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU6(),
        nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU6())


class MobileNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6())
        self.body = nn.Sequential(dw_block(16, 32, 2), dw_block(32, 64, 1), dw_block(64, 64, 2), dw_block(64, 128, 1))
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        x = self.body(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.h, self.d = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.h, self.d).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) * (self.d ** -0.5), dim=-1)
        y = torch.matmul(a, v).transpose(1, 2).reshape(b, n, c)
        return self.proj(y)


class TBlock(nn.Module):
    def __init__(self, dim, heads, mlp):
        super().__init__()
        self.n1 = nn.LayerNorm(dim)
        self.att = Attention(dim, heads)
        self.n2 = nn.LayerNorm(dim)
        self.f1 = nn.Linear(dim, mlp)
        self.f2 = nn.Linear(mlp, dim)

    def forward(self, x):
        x = x + self.att(self.n1(x))
        return x + self.f2(F.gelu(self.f1(self.n2(x))))


class ViT(nn.Module):
    def __init__(self, dim=48, depth=2, heads=2, mlp=96, patch=7):
        super().__init__()
        self.embed = nn.Conv2d(1, dim, patch, patch)
        self.pos = nn.Parameter(torch.zeros(1, (28 // patch) ** 2, dim))
        nn.init.normal_(self.pos, std=0.02)
        self.blocks = nn.Sequential(*[TBlock(dim, heads, mlp) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 10)

    def forward(self, x):
        x = self.embed(x).flatten(2).transpose(1, 2) + self.pos
        x = self.norm(self.blocks(x))
        return self.head(x.mean(1))


MODELS = {
    "cnn": (CNN, 3, 1e-3),
    "resnet": (ResNet, 3, 1e-3),
    "mobilenet": (MobileNet, 4, 2e-3),
    "vit": (ViT, 8, 2e-3),
}


def evaluate(model, x, y):
    model.eval()
    outs = []
    with torch.no_grad():
        for i in range(0, len(x), 500):
            outs.append(model(torch.from_numpy(x[i:i + 500])))
    logits = torch.cat(outs).numpy().astype(np.float32)
    return logits, float((logits.argmax(1) == y).mean() * 100)


def train(name, out):
    cls, epochs, lr = MODELS[name]
    torch.manual_seed(0)
    np.random.seed(0)
    model = cls()
    tx, ty = fmnist.load("train")
    vx, vy = fmnist.load("test")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * (len(tx) // 128))
    t0 = time.time()
    rng = np.random.RandomState(0)
    for ep in range(epochs):
        model.train()
        perm = rng.permutation(len(tx))
        for i in range(0, len(tx) - 127, 128):
            idx = perm[i:i + 128]
            xb, yb = torch.from_numpy(tx[idx]), torch.from_numpy(ty[idx])
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        _, acc = evaluate(model, vx, vy)
        print(f"{name}: epoch {ep + 1}/{epochs} test accuracy {acc:.2f}% ({time.time() - t0:.0f} s)", flush=True)
    secs = time.time() - t0
    logits, acc = evaluate(model, vx, vy)
    model.eval()
    path = os.path.join(out, f"{name}.onnx")
    torch.onnx.export(model, torch.from_numpy(vx[:1]), path, opset_version=17, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    np.save(os.path.join(out, f"{name}.logits.npy"), logits)
    params = sum(p.numel() for p in model.parameters())
    return {"accuracy": round(acc, 2), "params": params, "opset": 17, "epochs": epochs,
            "train_seconds": round(secs, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", action="append")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "zoo"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    mpath = os.path.join(a.out, "manifest.json")
    manifest = json.load(open(mpath)) if os.path.exists(mpath) else {}
    sha = hashlib.sha256(open(__file__, "rb").read()).hexdigest()
    for name in a.only or list(MODELS):
        info = train(name, a.out)
        info["script_sha256"] = sha
        manifest[name] = info
        with open(mpath, "w") as f:
            json.dump(manifest, f, indent=2, sort_keys=True)
            f.write("\n")
        print(name, info, flush=True)


if __name__ == "__main__":
    main()
