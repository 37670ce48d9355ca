"""Central finite differences against a generated module's ``loss_and_gradients``.

For every parameter array P the relative error is
``max |g − g_fd| / max(max |g|, max |g_fd|, tiny)`` over a random subset of
its entries (all of them when small), where ``g_fd = (L(P + h e) − L(P − h e))/2h``.
float64 only; the data and parameters are random but seeded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-6


@dataclass(frozen=True)
class ParamError:
    name: str  # "W1", "b1", ...
    rel_error: float
    checked: int  # entries compared


def random_problem(module, batch: int = 5, seed: int = 0):
    """Random parameters, inputs and targets valid for the module's loss."""
    rng = np.random.default_rng(seed)
    params = [(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64))
              for W, b in module.init_params(seed=seed, scheme="xavier")]
    params = [(W + rng.normal(0, 0.3, W.shape), b + rng.normal(0, 0.3, b.shape))
              for W, b in params]
    if hasattr(module, "INPUT_SHAPE"):  # a convolutional network (codegen --arch)
        n_out, rows = module.PARAM_SHAPES[-1][1][0], True
        X = rng.normal(0, 1, (batch, *module.INPUT_SHAPE))
    else:
        n_in, n_out = module.LAYERS[0], module.LAYERS[-1]
        rows = module.LAYOUT == "rows"
        X = rng.normal(0, 1, (batch, n_in))
    if module.LOSS == "ce":
        Y = np.eye(n_out)[rng.integers(0, n_out, batch)]
    elif module.LOSS == "bce":
        Y = rng.uniform(0, 1, (batch, n_out))
    else:
        Y = rng.normal(0, 1, (batch, n_out))
    if not rows:
        X, Y = X.T.copy(), Y.T.copy()
    return params, X, Y


def check(module, *, seed: int = 0, batch: int = 5, h: float = 1e-6,
          max_entries: int = 60) -> list[ParamError]:
    """Relative error of every gradient array against central differences."""
    params, X, Y = random_problem(module, batch, seed)
    _, grads = module.loss_and_gradients(params, X, Y)
    rng = np.random.default_rng(seed + 1)
    out = []
    for layer, (pair, gpair) in enumerate(zip(params, grads), start=1):
        for label, P, G in (("W", pair[0], gpair[0]), ("b", pair[1], gpair[1])):
            if G.shape != P.shape:
                out.append(ParamError(f"{label}{layer}", float("inf"), 0))
                continue
            flat = np.arange(P.size)
            if P.size > max_entries:
                flat = rng.choice(P.size, max_entries, replace=False)
            fd = np.empty(len(flat))
            for n, i in enumerate(flat):
                idx = np.unravel_index(i, P.shape)
                keep = P[idx]
                P[idx] = keep + h
                up = module.loss(params, X, Y)
                P[idx] = keep - h
                down = module.loss(params, X, Y)
                P[idx] = keep
                fd[n] = (up - down) / (2 * h)
            g = G.reshape(-1)[flat]
            scale = max(np.max(np.abs(g)), np.max(np.abs(fd)), 1e-12)
            out.append(ParamError(f"{label}{layer}", float(np.max(np.abs(g - fd)) / scale),
                                  len(flat)))
    return out


def passed(errors: list[ParamError], tolerance: float = TOLERANCE) -> bool:
    return all(e.rel_error < tolerance for e in errors)
