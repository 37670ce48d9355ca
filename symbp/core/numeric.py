"""The numeric witness: both sides evaluated at random points in high precision.

For every concrete instance (sizes and free indices fixed, see
:mod:`symbp.core.explicit`) the two sides are compiled with ``lambdify`` to
mpmath and evaluated at random points of the declared domains, with the
declared assumptions imposed on each sample, at 50 significant digits.  A
difference above ``1e-20`` (relative, or absolute below magnitude 1) is
re-evaluated at 100 digits before it is reported as a counterexample, so
rounding never produces a false "false".
"""

from __future__ import annotations

import math
import random
from typing import Any

import mpmath
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from .context import Context
from .explicit import (free_indices, index_assignments, instantiate,
                       numeric_size_assignments, size_symbols)
from .verdict import Evidence, Verdict

TOLERANCE = mpmath.mpf("1e-20")
DPS = 50
CONFIRM_DPS = 100


def _atoms(e) -> list[sp.Basic]:
    found = set()
    for node in sp.preorder_traversal(e):
        if isinstance(node, (sp.Indexed, MatrixElement)):
            found.add(node)
    labels = set()
    for a in found:
        if isinstance(a, sp.Indexed):
            labels.add(a.base.label)
    for s in getattr(e, "free_symbols", set()):
        if isinstance(s, sp.Symbol) and s not in labels:
            found.add(s)
    found = {a for a in found if not any(a in b.args for b in found if b is not a)}
    return sorted(found, key=sp.default_sort_key)


def _entries(e) -> list:
    if isinstance(e, sp.MatrixBase):
        return list(e)
    return [e]


def _shape(e):
    return e.shape if isinstance(e, sp.MatrixBase) else None


def _limit_points(x0, direction):
    if x0 is sp.oo:
        return [mpmath.mpf(10) ** p for p in (2, 4, 6)]
    if x0 is sp.S.NegativeInfinity:
        return [-(mpmath.mpf(10) ** p) for p in (2, 4, 6)]
    sign = -1 if str(direction) == "-" else 1
    return [mpmath.mpf(x0) + sign * mpmath.mpf(10) ** -p for p in (6, 12, 18)]


_FUNCS = {
    sp.exp: mpmath.exp, sp.log: mpmath.log, sp.tanh: mpmath.tanh, sp.sinh: mpmath.sinh,
    sp.cosh: mpmath.cosh, sp.sin: mpmath.sin, sp.cos: mpmath.cos, sp.tan: mpmath.tan,
    sp.Abs: abs, sp.atanh: mpmath.atanh, sp.asinh: mpmath.asinh, sp.atan: mpmath.atan,
}


class _Unsupported(Exception):
    pass


def _tree_eval(e, env):
    """Evaluate a scalar SymPy tree with mpmath numbers (fast path; no code generation)."""
    if e in env:
        return env[e]
    if e.is_Integer:
        return mpmath.mpf(int(e))
    if e.is_Rational:
        return mpmath.mpf(int(e.p)) / int(e.q)
    if e.is_Float:
        return mpmath.mpf(e)
    if e.is_Add:
        return mpmath.fsum(_tree_eval(a, env) for a in e.args)
    if e.is_Mul:
        out = mpmath.mpf(1)
        for a in e.args:
            out *= _tree_eval(a, env)
        return out
    if e.is_Pow:
        base = _tree_eval(e.base, env)
        ex = e.exp
        if ex.is_Integer:
            return base ** int(ex)
        return mpmath.power(base, _tree_eval(ex, env))
    f = _FUNCS.get(e.func) or getattr(e.func, "_imp_", None)  # _imp_: implemented_function
    if f is not None:
        return f(*[_tree_eval(a, env) for a in e.args])
    if e is sp.E:
        return mpmath.e
    if e is sp.pi:
        return mpmath.pi
    if isinstance(e, sp.KroneckerDelta):
        i, j = e.args
        return mpmath.mpf(1 if i == j else 0) if i.is_Integer and j.is_Integer else \
            mpmath.mpf(1 if _tree_eval(i, env) == _tree_eval(j, env) else 0)
    if isinstance(e, sp.Max):
        return max(_tree_eval(a, env) for a in e.args)
    if isinstance(e, sp.Min):
        return min(_tree_eval(a, env) for a in e.args)
    if isinstance(e, sp.Heaviside):
        x = _tree_eval(e.args[0], env)
        at0 = _tree_eval(e.args[1], env) if len(e.args) > 1 else mpmath.mpf(1) / 2
        return mpmath.mpf(1) if x > 0 else mpmath.mpf(0) if x < 0 else at0
    if e.is_zero is True:
        return mpmath.mpf(0)
    raise _Unsupported(type(e).__name__)


