"""Mini-batch SGD on MNIST with a *generated* model module (never SymPy at training time).

The model math lives entirely in the module written by ``symbp codegen`` (forward pass,
batch-mean loss and its gradients, derived from the catalog).  This module only:

* gets that module: generated once per (layers, activations, loss, dtype, generator
  version) by running ``python -m symbp codegen`` in a subprocess, cached in
  ``~/.cache/symbp/models`` and imported by path (so this process never imports SymPy);
* prepares the data: ``scale`` (x/255) or ``whiten`` (per-pixel standardisation with the
  training-set mean and standard deviation, the course code's step; constant pixels get
  σ = 1);
* runs SGD: each epoch a permutation from a seeded ``numpy.random.Generator``; batches are
  gathered by index (``take``, no copy of the whole training set per epoch); gradients go
  into preallocated arrays when the module offers ``loss_and_gradients(..., out=)``; updates are in place:
  ``g += l2·W`` (weights only), ``v = μ·v − η·g``, ``W += v`` (plain SGD: ``W −= η·g``);
* watches the gradients (see :data:`EXPLODING`, :data:`VANISHING`): per-layer norms of
  ∂C/∂W every :data:`WATCH_EVERY` iterations, a warning once per layer and kind, and a
  :class:`~symbp.errors.NumericalError` as soon as the loss or a norm is NaN/inf;
* (saving a run is :mod:`symbp.runs`).

Learning-rate schedules (``--lr-schedule``): ``const``; ``exp:G`` (η·Gᵉ in epoch e, e from
0); ``step:G:K`` (×G every K epochs); ``linear`` (η·(1 − e/E), per epoch); ``anneal``
(η·(1 − t/T) per iteration: t batches done of T in the whole run, so the rate falls
linearly to ≈ 0 at the end).
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import progress
from .errors import NumericalError, ToolFailedError, UsageError

#: A layer's gradient is "exploding" when ‖∂C/∂W_l‖_F (gradient of the batch-mean loss)
#: exceeds this.
EXPLODING = 1e2
#: A layer's gradient is "vanishing" when ‖∂C/∂W_l‖_F is below this fraction of the largest
#: layer's norm in the same iteration (the deep-sigmoid effect: σ′ ≤ 1/4 per layer).
VANISHING = 1e-3
#: Gradient norms are measured every this many iterations (and at the first).
WATCH_EVERY = 10
#: a loss above DIVERGED_FACTOR × max(first loss, 1) is divergence, like a NaN/inf loss
DIVERGED_FACTOR = 1e3

SCHEMES = ("uniform", "xavier", "he")
NORMALIZE = ("scale", "whiten")


@dataclass
class TrainConfig:
    layers: tuple = (784, 100, 10)
    hidden: str = "sigmoid"
    output: str = "softmax"
    loss: str = "ce"
    epochs: int = 1
    batch_size: int = 200
    lr: float = 2.0
    seed: int = 0
    init: str = "xavier"
    zero_biases: bool = False  # start biases at 0 whatever the init scheme draws
    momentum: float = 0.0
    l2: float = 0.0
    lr_schedule: str = "const"
    normalize: str = "whiten"
    dataset: str = "mnist"
    dtype: str = "float32"
    train_limit: int | None = None  # use only the first N training samples (tests)
    arch: str | None = None  # a layer list for `codegen --arch` (a convolutional network)
    test_limit: int | None = None

    def validate(self) -> None:
        if len(self.layers) < 2 or min(self.layers) < 1:
            raise UsageError(f"--layers needs at least two positive sizes, got {self.layers}",
                             where="--layers", hint="e.g. --layers 784,100,10")
        for name, value in (("--epochs", self.epochs), ("--batch-size", self.batch_size)):
            if value < 1:
                raise UsageError(f"{name} must be at least 1, got {value}", where=name)
        if not self.lr > 0 or not np.isfinite(self.lr):
            raise UsageError(f"--lr must be a positive number, got {self.lr}", where="--lr")
        if not 0 <= self.momentum < 1:
            raise UsageError(f"--momentum must be in [0, 1), got {self.momentum}",
                             where="--momentum")
        if self.l2 < 0:
            raise UsageError(f"--l2 must be ≥ 0, got {self.l2}", where="--l2")
        for name, value, allowed in (("--init", self.init, SCHEMES),
                                     ("--normalize", self.normalize, NORMALIZE)):
            if value not in allowed:
                raise UsageError(f"{name} must be one of {', '.join(allowed)}, got {value!r}",
                                 where=name)
        lr_at(self, 0)  # parses the schedule


#: schedules whose rate changes every iteration (``lr_at`` takes a fractional epoch)
PER_ITERATION = ("anneal",)


def lr_at(cfg: TrainConfig, epoch: float) -> float:
    """Learning rate of ``epoch`` (0-based; fractional inside an epoch for the
    :data:`PER_ITERATION` schedules) under ``cfg.lr_schedule``."""
    kind, *rest = cfg.lr_schedule.split(":")
    try:
        nums = [float(r) for r in rest]
        rule = {"const": lambda: cfg.lr if not nums else None,
                "exp": lambda: cfg.lr * nums[0] ** epoch,
                "step": lambda: cfg.lr * nums[0] ** (epoch // int(nums[1])),
                "linear": lambda: cfg.lr * (1 - int(epoch) / cfg.epochs),
                "anneal": lambda: cfg.lr * (1 - epoch / cfg.epochs) if not nums else None}[kind]
        value = rule()
    except (KeyError, IndexError, ValueError, ZeroDivisionError):
        value = None
    if value is None:
        raise UsageError(f"cannot read --lr-schedule {cfg.lr_schedule!r}", where="--lr-schedule",
                         hint="use const, exp:G (×G per epoch), step:G:K (×G every K epochs), "
                              "linear (per epoch) or anneal (linear to 0, per iteration)")
    return float(value)


# --------------------------------------------------------------------------- the module
def load_module(path):
    """Import a generated module from ``path`` (no package import, no SymPy)."""
    path = Path(path)
    name = "symbp_generated_" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _generator_fingerprint() -> str:
    """Hash of the sources the generated code depends on (invalidates the cache)."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha1()
    for folder in (root / "codegen", root / "nn", root.parent / "derivations"):
        for f in sorted(folder.rglob("*")) if folder.exists() else ():
            if f.is_file() and f.suffix in (".py", ".j2", ".jinja", ".tmpl", ".txt"):
                h.update(f.name.encode())
                h.update(f.read_bytes())
    return h.hexdigest()[:16]


