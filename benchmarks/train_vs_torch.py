"""Epoch time of the generated code (symbp's trainer) vs PyTorch on the same network.

Same initial parameters (from the generated module's ``init_params``), same batch order (one
permutation per epoch from the same seeded generator), same batch size, float32, 2 threads
for both (``torch.set_num_threads(2)``; OpenBLAS uses the 2 cores).  Prints per-epoch
training seconds, the ratio generated/torch, both test accuracies, and the achieved GFLOP/s
against a NumPy float32 matmul ceiling measured in the same run.  Epochs are interleaved
(generated, torch, generated, ...) so that both see the same machine load.

FLOPs counted per batch of B samples, 2·m·n·k per product: forward ``X_{l-1} W_l`` for every
layer, weight gradients ``X_{l-1}ᵀ Δ_l`` for every layer, and the backward products
``Δ_l W_lᵀ`` for l ≥ 2 only (the input-layer delta is never needed).

    SYMBP_DATA=/work/shared/data/mnist python benchmarks/train_vs_torch.py
    python benchmarks/train_vs_torch.py --layers 784,300,100,10 --hidden relu --lr 0.1 ...
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

THREADS = next((a.split("=")[1] for a in sys.argv if a.startswith("--threads=")), "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", THREADS)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import itertools

import numpy as np

from symbp import data as data_mod
from symbp import train as tr


def flops_per_epoch(layers, n, batch) -> float:
    per_sample = 0
    for i, (a, b) in enumerate(itertools.pairwise(layers)):
        per_sample += 2 * a * b * (3 if i > 0 else 2)  # forward + dW (+ backward delta)
    return float(per_sample) * n  # batches × B = n (the last batch may be smaller)


def matmul_ceiling(reps=5, size=1024) -> float:
    """Best float32 GFLOP/s of a square NumPy matmul (the same BLAS the trainer uses)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    out = np.empty_like(a)
    best = np.inf
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(4):
            np.matmul(a, b, out=out)
        best = min(best, (time.perf_counter() - t) / 4)
    return 2 * size**3 / best / 1e9


