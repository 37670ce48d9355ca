"""The losses, each a per-unit SymPy expression ℓ(a, y), declared once.

The cost of one sample sums over output units, C = Σ_j ℓ(a_j, y_j); the batch
loss is the mean over samples.  Output deltas are *derived* from these in
``derivations/losses.py``; nothing here states a derivative.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .registry import Registry

a = sp.Symbol("a", real=True)
y = sp.Symbol("y", real=True)


@dataclass(frozen=True)
class Loss:
    name: str
    per_unit: sp.Expr  # ℓ(a, y)
    description: str
    output: str  # the output activation it is paired with by default
    a_domain: tuple[float, float] = (-3.0, 3.0)
    y_domain: tuple[float, float] = (-3.0, 3.0)
    derivation: str = ""  # catalog entry giving its output delta


LOSSES: Registry[Loss] = Registry("loss")

LOSSES.add(Loss("ce", -y * sp.log(a), "log-likelihood / cross-entropy −Σ_j y_j ln a_j",
                "softmax", (0.05, 0.95), (0.0, 1.0), "softmax_ce"))
LOSSES.add(Loss("bce", -(y * sp.log(a) + (1 - y) * sp.log(1 - a)),
                "binary cross-entropy −Σ_j [y_j ln a_j + (1−y_j) ln(1−a_j)]",
                "sigmoid", (0.05, 0.95), (0.0, 1.0), "sigmoid_bce"))
LOSSES.add(Loss("mse", (a - y) ** 2 / 2, "quadratic ½Σ_j (a_j − y_j)²", "linear",
                derivation="sigmoid_mse"))