def model_cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "symbp" / "models"


def generate_module(cfg: TrainConfig, cache: Path | None = None) -> Path:
    """Path of the generated module for ``cfg``: from the cache, or ``symbp codegen``."""
    argv = ["--layers", ",".join(map(str, cfg.layers)), "--hidden", cfg.hidden,
            "--output", cfg.output, "--loss", cfg.loss, "--dtype", cfg.dtype]
    if cfg.arch:  # a convolutional network; the module takes flat rows as (N, 1, 28, 28)
        argv = ["--arch", cfg.arch, "--output", cfg.output, "--loss", cfg.loss,
                "--dtype", cfg.dtype]
    key = hashlib.sha1((" ".join(argv) + _generator_fingerprint()).encode()).hexdigest()[:16]
    cache = Path(cache) if cache else model_cache_dir()
    path = cache / f"model_{key}.py"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".gen-", suffix=".py", dir=cache)
    os.close(fd)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")]))
    try:
        proc = subprocess.run([sys.executable, "-m", "symbp", "codegen", *argv, "-o", tmp],
                              check=False, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            msg = (proc.stderr or proc.stdout).strip().removeprefix("error: ")
            if proc.returncode == 2:  # usage: unknown activation/loss etc.; pass it through
                raise UsageError(f"cannot generate the model: {msg}", where="symbp codegen")
            raise ToolFailedError(f"symbp codegen failed (exit {proc.returncode})", where=msg)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


# --------------------------------------------------------------------------- data
@dataclass
class Prepared:
    x_train: np.ndarray
    y_train: np.ndarray  # one-hot
    labels_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    labels_test: np.ndarray
    mean: np.ndarray
    scale: np.ndarray


def normalizer(x_train_u8: np.ndarray, how: str, dtype) -> tuple[np.ndarray, np.ndarray]:
    """(mean, scale) with x_normalised = (x − mean) / scale, x in raw 0..255 units."""
    if how == "scale":
        return np.zeros(x_train_u8.shape[1], dtype), np.full(x_train_u8.shape[1], 255, dtype)
    x = x_train_u8.astype(np.float64)
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std < 1e-8] = 1.0  # constant (border) pixels
    return mean.astype(dtype), std.astype(dtype)


def apply_norm(x_u8, mean, scale, dtype) -> np.ndarray:
    out = x_u8.astype(dtype)
    out -= mean
    out /= scale
    return out


def one_hot(labels, n, dtype) -> np.ndarray:
    y = np.zeros((len(labels), n), dtype)
    y[np.arange(len(labels)), labels] = 1
    return y


