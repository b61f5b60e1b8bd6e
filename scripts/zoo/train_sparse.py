#!/usr/bin/env python3
"""Trains activation-sparse variants of zoo models for activation compression
(docs/compression.md): the same architecture and recipe as train.py, plus an
L1 penalty on every ReLU output, lambda * sum over ReLUs of mean |a|, which
drives more activations to exactly zero (what zero-value compression stores
in one bit). Writes zoo/NAME_sparse.onnx, its logits and its manifest entry.

usage: train_sparse.py [--only cnn|resnet|mobilenet] [--l1 LAMBDA] [--epochs N] [--finetune EPOCHS] [--out zoo]
Never run in CI, nor by build.sh: the results are checked in (zoo/cnn_sparse
was trained with the default lambda 0.5: 90.06% float test accuracy against
the plain CNN's 90.68%, 70.6% zero activations against 43%).
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fmnist  # noqa: E402
import train as base  # noqa: E402


class SparseCNN(base.CNN):
    """base.CNN, keeping its ReLU outputs for the penalty."""

    def forward(self, x):
        a1 = F.relu(self.b1(self.c1(x)))
        a2 = F.relu(self.b2(self.c2(F.max_pool2d(a1, 2))))
        a3 = F.relu(self.b3(self.c3(F.max_pool2d(a2, 2))))
        self.acts = [a1, a2, a3]
        return self.fc(torch.flatten(a3, 1))


class SparseResNet(base.ResNet):
    """base.ResNet, keeping its ReLU outputs (stem, inside and after each block)
    and each block's second convolution before the residual add for the
    penalty: that tensor has no ReLU, but the C target stores it, and the
    values the penalty pulls inside half a quantization step become the zero
    point, which zero-value compression stores in one bit."""

    def forward(self, x):
        acts = []
        x = self.stem(x)
        acts.append(x)
        for blk in (self.l1, self.l2, self.l3):
            y = F.relu(blk.b1(blk.c1(x)))
            acts.append(y)
            y = blk.b2(blk.c2(y))
            acts.append(y)
            x = F.relu(y + (x if blk.short is None else blk.short(x)))
            acts.append(x)
        self.acts = acts
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class SparseMobileNet(base.MobileNet):
    """base.MobileNet, keeping every ReLU6 output for the penalty."""

    def forward(self, x):
        acts = []
        for m in list(self.stem) + [layer for blk in self.body for layer in blk]:
            x = m(x)
            if isinstance(m, torch.nn.ReLU6):
                acts.append(x)
        self.acts = acts
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


MODELS = {"cnn": (SparseCNN, 3, 1e-3), "resnet": (SparseResNet, 3, 1e-3), "mobilenet": (SparseMobileNet, 4, 2e-3)}


def train(name, lam, out, finetune=0, epochs=0):
    cls, base_epochs, lr = MODELS[name]
    epochs = epochs or base_epochs
    torch.manual_seed(0)
    np.random.seed(0)
    model = cls()
    tx, ty = fmnist.load("train")
    vx, vy = fmnist.load("test")
    # from scratch with the penalty; or (finetune > 0) the plain recipe first,
    # then `finetune` epochs with the penalty at a tenth of the learning rate
    phases = [(epochs, lr, 0.0), (finetune, lr / 10, lam)] if finetune else [(epochs, lr, lam)]
    t0 = time.time()
    rng = np.random.RandomState(0)
    for n_ep, p_lr, p_lam in phases:
        opt = torch.optim.Adam(model.parameters(), lr=p_lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, n_ep * (len(tx) // 128))
        for ep in range(n_ep):
            model.train()
            perm = rng.permutation(len(tx))
            for i in range(0, len(tx) - 127, 128):
                idx = perm[i:i + 128]
                xb, yb = torch.from_numpy(tx[idx]), torch.from_numpy(ty[idx])
                loss = F.cross_entropy(model(xb), yb) + p_lam * sum(a.abs().mean() for a in model.acts)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
            _, acc = base.evaluate(model, vx, vy)
            zeros = float(np.mean([(a == 0).float().mean().item() for a in model.acts]))
            print(f"{name}_sparse: lambda {p_lam} epoch {ep + 1}/{n_ep} test accuracy {acc:.2f}%, "
                  f"last batch ReLU zeros {zeros * 100:.1f}% ({time.time() - t0:.0f} s)", flush=True)
    secs = time.time() - t0
    logits, acc = base.evaluate(model, vx, vy)
    model.eval()
    path = os.path.join(out, f"{name}_sparse.onnx")
    torch.onnx.export(model, torch.from_numpy(vx[:1]), path, opset_version=17, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    np.save(os.path.join(out, f"{name}_sparse.logits.npy"), logits)
    params = sum(p.numel() for p in model.parameters())
    info = {"accuracy": round(acc, 2), "params": params, "opset": 17, "epochs": epochs, "l1": lam,
            "train_seconds": round(secs, 1)}
    if finetune:
        info["finetune_epochs"] = finetune
    return info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", action="append")
    ap.add_argument("--l1", type=float, default=0.5)
    ap.add_argument("--epochs", type=int, default=0, help="epochs (default: the plain recipe's)")
    ap.add_argument("--finetune", type=int, default=0,
                    help="train the plain recipe first, then this many epochs with the penalty at lr / 10")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "zoo"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    mpath = os.path.join(a.out, "manifest.json")
    manifest = json.load(open(mpath)) if os.path.exists(mpath) else {}
    sha = hashlib.sha256(open(__file__, "rb").read()).hexdigest()
    for name in a.only or list(MODELS):
        info = train(name, a.l1, a.out, a.finetune, a.epochs)
        info["script_sha256"] = sha
        manifest[f"{name}_sparse"] = info
        with open(mpath, "w") as f:
            json.dump(manifest, f, indent=2, sort_keys=True)
            f.write("\n")
        print(f"{name}_sparse", info, flush=True)


if __name__ == "__main__":
    main()
