"""A training run on disk: save it atomically, plot it, reload and evaluate it.

``save_run`` writes ``metrics.json``, ``loss.png`` (loss per iteration as the course code
plots it, and test accuracy per epoch), ``model.npz`` (parameters, architecture, input
normalisation, configuration) and ``model.py`` (the generated module), each to a temporary
name first and then ``os.replace``-d.  ``evaluate_run`` reloads them (importing the saved
module by path, no SymPy) and reports accuracy and a confusion matrix.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .errors import InputError
from .train import (
    EXPLODING,
    VANISHING,
    WATCH_EVERY,
    Prepared,
    Result,
    TrainConfig,
    apply_norm,
    load_module,
    one_hot,
)


def confusion(pred, labels, k: int = 10) -> np.ndarray:
    """Rows: true class, columns: predicted class."""
    return np.bincount(labels.astype(np.int64) * k + pred, minlength=k * k).reshape(k, k)



def _atomic(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def save_run(out, cfg: TrainConfig, result: Result, prep: Prepared, module_path,
             wall_seconds: float, extra: dict | None = None) -> Path:
    """Write metrics.json, loss.png, model.npz and model.py into ``out`` (atomically)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    final = result.epochs[-1]
    metrics = {"test_accuracy": final["test_accuracy"], "test_loss": final["test_loss"],
               "train_seconds": sum(e["seconds"] for e in result.epochs),
               "wall_seconds": wall_seconds, "seed": cfg.seed, "args": asdict(cfg),
               "epochs": result.epochs, "warnings": result.warnings,
               "gradient_watch": {"every": WATCH_EVERY, "exploding_above": EXPLODING,
                                  "vanishing_below_fraction_of_max": VANISHING,
                                  "norms": result.grad_norms},
               "iteration_loss": result.iter_loss, **(extra or {})}
    arrays = {f"W{i}": W for i, (W, _) in enumerate(result.params, 1)}
    arrays |= {f"b{i}": b for i, (_, b) in enumerate(result.params, 1)}
    arrays |= {"layers": np.array(cfg.layers), "norm_mean": prep.mean, "norm_scale": prep.scale,
               "config": np.array(json.dumps(asdict(cfg)))}
    source = Path(module_path).read_bytes()
    _atomic(out / "model.py", lambda t: Path(t).write_bytes(source))

    def npz(t):
        with open(t, "wb") as f:
            np.savez(f, **arrays)
    _atomic(out / "model.npz", npz)
    _atomic(out / "loss.png", lambda t: plot_run(result, t))
    _atomic(out / "metrics.json",
            lambda t: Path(t).write_text(json.dumps(metrics, indent=1) + "\n"))
    return out


def plot_run(result: Result, path) -> None:
    """Loss per iteration (as the course code plots it) and test accuracy per epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    ax1.plot(np.arange(1, len(result.iter_loss) + 1), result.iter_loss, lw=0.8)
    ax1.set(xlabel="iteration", ylabel="training loss (batch mean)", title="loss")
    acc = [100 * e["test_accuracy"] for e in result.epochs]
    ax2.plot(np.arange(1, len(acc) + 1), acc, "o-")
    ax2.set_xticks(np.arange(1, len(acc) + 1, max(1, len(acc) // 10)))
    ax2.set(xlabel="epoch", ylabel="test accuracy (%)", title="test accuracy")
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=90)
    plt.close(fig)


def load_run(run_dir):
    """(module, params, config dict, mean, scale) of a saved run."""
    run_dir = Path(run_dir)
    for name in ("model.npz", "model.py"):
        if not (run_dir / name).is_file():
            raise InputError(f"{name} not found", where=str(run_dir),
                             hint="pass the --out folder of a finished `symbp train`")
    hint = "train it again, or pass the --out folder of a finished `symbp train`"
    try:
        module = load_module(run_dir / "model.py")
    except (KeyboardInterrupt, MemoryError):
        raise
    except BaseException as exc:  # noqa: BLE001 - a damaged file: whatever importing raises
        raise InputError(f"model.py cannot be imported ({type(exc).__name__}: "
                         f"{str(exc)[:120]})", where=str(run_dir), hint=hint) from None
    try:
        with np.load(run_dir / "model.npz") as z:
            cfg = json.loads(str(z["config"]))
            n = len(cfg["layers"]) - 1
            params = [(z[f"W{i}"], z[f"b{i}"]) for i in range(1, n + 1)]
            return module, params, cfg, z["norm_mean"], z["norm_scale"]
    except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
        raise InputError(f"model.npz is damaged or not from `symbp train` "
                         f"({type(exc).__name__}: {str(exc)[:120]})", where=str(run_dir),
                         hint=hint) from None


def evaluate_run(run_dir, data_dir=None) -> dict:
    """Reload a saved run and evaluate it on its data set's test split."""
    from . import data as data_mod

    module, params, cfg, mean, scale = load_run(run_dir)
    data = data_mod.load(cfg["dataset"], data_dir=data_dir)
    dtype = np.dtype(module.DTYPE)
    x = apply_norm(data.x_test, mean, scale, dtype)
    try:
        module.predict(params, x[:1])
    except (ValueError, TypeError, IndexError, AttributeError) as exc:
        raise InputError(f"model.npz does not fit model.py or the data ({type(exc).__name__}: "
                         f"{str(exc)[:120]})", where=str(run_dir),
                         hint="the run's files were changed or mixed up; train it again") from None
    pred = np.asarray(module.predict(params, x))
    pred = pred.argmax(axis=1) if pred.ndim == 2 else pred
    y = one_hot(data.y_test, cfg["layers"][-1], dtype)
    correct = int(np.sum(pred == data.y_test))
    return {"dataset": cfg["dataset"], "n": len(x), "correct": correct,
            "test_accuracy": correct / len(x), "test_loss": float(module.loss(params, x, y)),
            "confusion": confusion(pred.astype(np.int64), data.y_test).tolist()}