def prepare(data, cfg: TrainConfig, dtype) -> Prepared:
    xtr, ytr = data.x_train[:cfg.train_limit], data.y_train[:cfg.train_limit]
    xte, yte = data.x_test[:cfg.test_limit], data.y_test[:cfg.test_limit]
    if xtr.shape[1] != cfg.layers[0] or cfg.layers[-1] != 10:
        raise UsageError(f"--layers must start with {xtr.shape[1]} inputs and end with 10 "
                         f"outputs for {cfg.dataset}, got {cfg.layers}", where="--layers")
    mean, scale = normalizer(xtr, cfg.normalize, dtype)
    n_out = cfg.layers[-1]
    return Prepared(apply_norm(xtr, mean, scale, dtype), one_hot(ytr, n_out, dtype), ytr,
                    apply_norm(xte, mean, scale, dtype), one_hot(yte, n_out, dtype), yte,
                    mean, scale)


# --------------------------------------------------------------------------- training
@dataclass
class Result:
    params: list
    epochs: list = field(default_factory=list)
    iter_loss: list = field(default_factory=list)
    grad_norms: list = field(default_factory=list)  # [iteration, norm_layer1, ...]
    warnings: list = field(default_factory=list)


class _Watch:
    """Per-layer gradient norms; warnings once per (layer, kind); NaN/inf → error."""

    def __init__(self, result: Result, warn):
        self.result, self.warn, self.seen = result, warn, set()
        self.first = None  # the first finite loss seen

    def limit(self) -> float:
        """Losses above this are divergence (:data:`DIVERGED_FACTOR`)."""
        return DIVERGED_FACTOR * max(self.first if self.first is not None else 1.0, 1.0)

    def check_growth(self, where: str, loss: float) -> None:
        if self.first is not None and loss > self.limit():
            raise NumericalError(
                f"training diverged {where}: loss {loss:.3g} > {self.limit():.3g} "
                f"({DIVERGED_FACTOR:g} × max(first loss {self.first:.3g}, 1)); "
                f"no model was saved", hint="lower --lr, use --init xavier/he, or "
                                            "--normalize whiten")

    def check(self, it: int, loss: float, grads) -> None:
        norms = [float(np.sqrt(np.dot(g.ravel(), g.ravel()))) for g, _ in grads]
        self.result.grad_norms.append([it, *norms])
        if not (np.isfinite(loss) and np.isfinite(norms).all()):
            raise NumericalError(
                f"training diverged at iteration {it}: loss = {loss}, gradient norms per layer "
                f"= {', '.join(f'{n:.3g}' for n in norms)}; no model was saved",
                hint="lower --lr, use --init xavier/he, or --normalize whiten")
        if self.first is None:
            self.first = loss
        self.check_growth(f"at iteration {it}", loss)
        top = max(norms)
        for layer, n in enumerate(norms, 1):
            kind = ("exploding" if n > EXPLODING else
                    "vanishing" if top > 0 and n < VANISHING * top else None)
            if kind and (layer, kind) not in self.seen:
                self.seen.add((layer, kind))
                limit = (f"> {EXPLODING:g}" if kind == "exploding"
                         else f"< {VANISHING:g} × the largest layer's {top:.3g}")
                msg = (f"warning: layer {layer} gradient is {kind} at iteration {it}: "
                       f"‖∂C/∂W{layer}‖ = {n:.3g} {limit}")
                self.result.warnings.append(msg)
                self.warn(msg)


