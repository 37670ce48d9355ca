"""``experiment cnn``: a convolutional network generated from the conv2d/maxpool derivations,
trained on MNIST for several seeds; a table of test accuracy per epoch and a plot of the
training loss and test accuracy per epoch.  Like every experiment, no gradient is computed
here: the network is a module written by ``symbp codegen --arch``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from . import data as data_mod
from . import train as tr
from .experiments import _finish, _markdown, _plt, _run, _save_fig

ARCH = ("conv5x5x16,relu,maxpool2,conv5x5x32,relu,maxpool2,flatten,dense128,relu,dense10")
#: the configuration of ``experiment cnn`` (README, "Convolutional networks")
CNN = tr.TrainConfig(layers=(784, 16, 32, 128, 10), arch=ARCH, hidden="relu",
                     output="softmax", loss="ce", epochs=4, batch_size=64, lr=0.05,
                     momentum=0.9, init="he", lr_schedule="anneal", normalize="scale")
TARGET = 0.99


def cnn_command(cfg: tr.TrainConfig = CNN) -> str:
    return (f"python -m symbp train --arch {cfg.arch} --output {cfg.output} --loss {cfg.loss} "
            f"--epochs {cfg.epochs} --batch-size {cfg.batch_size} --lr {cfg.lr:g} "
            f"--momentum {cfg.momentum:g} --init {cfg.init} --lr-schedule {cfg.lr_schedule} "
            f"--normalize {cfg.normalize}")


def cnn(out: Path, data_dir=None, seeds=(0, 1, 2), stream=None, cfg: tr.TrainConfig = CNN,
        data=None) -> dict:
    data = data or data_mod.load("mnist", data_dir=data_dir)
    rows, runs, curves = [], [], {}
    for seed in seeds:
        _, res = _run(replace(cfg, seed=seed), data, stream)
        acc = [e["test_accuracy"] for e in res.epochs]
        cum = np.cumsum([e["seconds"] for e in res.epochs])
        hit = next((i for i, a in enumerate(acc) if a >= TARGET), None)
        runs.append({"seed": seed, "test_accuracy": acc,
                     "train_loss": [e["train_loss"] for e in res.epochs],
                     "test_loss": [e["test_loss"] for e in res.epochs],
                     "train_seconds": cum.tolist(),
                     "epochs_to_99": None if hit is None else hit + 1,
                     "seconds_to_99": None if hit is None else float(cum[hit])})
        curves[seed] = res
        rows.append([seed, " / ".join(f"{100 * a:.2f}" for a in acc), f"{cum[-1]:.1f}",
                     "—" if hit is None else f"{hit + 1} ({cum[hit]:.1f} s)"])
    cmd = cnn_command(cfg)
    md = (f"`{cmd}`\n\n"
          + _markdown(["seed", "test accuracy % per epoch", "training seconds",
                       f"first epoch ≥ {100 * TARGET:.1f} % (time)"], rows))
    _finish(out, "cnn", md, {"command": cmd, "config": cfg.__dict__, "runs": runs})
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    for seed, res in curves.items():
        epochs = np.arange(1, len(res.epochs) + 1)
        ax1.plot(epochs, [e["train_loss"] for e in res.epochs], "o-", label=f"seed {seed} train")
        ax1.plot(epochs, [e["test_loss"] for e in res.epochs], "x--", label=f"seed {seed} test")
        ax2.plot(epochs, [100 * e["test_accuracy"] for e in res.epochs], "o-",
                 label=f"seed {seed}")
    ax1.set(xlabel="epoch", ylabel="loss", title="loss per epoch")
    ax2.axhline(100 * TARGET, color="k", lw=0.8, ls="--")
    ax2.set(xlabel="epoch", ylabel="test accuracy (%)", title="test accuracy per epoch")
    ax1.legend(fontsize=7)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    _save_fig(fig, out, "cnn.png")
    return {"rows": runs, "markdown": md}
