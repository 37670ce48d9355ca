"""Activation derivatives, derived step by step from the registry's expressions.

Public API (used by the code generator, reports and the catalog below)::

    activation_derivation(act, name=None) -> symbp.core.proof.Derivation
    activation_derivative_result(act) -> (f′ in z, f′ in a or None)
    OUTPUT  # the Symbol a (a := f(z)) in which the second result is written

``act`` is any :class:`symbp.nn.activations.Activation` — a registry entry
(``ACTIVATIONS.get("sigmoid")``) or a user's own
(``custom("softsign", z/(1 + Abs(z)))``).  The derivation defines
``f(z) := act.expr`` and has

* a part tagged ``"derivative"``: ``d f(z)/dz = f′(z)``, one differentiation
  rule per step (sum, linearity, quotient, product, chain rule), then the
  elementary derivatives, then simplification — all produced by SymPy
  operations on ``act.expr`` (:mod:`derivations._calculus`), none typed per
  activation;
* when one exists, a part tagged ``"in_terms_of_output"``:
  ``d f(z)/dz = g(a)`` with ``a := f(z)``, found by solving ``a = f(z)`` for a
  subexpression of f (e.g. e^{−z} = (1 − a)/a for the sigmoid) and
  substituting.  A candidate is kept only if both witnesses confirm
  ``g(f(z)) = f′(z)``; otherwise the part is omitted (ReLU: H(max(0, z)) ≠ H(z)
  for z < 0; softsign).

:func:`activation_derivative_result` verifies that derivation and returns its
goals; it raises :class:`symbp.errors.DerivationError` if any step fails, so
generated code only ever uses verified derivatives.

The catalog entries ``sigmoid``, ``tanh``, ``tanh_scaled``, ``relu`` and
``softplus`` are built on :func:`build_activation` and add their own parts
(σ′ ≤ 1/4, the ReLU kink, softplus′ = σ, …).
"""

from __future__ import annotations

import functools

import sympy as sp

from derivations._calculus import derivative_moves, output_forms
from symbp.core.context import Context, Definition
from symbp.core.justify import because
from symbp.core.proof import Builder, Derivation
from symbp.core.verdict import Verdict
from symbp.core.witness import check_equation
from symbp.errors import DerivationError
from symbp.nn.activations import Activation, z
from symbp.notation.text_out import text

OUTPUT = sp.Symbol("a", real=True)  # a := f(z), the unit's output


def build_activation(d: Builder, act: Activation) -> dict:
    """Record ``f(z) := expr`` and the generic parts in ``d``.

    Returns ``{"fz": f(z), "fprime": f′(z), "ga": g(a) or None}`` for entries
    that add parts of their own.
    """
    fz = act.applied
    d.define(fz, act.expr, act.name)
    d.domain(z, *act.domain)
    lhs = sp.Derivative(fz, z)
    moves = derivative_moves(act.expr, z)
    fprime = moves[-1].rhs if moves else sp.diff(act.expr, z)
    d.goal(lhs, fprime, title=f"derivative of {act.name}", tag="derivative",
           title_zh=f"{act.name} 的导数")
    d.step(sp.Derivative(act.expr, z),
           because("definition", f"{text(fz)} = {text(act.expr)}",
                   f"{text(fz)} = {text(act.expr)}"))
    for m in moves:
        d.step(m.rhs, because(m.kind, m.detail, m.detail_zh))
    if not moves:
        raise DerivationError(f"activation '{act.name}': SymPy could not differentiate it",
                              hint="give an expression in z that SymPy can differentiate")
    d.define(OUTPUT, fz, "output")
    ga = _output_part(d, act, fz, fprime)
    return {"fz": fz, "fprime": fprime, "ga": ga}


def _output_part(d: Builder, act: Activation, fz, fprime):
    """The ``in_terms_of_output`` part, if a verified g(a) exists (else None)."""
    ctx = Context(definitions=[Definition(fz, act.expr)], domains={"z": act.domain})
    for s, k, raw, g in output_forms(act.expr, fprime, z, OUTPUT):
        check = check_equation(fprime, g.xreplace({OUTPUT: fz}), ctx, timeout=2.0)
        if check.verdict is not Verdict.TRUE:
            continue
        d.goal(sp.Derivative(fz, z), g, title=f"derivative of {act.name} in terms of its output",
               tag="in_terms_of_output", title_zh=f"用输出 a 表示的 {act.name} 导数")
        d.step(fprime, because("previous_result", f"the derivative of {act.name} (part 1)",
                               f"{act.name} 的导数（第 1 部分）"))
        detail = (f"a = {text(act.expr)} solved for {text(s)}: {text(s)} = {text(k)}")
        if raw != fprime:
            d.step(raw, because("substitution", detail, detail))
        if g != raw:
            d.step(g, because("algebra", "simplify", "化简"))
        return g
    return None


def activation_derivation(act: Activation, name: str | None = None) -> Derivation:
    """The derivation of ``act``'s derivative (see the module docstring)."""
    d = Builder(name or act.name)
    build_activation(d, act)
    return d.build(f"Derivative of {act.name}", f"f′(z) for f(z) = {text(act.expr)}",
                   "activations", f"{act.name} 的导数")


@functools.lru_cache(maxsize=64)
def activation_derivative_result(act: Activation) -> tuple[sp.Expr, sp.Expr | None]:
    """``(f′(z), g(a) or None)`` taken from the *verified* derivation of ``act``.

    ``g`` is written in :data:`OUTPUT` (the Symbol ``a``).  Raises
    DerivationError naming the failing step if the derivation does not verify.
    """
    from symbp.api import verify

    v = verify(activation_derivation(act))
    if not v.verified:
        bad = ", ".join(f"({r.index}) {r.step.because.text()}" for r in v.failures)
        raise DerivationError(f"the derivative of activation '{act.name}' could not be verified: "
                              f"step(s) {bad}",
                              hint="simplify the activation's expression or check it is "
                                   "differentiable")
    fprime = v.part_result("derivative")[2]
    try:
        ga = v.part_result("in_terms_of_output")[2]
    except KeyError:
        ga = None
    return fprime, ga
