"""A generated convolutional network (``train --arch``) vs the same network in PyTorch.

Same initial parameters (the generated module's ``init_params``), same batch order (one
permutation per epoch from the same seeded generator), same learning-rate schedule, batch
size and momentum, float32, 2 threads for both (``torch.set_num_threads``; OpenBLAS on the
2 cores).  Epochs are interleaved (generated, torch, generated, …) so that both see the
same machine load.  Prints per-epoch training seconds and test accuracies, the epoch-time
ratio generated/PyTorch, the training time to 99.0 % test accuracy of each, and the peak
resident memory of the process (both implementations live in it).

PyTorch is a benchmark oracle only; symbp never imports it at run time.

    SYMBP_DATA=/work/shared/data/mnist python benchmarks/cnn_vs_torch.py
    python benchmarks/cnn_vs_torch.py --epochs 2 --arch conv5x5x8,relu,maxpool2,flatten,dense10
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

THREADS = next((a.split("=")[1] for a in sys.argv if a.startswith("--threads=")), "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", THREADS)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from symbp import data as data_mod
from symbp import train as tr
from symbp.commands.train import _arch_layers
from symbp.experiments_cnn import CNN, TARGET


class TorchCNN:
    """The network of ``module.ARCH`` in PyTorch (autograd + torch.optim.SGD)."""

    def __init__(self, module, cfg, prep, init):
        import torch
        import torch.nn.functional as F

        torch.set_num_threads(int(THREADS))
        self.torch, self.F, self.cfg, self.prep, self.arch = torch, F, cfg, prep, module.ARCH
        self.shape = module.INPUT_SHAPE
        self.params = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
                       for W, b in init]
        flat = [t for pair in self.params for t in pair]
        self.opt = torch.optim.SGD(flat, lr=cfg.lr, momentum=cfg.momentum)
        self.X = torch.from_numpy(prep.x_train).reshape(-1, *self.shape)
        self.labels = torch.from_numpy(prep.labels_train.astype(np.int64))
        self.rng = np.random.default_rng(cfg.seed)  # the same permutations as symbp's SGD
        self.done = 0
        self.acts = {"relu": F.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}

    def forward(self, h):
        F = self.F
        weights = iter(self.params)
        for kind, *args in self.arch:
            if kind == "conv":
                K, b = next(weights)
                h = F.conv2d(h, K, b)
            elif kind == "dense":
                W, b = next(weights)
                h = h @ W + b
            elif kind == "act":
                h = self.acts[args[0]](h)
            elif kind == "maxpool":
                h = F.max_pool2d(h, args[0])
            elif kind == "avgpool":
                h = F.avg_pool2d(h, args[0])
            else:
                h = h.reshape(h.shape[0], -1)
        return h

    def epoch(self) -> float:
        n, B = len(self.X), self.cfg.batch_size
        order = self.torch.from_numpy(self.rng.permutation(n))
        batches = -(-n // B)
        per_iteration = self.cfg.lr_schedule.split(":")[0] in tr.PER_ITERATION
        for g in self.opt.param_groups:
            g["lr"] = tr.lr_at(self.cfg, self.done)
        t = time.perf_counter()
        for k in range(0, n, B):
            if per_iteration:  # the same rate per batch as symbp's SGD
                for g in self.opt.param_groups:
                    g["lr"] = tr.lr_at(self.cfg, self.done + (k // B) / batches)
            idx = order[k:k + B]
            self.opt.zero_grad(set_to_none=True)
            self.F.cross_entropy(self.forward(self.X[idx]), self.labels[idx]).backward()
            self.opt.step()
        self.done += 1
        return time.perf_counter() - t

    def accuracy(self) -> float:
        with self.torch.no_grad():
            x = self.torch.from_numpy(self.prep.x_test).reshape(-1, *self.shape)
            pred = np.concatenate([self.forward(x[k:k + 1000]).argmax(1).numpy()
                                   for k in range(0, len(x), 1000)])
        return float(np.mean(pred == self.prep.labels_test))


def time_to(target, secs, accs):
    cum = np.cumsum(secs)
    hit = next((i for i, a in enumerate(accs) if a >= target), None)
    return None if hit is None else (hit + 1, float(cum[hit]))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--arch", default=CNN.arch)
    p.add_argument("--epochs", type=int, default=CNN.epochs)
    p.add_argument("--batch-size", type=int, default=CNN.batch_size)
    p.add_argument("--lr", type=float, default=CNN.lr)
    p.add_argument("--momentum", type=float, default=CNN.momentum)
    p.add_argument("--lr-schedule", default=CNN.lr_schedule)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", default=THREADS, help="as --threads=N (default 2)")
    p.add_argument("--module", default=None, help="generated module (default: codegen cache)")
    args = p.parse_args(argv)
    cfg = replace(CNN, arch=args.arch, layers=_arch_layers(args.arch), epochs=args.epochs,
                  batch_size=args.batch_size, lr=args.lr, momentum=args.momentum,
                  lr_schedule=args.lr_schedule, seed=args.seed)
    cfg.validate()
    path = args.module or tr.generate_module(cfg)
    module = tr.load_module(path)
    prep = tr.prepare(data_mod.load("mnist"), cfg, module.DTYPE)
    init = [(W.copy(), b.copy()) for W, b in module.init_params(seed=cfg.seed, scheme=cfg.init)]
    sgd, torch_run = tr.SGD(module, cfg, prep), TorchCNN(module, cfg, prep, init)
    g_secs, t_secs, g_accs, t_accs = [], [], [], []
    print(f"network {cfg.arch}, batch {cfg.batch_size}, lr {cfg.lr:g} ({cfg.lr_schedule}), "
          f"momentum {cfg.momentum:g}, float32, {THREADS} thread(s), module {path}", flush=True)
    for e in range(cfg.epochs):  # interleaved, so both see the same machine load
        g_secs.append(sgd.train_epoch()[1])
        t_secs.append(torch_run.epoch())
        g_accs.append(tr.evaluate_params(module, sgd.params, prep)["test_accuracy"])
        t_accs.append(torch_run.accuracy())  # evaluation is not timed
        print(f"epoch {e + 1}: generated {g_secs[-1]:.1f}s {100 * g_accs[-1]:.2f}%   "
              f"pytorch {t_secs[-1]:.1f}s {100 * t_accs[-1]:.2f}%   load "
              f"{os.getloadavg()[0]:.1f}", flush=True)
    print(f"ratio generated/pytorch, epoch time: best {min(g_secs) / min(t_secs):.2f}, "
          f"median {np.median(g_secs) / np.median(t_secs):.2f}")
    for name, secs, accs in (("generated", g_secs, g_accs), ("pytorch", t_secs, t_accs)):
        hit = time_to(TARGET, secs, accs)
        print(f"{name:>9}: time to {100 * TARGET:.1f}%: " + (
            "not reached" if hit is None else f"{hit[1]:.1f}s (epoch {hit[0]})"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process (both networks and the data): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