class TorchRun:
    """The same network in PyTorch (autograd + torch.optim.SGD), one epoch per call."""

    def __init__(self, cfg, prep, init):
        import torch
        import torch.nn.functional as F

        torch.set_num_threads(int(THREADS))
        self.torch, self.F, self.cfg, self.prep = torch, F, cfg, prep
        self.act = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh}[cfg.hidden]
        self.params = []
        for W, b in init:
            self.params += [torch.tensor(W, requires_grad=True),
                            torch.tensor(b, requires_grad=True)]
        self.opt = torch.optim.SGD(self.params, lr=cfg.lr, momentum=cfg.momentum)
        self.X = torch.from_numpy(prep.x_train)
        self.Y = torch.from_numpy(prep.y_train)
        self.labels = torch.from_numpy(prep.labels_train.astype(np.int64))
        self.rng = np.random.default_rng(cfg.seed)  # the same permutations as symbp's SGD
        self.done = 0

    def forward(self, x):
        p = self.params
        for i in range(0, len(p), 2):
            x = x @ p[i] + p[i + 1]
            if i + 2 < len(p):
                x = self.act(x)
        return x

    def loss(self, z, yb, lb):
        cfg, torch = self.cfg, self.torch
        if cfg.output == "softmax":
            return self.F.cross_entropy(z, lb)
        a = torch.sigmoid(z)
        if cfg.loss == "bce":
            return self.F.binary_cross_entropy(a, yb, reduction="sum") / len(z)
        return 0.5 * ((a - yb) ** 2).sum() / len(z)

    def epoch(self) -> float:
        for g in self.opt.param_groups:
            g["lr"] = tr.lr_at(self.cfg, self.done)
        n, B = len(self.X), self.cfg.batch_size
        order = self.torch.from_numpy(self.rng.permutation(n))
        t = time.perf_counter()
        batches = -(-n // B)
        per_iteration = self.cfg.lr_schedule.split(":")[0] in tr.PER_ITERATION
        for k in range(0, n, B):
            if per_iteration:  # the same rate per batch as symbp's SGD
                for g in self.opt.param_groups:
                    g["lr"] = tr.lr_at(self.cfg, self.done + (k // B) / batches)
            idx = order[k:k + B]
            self.opt.zero_grad(set_to_none=True)
            self.loss(self.forward(self.X[idx]), self.Y[idx], self.labels[idx]).backward()
            self.opt.step()
        self.done += 1
        return time.perf_counter() - t

    def accuracy(self) -> float:
        with self.torch.no_grad():
            pred = self.forward(self.torch.from_numpy(self.prep.x_test)).argmax(1).numpy()
        return float(np.mean(pred == self.prep.labels_test))


def breakdown(sgd, cfg, prep) -> None:
    """Where a generated epoch goes: gather, loss_and_gradients, update vs bare BLAS."""
    X, Y, B, lag = prep.x_train, prep.y_train, sgd.B, sgd.module.loss_and_gradients
    order = np.random.default_rng(0).permutation(len(X))
    parts = {"gather": 0.0, "loss_and_gradients": 0.0, "update": 0.0}
    lr = np.float32(1e-3)
    for k in range(len(X) // B):
        t0 = time.perf_counter()
        xb, yb = sgd._gather(order[k * B:(k + 1) * B])
        t1 = time.perf_counter()
        _, grads = (lag(sgd.params, xb, yb, out=sgd.out) if sgd.out
                    else lag(sgd.params, xb, yb))
        t2 = time.perf_counter()
        sgd._update(grads, lr, np.float32(cfg.momentum), np.float32(0))
        parts["gather"] += t1 - t0
        parts["loss_and_gradients"] += t2 - t1
        parts["update"] += time.perf_counter() - t2
    # the same matrix products with preallocated outputs: what BLAS alone needs
    rng = np.random.default_rng(0)
    layers = cfg.layers
    A = [rng.standard_normal((B, n), dtype=np.float32) for n in layers]
    W = [rng.standard_normal((a, b), dtype=np.float32) for a, b in itertools.pairwise(layers)]
    Z = [np.empty((B, b), np.float32) for b in layers[1:]]
    G = [np.empty_like(w) for w in W]
    D = [np.empty((B, a), np.float32) for a in layers[:-1]]
    t0 = time.perf_counter()
    for _ in range(len(X) // B):
        for i in range(len(W)):
            np.matmul(A[i], W[i], out=Z[i])
            np.matmul(A[i].T, A[i + 1], out=G[i])
            if i > 0:
                np.matmul(A[i + 1], W[i].T, out=D[i])
    blas = time.perf_counter() - t0
    total = sum(parts.values())
    print("breakdown of one generated epoch (seconds): " + ", ".join(
        f"{k} {v:.3f}" for k, v in parts.items()) + f"; total {total:.3f}")
    print(f"bare BLAS products of the same shapes: {blas:.3f}s; generated loss_and_gradients "
          f"spends {parts['loss_and_gradients'] - blas:.3f}s outside them")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--layers", default="784,100,10")
    p.add_argument("--hidden", default="sigmoid")
    p.add_argument("--output", default="softmax")
    p.add_argument("--loss", default="ce")
    p.add_argument("--batch-size", type=int, default=200)
    p.add_argument("--lr", type=float, default=2.0)
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--init", default="xavier")
    p.add_argument("--lr-schedule", default="const")
    p.add_argument("--normalize", default="whiten")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--module", default=None, help="generated module (default: codegen cache)")
    p.add_argument("--threads", default=THREADS, help="BLAS/torch threads, as --threads=N "
                   "(default 2)")
    p.add_argument("--breakdown", action="store_true",
                   help="also time the parts of one generated epoch (gather, generated "
                        "loss_and_gradients, update) against the bare BLAS products")
    args = p.parse_args(argv)
    cfg = tr.TrainConfig(layers=tuple(int(s) for s in args.layers.split(",")),
                         hidden=args.hidden, output=args.output, loss=args.loss,
                         epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                         seed=args.seed, init=args.init, momentum=args.momentum,
                         lr_schedule=args.lr_schedule, normalize=args.normalize)
    cfg.validate()
    path = args.module or tr.generate_module(cfg)
    module = tr.load_module(path)
    prep = tr.prepare(data_mod.load("mnist"), cfg, module.DTYPE)
    init = [(W.copy(), b.copy()) for W, b in module.init_params(seed=cfg.seed, scheme=cfg.init)]

    ceiling = matmul_ceiling()
    sgd, torch_run = tr.SGD(module, cfg, prep), TorchRun(cfg, prep, init)
    g_secs, t_secs = [], []
    g_accs, t_accs = [], []
    for _ in range(cfg.epochs):  # interleaved, so both see the same machine load
        g_secs.append(sgd.train_epoch()[1])
        t_secs.append(torch_run.epoch())
        g_accs.append(tr.evaluate_params(module, sgd.params, prep)["test_accuracy"])
        t_accs.append(torch_run.accuracy())  # evaluation is not timed
    g_acc, t_acc = g_accs[-1], t_accs[-1]
    ceiling = max(ceiling, matmul_ceiling())  # measured before and after: the better one
    flops = flops_per_epoch(cfg.layers, len(prep.x_train), cfg.batch_size)

    print(f"network {args.layers} {cfg.hidden}/{cfg.output}/{cfg.loss}, batch {cfg.batch_size}, "
          f"float32, {THREADS} thread(s), {cfg.epochs} epochs, module {path}")
    print(f"matmul ceiling (NumPy float32 1024^3): {ceiling:.1f} GFLOP/s; "
          f"{flops / 1e9:.1f} GFLOP per epoch")
    g, t = min(g_secs), min(t_secs)  # best epoch of each (noise on a shared machine)
    for name, secs, acc in (("generated", g_secs, g_acc),
                            ("pytorch", t_secs, t_acc)):
        best = min(secs)
        print(f"{name:>9}: epoch seconds {' '.join(f'{s:.3f}' for s in secs)}  best {best:.3f}s "
              f"= {flops / best / 1e9:.1f} GFLOP/s ({100 * flops / best / 1e9 / ceiling:.0f}% of "
              f"ceiling)  test accuracy {100 * acc:.2f}%")
    print(f"ratio generated/pytorch (best epoch): {g / t:.3f}   "
          f"(median epochs: {np.median(g_secs) / np.median(t_secs):.3f})")
    for name, secs, accs in (("generated", g_secs, g_accs), ("pytorch", t_secs, t_accs)):
        cum = np.cumsum(secs)
        print(f"{name:>9}: test accuracy per epoch "
              + " ".join(f"{100 * a:.2f}% ({c:.2f}s)" for a, c in zip(accs, cum)))
    if args.breakdown:
        breakdown(sgd, cfg, prep)


if __name__ == "__main__":
    main()