def _compile(entries, atoms):
    """A function of the atom values returning the entries' values (mpmath numbers).

    A small tree evaluator handles the usual functions; anything else goes through
    ``lambdify`` to mpmath.
    """
    exprs = [sp.sympify(x) for x in entries]
    dummies = [sp.Dummy(f"x{i}") for i in range(len(atoms))]
    mapping = dict(zip(atoms, dummies))
    slow = None

    def run(*args):
        nonlocal slow
        if slow is None:
            env = dict(zip(atoms, args))
            try:
                return [_tree_eval(x, env) for x in exprs]
            except _Unsupported:
                slow = sp.lambdify(dummies, [x.xreplace(mapping) for x in exprs],
                                   modules=["mpmath"], docstring_limit=0)
        return slow(*args)

    return run


def _value(x):
    if isinstance(x, mpmath.mpc):
        if abs(x.imag) > mpmath.mpf(10) ** (-mpmath.mp.dps // 2) * max(1, abs(x.real)):
            raise ValueError("complex value: outside the domain")
        return x.real
    return mpmath.mpf(x)


def _rel_error(lv, rv):
    err = abs(lv - rv)
    scale = max(abs(lv), abs(rv), mpmath.mpf(1))
    return err / scale


def _has_limit(e) -> bool:
    return any(isinstance(n, sp.Limit) for n in sp.preorder_traversal(e))


def _strip_limits(e, t):
    """Replace each Limit(f, x, x0) by f with x -> x0 approached at step t (0, 1, 2)."""

    def repl(lim):
        f, x, x0, d = lim.args
        with mpmath.workdps(60):  # 1 − 10⁻¹⁸ must not round to 1 at the default precision
            point = sp.Float(mpmath.nstr(_limit_points(x0, d)[t], 60), 60)
        return f.xreplace({x: point})

    return e.replace(lambda n: isinstance(n, sp.Limit), repl)


def _undefined_derivative(e) -> bool:
    """A derivative of an undefined function (f′ of UFLDL's δ), which mpmath cannot
    evaluate."""
    from sympy.core.function import AppliedUndef

    # also an undefined φ applied entrywise (Lambda(t, φ(t))) whose derivative is only
    # formed when a gradient is written out
    return any(d.expr.atoms(AppliedUndef) for d in e.atoms(sp.Derivative)) or any(
        lam.atoms(AppliedUndef) for lam in e.atoms(sp.Lambda)) or any(
        not hasattr(c, "_imp_") for c in e.atoms(AppliedUndef))


def _concrete_functions(e):
    """An undefined function f (a generic activation, f′ in UFLDL's δ) replaced by one
    smooth function with coefficients fixed by its name: an identity for every f holds for
    this one; its derivatives are then evaluated like any other."""
    from sympy.core.function import AppliedUndef

    if not isinstance(e, sp.Basic):
        return e
    calls = {c for c in e.atoms(AppliedUndef)} | {
        c for d in e.atoms(sp.Derivative) for c in d.expr.atoms(AppliedUndef)}
    if not calls:
        return e
    table = {}
    for c in calls:
        rng = random.Random(f"{c.func}/{len(c.args)}")
        u = [sp.Dummy(f"u{i}") for i in range(len(c.args))]
        body = sp.Rational(rng.randint(-9, 9), 7) + sum(
            sp.Rational(rng.randint(1, 9), 5) * sp.sin(sp.Rational(rng.randint(3, 9), 7) * v
                                                        + sp.Rational(rng.randint(0, 9), 11))
            + sp.Rational(rng.randint(1, 9), 13) * v ** 2 for v in u)
        if len(u) > 1:
            body += sp.Rational(rng.randint(1, 9), 17) * u[0] * u[1]
        table[c.func] = sp.Lambda(tuple(u), body)
    def concrete(x):
        return x.xreplace({c: table[c.func](*c.args) for c in x.atoms(AppliedUndef)
                           if c.func in table})

    # only the derivatives of those functions are evaluated (doit on the whole expression
    # would also try to evaluate every Sum symbolically)
    e = e.replace(lambda x: isinstance(x, sp.Derivative) and x.expr.has(*table),
                  lambda x: concrete(x).doit(deep=False))
    return e.replace(lambda x: isinstance(x, AppliedUndef) and x.func in table,
                     lambda x: table[x.func](*x.args))


def numeric_witness(lhs, rhs, ctx: Context, *, rel: str = "=", points: int = 3,
                    seed: int = 0) -> Evidence:
    """Evaluate ``lhs rel rhs`` at random points of every concrete instance; when a
    derivative of an undefined function cannot be evaluated, once more with that function
    made a fixed smooth one (:func:`_concrete_functions`)."""
    expanded = [ctx.expand(sp.sympify(lhs)), ctx.expand(sp.sympify(rhs))]
    # a definition's sizes may not have been tied to the claim's (see the shape error below)
    defined = ctx.sizes_inferred and any(e != sp.sympify(side)
                                         for e, side in zip(expanded, (lhs, rhs)))
    found = _numeric(expanded, ctx, rel, points, seed, defined)
    if found.verdict is Verdict.UNDECIDED and (
            "could not" in found.detail or "no sample point" in found.detail) and any(
            isinstance(e, sp.Basic) and _undefined_derivative(e) for e in expanded):
        return _numeric([_concrete_functions(e) for e in expanded], ctx, rel, points, seed,
                        defined)
    return found


def _numeric(expanded, ctx: Context, rel: str, points: int, seed: int,
             defined: bool) -> Evidence:
    rng = random.Random(seed)
    sizes_syms = sorted(set().union(*(size_symbols(e, ctx) for e in expanded)),
                        key=lambda s: s.name)
    index_syms = sorted(set().union(*(free_indices(e, ctx) for e in expanded)),
                        key=lambda s: s.name)
    limits = any(_has_limit(e) for e in expanded)
    max_err = mpmath.mpf(0)
    checked = 0
    skipped = 0
    shapes_seen = []
    for sizes in numeric_size_assignments(sizes_syms, ctx):
        for indices in index_assignments(index_syms, sizes, ctx):
            try:
                L = instantiate(expanded[0], ctx, sizes, indices, rewrite=False)
                R = instantiate(expanded[1], ctx, sizes, indices, rewrite=False)
            except Exception as exc:  # a shape that does not conform is a finding
                if _is_shape_error(exc) and defined:
                    # a definition's sizes were not tied to the claim's: the reading, not
                    # the claim, cannot be formed at these sizes
                    return Evidence("numeric", Verdict.UNDECIDED,
                                    f"could not instantiate for {_fmt(sizes)} once the "
                                    f"definitions were expanded ({exc}): the sizes they imply "
                                    "were not all inferred")
                if _is_shape_error(exc):
                    return Evidence("numeric", Verdict.FALSE,
                                    f"the sides cannot be formed for sizes {_fmt(sizes)}: {exc}",
                                    counterexample={"sizes": _fmt_dict(sizes), "reason": str(exc)})
                return Evidence("numeric", Verdict.UNDECIDED,
                                f"could not instantiate for {_fmt(sizes)}: "
                                f"{type(exc).__name__}: {exc}")
            if _shape(L) != _shape(R) and not (_is_scalar_like(L) and _is_scalar_like(R)):
                return Evidence(
                    "numeric", Verdict.FALSE,
                    f"the two sides have different shapes {_shape(L) or 'scalar'} and "
                    f"{_shape(R) or 'scalar'} for sizes {_fmt(sizes)}",
                    counterexample={"sizes": _fmt_dict(sizes),
                                    "lhs_shape": str(_shape(L) or "scalar"),
                                    "rhs_shape": str(_shape(R) or "scalar")})
            if _shape(L) is not None:
                shapes_seen.append(_shape(L))
            variants = [(L, R)]
            if limits:
                variants = [(_strip_limits(L, t), _strip_limits(R, t)) for t in range(3)]
            atoms = _atoms(sp.Tuple(*[v for pair in variants for side in pair
                                      for v in _entries(side)]))
            try:
                compiled = [(_compile(_entries(a), atoms), _compile(_entries(b), atoms))
                            for a, b in variants]
            except Exception as exc:
                return Evidence("numeric", Verdict.UNDECIDED,
                                f"could not compile for evaluation: {type(exc).__name__}: {exc}")
            for _ in range(points):
                with mpmath.workdps(DPS):
                    values = {a: mpmath.mpf(rng.uniform(*ctx.domain_of(a))) for a in atoms}
                    values = ctx.constrain(values, {**sizes, **indices})  # j, y of s_j − s_y > 0
                args = [values[a] for a in atoms]
                try:
                    with mpmath.workdps(DPS):
                        results = [([_value(x) for x in fl(*args)], [_value(x) for x in fr(*args)])
                                   for fl, fr in compiled]
                except (ValueError, ZeroDivisionError, OverflowError, TypeError):
                    skipped += 1
                    continue
                except Exception as exc:  # e.g. lambdify cannot print a node: never a verdict
                    return Evidence("numeric", Verdict.UNDECIDED,
                                    f"could not evaluate: {type(exc).__name__}: "
                                    f"{str(exc)[:160]}")
                lv, rv = results[-1]
                if limits:
                    errs = [max(_rel_error(a, b) for a, b in zip(x, y)) for x, y in results]
                    err = errs[-1]
                    ok = err < mpmath.mpf("1e-5")
                else:
                    err = max(_rel_error(a, b) for a, b in zip(lv, rv)) if rel == "=" else 0
                    ok = _holds(rel, lv, rv) if rel != "=" else err < TOLERANCE
                if not ok and not limits and rel == "=":
                    with mpmath.workdps(CONFIRM_DPS):
                        lv2 = [_value(x) for x in compiled[-1][0](*args)]
                        rv2 = [_value(x) for x in compiled[-1][1](*args)]
                    err = max(_rel_error(a, b) for a, b in zip(lv2, rv2))
                    ok = err < TOLERANCE
                if not ok:
                    return Evidence(
                        "numeric", Verdict.FALSE,
                        f"the sides differ at a random point (relative error {_float(err):.3g})"
                        if rel == "=" else f"the relation {rel} fails at a random point",
                        counterexample={
                            "sizes": _fmt_dict(sizes), "indices": _fmt_dict(indices),
                            "values": {str(a): _float(values[a]) for a in atoms},
                            "lhs": _pack(lv, L), "rhs": _pack(rv, R)},
                        max_rel_error=_float(err))
                checked += 1
                max_err = max(max_err, err)
    if checked == 0:
        return Evidence("numeric", Verdict.UNDECIDED,
                        f"no sample point inside the domain ({skipped} rejected)")
    where = f" over sizes/shapes {sorted(set(map(str, shapes_seen)))}" if shapes_seen else ""
    what = "limits approached along 3 points" if limits else f"{DPS}-digit evaluation"
    return Evidence("numeric", Verdict.TRUE,
                    f"{checked} random points agree{where} ({what})",
                    max_rel_error=_float(max_err))


def _holds(rel, lv, rv) -> bool:
    slack = mpmath.mpf(10) ** -30
    ops = {"<=": lambda a, b: a <= b + slack, ">=": lambda a, b: a + slack >= b,
           "<": lambda a, b: a < b, ">": lambda a, b: a > b}
    return all(ops[rel](a, b) for a, b in zip(lv, rv))


def _is_scalar_like(x) -> bool:
    return not isinstance(x, sp.MatrixBase) or x.shape == (1, 1)


def _is_shape_error(exc: Exception) -> bool:
    name = type(exc).__name__
    return name in ("ShapeError", "NonSquareMatrixError") or "shape" in str(exc).lower() \
        or "dimension" in str(exc).lower()


def _float(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _pack(values, like) -> Any:
    vals = [_float(v) for v in values]
    if isinstance(like, sp.MatrixBase):
        r, c = like.shape
        return [vals[i * c:(i + 1) * c] for i in range(r)]
    return vals[0]


def _fmt(d: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in d.items()) or "(none)"


def _fmt_dict(d: dict) -> dict:
    return {str(k): int(v) if getattr(v, "is_Integer", False) or isinstance(v, int) else str(v)
            for k, v in d.items()}
