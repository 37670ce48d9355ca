"""Named contexts for ``symbp verify --context NAME``: standard definitions, declared once.

A context is data: definitions and assumptions written in the same LaTeX the
user writes (so they go through the same reader), plus switches for matrix
mode and the representative network of :mod:`symbp.claims.network`.  The
cost and activation formulas are taken from the registries
(:data:`symbp.nn.losses.LOSSES`, :data:`symbp.nn.activations.ACTIVATIONS`)
where one exists, printed to LaTeX, so the catalog and ``verify`` agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..errors import UnknownName


@dataclass(frozen=True)
class NamedContext:
    name: str
    summary: str
    defines: tuple[str, ...] = ()
    assumes: tuple[str, ...] = ()
    matrix_mode: bool = False
    network: bool = False
    domains: dict = field(default_factory=dict)  # name -> (low, high) sampling interval
    matrix_names: tuple[str, ...] = ()


def _loss_sum(loss_name: str) -> str:
    """``C = Σ_j ℓ(a_j, y_j)`` in LaTeX, with ℓ from the loss registry."""
    from ..nn.losses import LOSSES, a, y

    per_unit = LOSSES.get(loss_name).per_unit
    aj, yj = sp.Symbol("a_{j}", real=True), sp.Symbol("y_{j}", real=True)
    body = sp.latex(per_unit.xreplace({a: aj, y: yj}), ln_notation=True)
    return rf"C = \sum_{{j=1}}^{{n}} \left({body}\right)"


def _loss_unit(loss_name: str) -> str:
    from ..nn.losses import LOSSES

    return "C = " + sp.latex(LOSSES.get(loss_name).per_unit, ln_notation=True)


SOFTMAX = r"a_j = \frac{e^{z_j}}{\sum_{i=1}^{n} e^{z_i}}"
SUM_ONE = r"\sum_{j=1}^{n} y_j = 1"
PROB = {"a": (0.05, 0.95), "y": (0.0, 1.0)}


def _contexts() -> dict[str, NamedContext]:
    items = [
        NamedContext("backprop", "Nielsen ch. 2 in layer/vector form: z^l = W^l a^{l-1} + b^l, "
                     "a^l = σ(z^l), δ^l = ∂C/∂z^l for a generic cost C (checked on a "
                     "representative network with distinct layer sizes)", network=True),
        NamedContext("softmax_ce", "softmax output a_j = e^{z_j}/Σ_i e^{z_i} with "
                     "cross-entropy C = −Σ_j y_j ln a_j and Σ_j y_j = 1",
                     (SOFTMAX, lambda: _loss_sum("ce")), (SUM_ONE,), domains={"y": (0.0, 1.0)}),
        NamedContext("sigmoid_bce", "sigmoid outputs a_j = σ(z_j) with binary cross-entropy "
                     "C = −Σ_j [y_j ln a_j + (1−y_j) ln(1−a_j)]",
                     (r"a_j = \sigma(z_j)", lambda: _loss_sum("bce")), domains=dict(PROB)),
        NamedContext("sigmoid_mse", "sigmoid outputs a_j = σ(z_j) with the quadratic cost "
                     "C = ½ Σ_j (a_j − y_j)²",
                     (r"a_j = \sigma(z_j)", lambda: _loss_sum("mse"))),
        NamedContext("logistic", "one sigmoid unit: a = σ(z), C = −[y ln a + (1−y) ln(1−a)]",
                     (r"a = \sigma(z)", lambda: _loss_unit("bce")), domains={"y": (0.0, 1.0)}),
        NamedContext("softmax", "softmax outputs a_j = e^{z_j}/Σ_i e^{z_i} (no cost)",
                     (SOFTMAX,)),
        NamedContext("matrix", "matrix calculus: single capital letters (except C, L, N, T) "
                     "are matrices of unknown, unified shapes; bold lower-case letters are "
                     "column vectors", matrix_mode=True),
    ]
    return {c.name: c for c in items}


CONTEXTS = _contexts()


def get_context(name: str) -> NamedContext:
    if name not in CONTEXTS:
        raise UnknownName("context", name, CONTEXTS, option="--context")
    return CONTEXTS[name]


def defines_of(ctx: NamedContext) -> list[str]:
    """The definitions as LaTeX strings (registry-derived ones are computed here)."""
    return [d() if callable(d) else d for d in ctx.defines]


def listing() -> str:
    lines = []
    for c in CONTEXTS.values():
        lines.append(f"{c.name}: {c.summary}")
        for d in defines_of(c):
            lines.append(f"    define  {d}")
        for a in c.assumes:
            lines.append(f"    assume  {a}")
    return "\n".join(lines)
