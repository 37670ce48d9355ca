"""Automatic, step-by-step differentiation of an activation f(z) := expr.

Used by :mod:`derivations.activations`.  Every step is produced by a SymPy
operation on the expression (one differentiation rule applied to one
unevaluated ``Derivative`` node, then ``doit`` on the elementary derivatives
that remain, then simplification); nothing is typed per activation.  The
steps are *proposals*: the witnesses verify each of them like any other step.

Rules, tried on the first non-elementary ``Derivative(u, z)`` in the chain:

* sum rule        d(u₁+u₂)/dz = du₁/dz + du₂/dz (terms free of z dropped)
* linearity       d(c·u)/dz = c·du/dz
* quotient rule   d(p/q)/dz = (q·dp/dz − p·dq/dz)/q²
* product rule    d(u·v)/dz = v·du/dz + u·dv/dz
* chain rule      d g(u)/dz = g′(u)·du/dz  (g a function or a constant power)

A derivative is *elementary* (evaluated directly) when its argument is a
polynomial of degree ≤ 1 in z or a function applied to z itself (e^z, tanh z,
max(0, z), z^p …).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symbp.notation.text_out import text

MAX_RULE_STEPS = 8


@dataclass(frozen=True)
class Move:
    """One proposed step: the new expression and why (a KINDS key and detail)."""

    rhs: sp.Expr
    kind: str
    detail: str
    detail_zh: str


def _d(u, z):
    return sp.Derivative(u, z)


def is_elementary(u, z) -> bool:
    if not u.has(z):
        return True
    if u.is_polynomial(z) and sp.degree(u, z) <= 1:
        return True
    if isinstance(u, sp.Pow) and u.base == z and not u.exp.has(z):
        return True
    return isinstance(u, sp.Function) and all(a == z or not a.has(z) for a in u.args)


def _pending(expr, z):
    """Non-elementary ``Derivative(u, z)`` nodes, outermost first."""
    return [n for n in sp.preorder_traversal(expr)
            if isinstance(n, sp.Derivative) and n.variables == (z,)
            and not is_elementary(n.expr, z)]


def _rule(u, z):
    """``(rewritten derivative, kind, detail, detail_zh)`` for ``Derivative(u, z)``."""
    t = text(u)
    if isinstance(u, sp.Add):
        terms = [a for a in u.args if a.has(z)]
        return (sp.Add(*[_d(a, z) for a in terms]), "sum_rule",
                f"differentiate {t} term by term; constant terms vanish",
                f"对 {t} 逐项求导；常数项导数为 0")
    if isinstance(u, sp.Mul):
        coeff, rest = u.as_independent(z, as_Add=False)
        if coeff != 1:
            return (coeff * _d(rest, z), "linearity",
                    f"the constant factor {text(coeff)} comes out of d/dz",
                    f"常数因子 {text(coeff)} 提到求导之外")
        num, den = sp.fraction(u)
        if den.has(z) and num.has(z):
            return ((den * _d(num, z) - num * _d(den, z)) / den**2, "quotient_rule",
                    f"(p/q)′ = (q·p′ − p·q′)/q² with p = {text(num)}, q = {text(den)}",
                    f"(p/q)′ = (q·p′ − p·q′)/q²，其中 p = {text(num)}，q = {text(den)}")
        factors = list(u.args)
        terms = [sp.Mul(*(factors[:i] + factors[i + 1:])) * _d(f, z)
                 for i, f in enumerate(factors)]
        return (sp.Add(*terms), "product_rule",
                f"(uv)′ = u′v + uv′ applied to {t}", f"对 {t} 用 (uv)′ = u′v + uv′")
    if isinstance(u, sp.Pow) and not u.exp.has(z):
        base, e = u.base, u.exp
        return (e * base**(e - 1) * _d(base, z), "chain_rule",
                f"d(u^{text(e)})/dz = {text(e)}·u^{text(e - 1)}·du/dz with u = {text(base)}",
                f"d(u^{text(e)})/dz = {text(e)}·u^{text(e - 1)}·du/dz，其中 u = {text(base)}")
    if isinstance(u, sp.Function):
        inner = [a for a in u.args if a.has(z)]
        if len(inner) == 1:
            arg = inner[0]
            x = sp.Dummy("x", real=True)
            outer = u.xreplace({arg: x})
            g1 = sp.diff(outer, x).xreplace({x: arg})
            name = text(outer.xreplace({x: sp.Symbol("u")}))
            return (g1 * _d(arg, z), "chain_rule",
                    f"d {name}/dz = ({name})′·du/dz with u = {text(arg)}",
                    f"d {name}/dz = ({name})′·du/dz，其中 u = {text(arg)}")
    return None


def rule_moves(start, z):
    """Apply one rule per step until only elementary derivatives remain."""
    moves: list[Move] = []
    expr = start
    for _ in range(MAX_RULE_STEPS):
        pending = _pending(expr, z)
        if not pending:
            break
        node = pending[0]
        rule = _rule(node.expr, z)
        if rule is None:
            break
        new, kind, en, zh = rule
        expr = expr.xreplace({node: new})
        moves.append(Move(expr, kind, en, zh))
    return moves, expr


def evaluate_move(expr, z) -> Move | None:
    """Evaluate the remaining (elementary) derivatives with ``doit``."""
    nodes = [n for n in sp.preorder_traversal(expr) if isinstance(n, sp.Derivative)]
    if not nodes:
        return None
    done = expr.doit()
    facts = "; ".join(f"d({text(n.expr)})/dz = {text(n.doit())}"
                      for n in dict.fromkeys(nodes))
    return Move(done, "derivative", facts, facts)


def _funcs(e):
    return {type(n) for n in sp.preorder_traversal(e) if isinstance(n, sp.Function)}


def simplify_move(expr) -> Move | None:
    """The shortest of simplify/factor/cancel that introduces no new functions."""
    best = expr
    for f in (sp.simplify, sp.factor, sp.cancel, sp.together):
        try:
            cand = f(expr)
        except Exception:  # noqa: BLE001, S112 - SymPy may raise on odd inputs; keep the last good form
            continue
        if _funcs(cand) <= _funcs(expr) and sp.count_ops(cand) < sp.count_ops(best):
            best = cand
    if best == expr:
        return None
    return Move(best, "algebra", "simplify", "化简")


def derivative_moves(expr, z) -> list[Move]:
    """All steps from ``Derivative(expr, z)`` to f′(z) (after the definition step)."""
    moves, end = rule_moves(_d(expr, z), z)
    ev = evaluate_move(end, z)
    if ev is not None:
        moves.append(ev)
        end = ev.rhs
    simp = simplify_move(end)
    if simp is not None:
        moves.append(simp)
    return moves


def output_forms(expr, fprime, z, a):
    """Candidates ``(s, k(a), g(a))``: a subexpression s of f, solved from a = f(z)
    as s = k(a), and f′ rewritten through it as g(a) (no z left).  Unverified;
    generated lazily, so the caller can stop at the first one it verifies."""
    seen = set()
    for s in sp.preorder_traversal(expr):
        if not s.has(z) or s in seen or isinstance(s, sp.Integer):
            continue
        seen.add(s)
        S = sp.Dummy("S")
        try:
            sols = sp.solve(sp.Eq(a, expr.xreplace({s: S})), S)
        except Exception:  # noqa: BLE001, S112 - solve gives up with NotImplementedError and others
            continue
        if not sols or len(sols) > 2:
            continue
        for k in sols:
            if k.has(z) or k.has(sp.Piecewise) or k.has(sp.nan):
                continue
            raw = fprime.subs(s, k)
            if raw.has(z):
                continue
            g = min((sp.simplify(raw), sp.factor(raw), sp.expand(raw)), key=sp.count_ops)
            yield s, k, raw, g