class SGD:
    """Mini-batch SGD state for one run; :meth:`epoch` trains one epoch (see module doc)."""

    def __init__(self, module, cfg: TrainConfig, prep: Prepared, stream=None,
                 watch_every: int = WATCH_EVERY):
        self.module, self.cfg, self.prep, self.stream = module, cfg, prep, stream
        self.dtype = dtype = np.dtype(module.DTYPE)
        self.params = [(np.ascontiguousarray(W, dtype), np.ascontiguousarray(b, dtype))
                       for W, b in module.init_params(seed=cfg.seed, scheme=cfg.init)]
        if cfg.zero_biases:
            for _, b in self.params:
                b[...] = 0
        self.velocity = ([(np.zeros_like(W), np.zeros_like(b)) for W, b in self.params]
                         if cfg.momentum else [None] * len(self.params))
        # the lower-overhead variant of the generated module (its docstring): gradients
        # written into preallocated arrays with out=[(dW, db), ...]
        self.out = ([(np.empty_like(W), np.empty_like(b)) for W, b in self.params]
                    if "out" in inspect.signature(module.loss_and_gradients).parameters
                    else None)
        self.rng = np.random.default_rng(cfg.seed)
        n, B = len(prep.x_train), min(cfg.batch_size, len(prep.x_train))
        self.n, self.B, self.batches = n, B, -(-n // B)
        self.result = Result(self.params)
        self.watch = _Watch(self.result, (lambda m: progress.write(stream, m)) if stream
                            else (lambda m: None))
        self.watch_every, self.it, self.done = watch_every, 0, 0

    def _update(self, grads, lr, mu, l2) -> None:
        for (W, b), (gW, gb), v in zip(self.params, grads, self.velocity):
            if l2:
                gW += l2 * W
            if v is None:
                gW *= lr
                gb *= lr
                W -= gW
                b -= gb
            else:
                vW, vb = v
                vW *= mu
                gW *= lr
                vW -= gW
                vb *= mu
                gb *= lr
                vb -= gb
                W += vW
                b += vb

    def _gather(self, idx):
        """The rows ``idx`` of the training set, as a fresh batch.

        ``take`` into a new array was measured ≈ 25 % faster than ``take(..., out=)`` into a
        preallocated buffer (200 random rows of 784 float32: 83 µs vs 112 µs), and the
        generated module keys its work arrays on the batch shape, not on the array."""
        return (self.prep.x_train.take(idx, axis=0), self.prep.y_train.take(idx, axis=0))

    def train_epoch(self) -> tuple[float, float]:
        """One pass over the shuffled training set: (mean batch loss, seconds)."""
        cfg, stream, epoch = self.cfg, self.stream, self.done
        lr = self.dtype.type(lr_at(cfg, epoch))
        mu, l2 = self.dtype.type(cfg.momentum), self.dtype.type(cfg.l2)
        B, lag = self.B, self.module.loss_and_gradients
        bar = progress.bar(stream, self.batches, f"epoch {epoch + 1}/{cfg.epochs}", "batch")
        t0 = last_draw = time.perf_counter()
        order = self.rng.permutation(self.n)
        running = 0.0
        per_iteration = cfg.lr_schedule.split(":")[0] in PER_ITERATION
        for k in range(self.batches):
            if per_iteration:
                lr = self.dtype.type(lr_at(cfg, epoch + k / self.batches))
            xb, yb = self._gather(order[k * B:(k + 1) * B])
            loss, grads = (lag(self.params, xb, yb, out=self.out) if self.out
                           else lag(self.params, xb, yb))
            loss = float(loss)
            if self.it % self.watch_every == 0 or not np.isfinite(loss):
                self.watch.check(self.it, loss, grads)
            self.result.iter_loss.append(loss)
            running += loss
            self._update(grads, lr, mu, l2)
            self.it += 1
            if bar is not None and (time.perf_counter() - last_draw > 0.2):
                last_draw = time.perf_counter()
                bar.set_postfix_str(f"loss {running / (k + 1):.4f}", refresh=False)
                bar.update(k + 1 - bar.n)
        seconds = time.perf_counter() - t0
        if bar is not None:
            bar.set_postfix_str(f"loss {running / self.batches:.4f}", refresh=False)
            bar.update(self.batches - bar.n)
            bar.close()
        elif stream:
            progress.write(stream, f"epoch {epoch + 1}/{cfg.epochs}: {self.batches} batches, "
                           f"loss {running / self.batches:.4f}, {seconds:.1f}s")
        self.done += 1
        return running / self.batches, seconds

    def epoch(self) -> dict:
        """Train one epoch, then evaluate on the test set (not counted in ``seconds``)."""
        train_loss, seconds = self.train_epoch()
        record = {"epoch": self.done, "lr": lr_at(self.cfg, self.done - 1),
                  "train_loss": train_loss,
                  **evaluate_params(self.module, self.params, self.prep), "seconds": seconds}
        if not all(np.isfinite([record["train_loss"], record["test_loss"]])):
            raise NumericalError(f"training diverged in epoch {self.done}: test loss "
                                 f"{record['test_loss']}; no model was saved", hint="lower --lr")
        self.watch.check_growth(f"in epoch {self.done} (test loss)", record["test_loss"])
        self.result.epochs.append(record)
        return record


def fit(module, cfg: TrainConfig, prep: Prepared, stream=None, on_epoch=None,
        watch_every: int = WATCH_EVERY) -> Result:
    """Train ``module`` on ``prep``; ``on_epoch(dict)`` is called after each epoch."""
    sgd = SGD(module, cfg, prep, stream, watch_every)
    for _ in range(cfg.epochs):
        record = sgd.epoch()
        if on_epoch:
            on_epoch(record)
    for W, b in sgd.params:
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise NumericalError("parameters contain NaN/inf after training; no model was "
                                 "saved", hint="lower --lr")
    return sgd.result


def evaluate_params(module, params, prep: Prepared) -> dict:
    pred = np.asarray(module.predict(params, prep.x_test))
    pred = pred.argmax(axis=1) if pred.ndim == 2 else pred
    return {"test_loss": float(module.loss(params, prep.x_test, prep.y_test)),
            "test_accuracy": float(np.mean(pred == prep.labels_test))}
