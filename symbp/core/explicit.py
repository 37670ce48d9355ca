"""Concrete instances of an equation: sizes and free indices fixed, matrices written out.

Both witnesses check equations through these instances: the numeric witness
evaluates them at random points, the symbolic one falls back to exact
simplification of them when a general-``n`` or general-shape proof is out of
SymPy's reach.  Derivatives with respect to matrices are taken entrywise here,
*after* the matrices are written out, so SymPy's own matrix calculus (which
silently returns 0 for some inputs, see known pitfalls) is never trusted.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator

import sympy as sp
from sympy.matrices.expressions.kronecker import KroneckerProduct, kronecker_product
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.hadamard import HadamardPower, HadamardProduct

from .context import Context


def is_matrix_valued(e) -> bool:
    return bool(getattr(e, "is_Matrix", False))


def explicit(e):
    """Write out every matrix expression in ``e`` as an explicit matrix.

    Classes may define ``_symbp_explicit(self, explicit)`` to say how they are
    written out (differentials, matrix gradients); that hook is tried first.
    """
    hook = getattr(e, "_symbp_explicit", None)
    if hook is not None and not isinstance(e, type):
        return hook(explicit)
    if isinstance(e, sp.MatrixBase):
        return sp.ImmutableMatrix(e)
    if isinstance(e, sp.MatrixSymbol):
        return e.as_explicit()
    if isinstance(e, (sp.Identity, sp.ZeroMatrix, sp.OneMatrix)):
        return e.as_explicit()
    if isinstance(e, sp.MatAdd):
        args = [explicit(a) for a in e.args]
        out = args[0]
        for a in args[1:]:
            out = out + a
        return out
    if isinstance(e, sp.MatMul):
        out = sp.Integer(1)
        for a in e.args:
            out = out * explicit(a)
        return out
    if isinstance(e, sp.Transpose):
        return explicit(e.arg).T
    if isinstance(e, sp.Inverse):
        return _inverse(explicit(e.arg))
    if isinstance(e, sp.MatPow):
        return explicit(e.base) ** e.exp
    if isinstance(e, HadamardProduct):
        args = [explicit(a) for a in e.args]
        out = args[0]
        for a in args[1:]:
            out = out.multiply_elementwise(a)
        return out
    if isinstance(e, HadamardPower):
        base = explicit(e.base)
        return base.applyfunc(lambda x: x ** e.exp)
    if isinstance(e, ElementwiseApplyFunction):
        # apply to a dummy first: σ′ = Lambda(x, Derivative(σ(x), x)) cannot take an entry
        # that is an expression (∂/∂(w·a + b)) until the derivative is evaluated
        u = sp.Dummy("u")
        body = sp.sympify(e.function(u)).doit()
        if body.has(sp.Derivative):  # φ′ of an undefined φ stays a derivative: at an
            # entry that is an expression it must be Subs(φ′(u), u, entry) (subs makes it)
            return explicit(e.expr).applyfunc(lambda v: body.subs(u, v))
        return explicit(e.expr).applyfunc(lambda v: body.xreplace({u: v}))
    if isinstance(e, KroneckerProduct):
        return sp.ImmutableMatrix(kronecker_product(*[explicit(a) for a in e.args]))
    if type(e).__name__ == "Vec":  # vec(X) of symbp.claims.vec: X's columns stacked
        inner = explicit(e.args[0])
        return sp.ImmutableMatrix([inner[i, j] for j in range(inner.cols)
                                   for i in range(inner.rows)])
    if isinstance(e, sp.DiagMatrix):
        v = list(explicit(e.args[0]))  # not sp.diag(*v): it asks Indexed entries for a shape
        return sp.ImmutableMatrix(len(v), len(v), lambda p, q: v[p] if p == q else 0)
    if isinstance(e, sp.Trace):
        return explicit(e.arg).trace()
    if isinstance(e, sp.Determinant):
        return explicit(e.arg).det(method="berkowitz")
    if isinstance(e, MatrixElement):
        return explicit(e.parent)[e.i, e.j]
    if isinstance(e, sp.Derivative) and any(
        getattr(v, "is_Matrix", False) for v, _ in e.variable_count
    ):
        return _matrix_derivative(e)
    if isinstance(e, sp.Basic) and e.args and _has_matrix(e):
        args = [explicit(a) for a in e.args]
        if any(isinstance(a, sp.MatrixBase) for a in args):
            if isinstance(e, sp.Add):
                out = args[0]
                for a in args[1:]:
                    out = out + a
                return out
            if isinstance(e, sp.Mul):
                out = sp.Integer(1)
                for a in args:
                    out = out * a
                return out
            if isinstance(e, sp.Pow) and isinstance(args[0], sp.MatrixBase):
                return args[0] ** args[1]
        return e.func(*args)
    return e


def _has_matrix(e) -> bool:
    return any(getattr(a, "is_Matrix", False) or hasattr(a, "_symbp_explicit")
               for a in sp.preorder_traversal(e))


def _matrix_derivative(e: sp.Derivative):
    """∂f/∂X for scalar f and matrix X, entry by entry: [∂f/∂X_ij]."""
    expr = explicit(e.expr)
    for var, count in e.variable_count:
        if getattr(var, "is_Matrix", False):
            X = explicit(var)
            if isinstance(expr, sp.MatrixBase):
                raise ValueError("derivative of a matrix by a matrix is not supported")
            for _ in range(count):
                expr = sp.ImmutableMatrix(X.shape[0], X.shape[1],
                                          lambda i, j, ex=expr: sp.diff(ex, X[i, j]))
        else:
            expr = sp.diff(expr, var, count)
    return expr


def size_symbols(expr, ctx: Context) -> list[sp.Symbol]:
    """Size symbols (lengths n, matrix dimensions m, p …) that occur in ``expr``."""
    found = set()
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.MatrixSymbol):
            found |= {s for s in node.shape if isinstance(s, sp.Symbol)}
        elif isinstance(node, (sp.Sum, sp.Product)):
            for lim in node.limits:
                for b in lim[1:]:
                    found |= {s for s in sp.sympify(b).free_symbols}
    syms = all_free_symbols(expr)
    for idx, (lo, hi) in ctx.index_ranges.items():
        if idx in syms:
            for b in (lo, hi):
                found |= set(sp.sympify(b).free_symbols)
    found |= {s for s in ctx.sizes if s in syms}
    found -= set(ctx.index_ranges)
    return sorted(found, key=lambda s: s.name)


def all_free_symbols(expr) -> set:
    """Free symbols, counting those in the variables of a Derivative (SymPy drops
    ``k`` from ``Derivative(C, z[k])`` when ``C`` does not visibly contain ``z[k]``)."""
    syms = set(getattr(expr, "free_symbols", set()))
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Derivative):
            for v in node.variables:
                syms |= v.free_symbols
    return syms


def free_indices(expr, ctx: Context) -> list[sp.Symbol]:
    syms = all_free_symbols(expr)
    return sorted((i for i in ctx.index_ranges if i in syms), key=lambda s: s.name)


def size_assignments(sizes: list[sp.Symbol], ctx: Context, limit: int = 3) -> list[dict]:
    """A few concrete assignments of the size symbols, with distinct values.

    Distinct sizes catch claims that only hold for square (or 1×1) shapes.
    """
    if not sizes:
        return [{}]
    out = []
    k = len(sizes)
    ascending = {s: 2 + i for i, s in enumerate(sizes)}
    descending = {s: 1 + k - i + (1 if k == 1 else 0) for i, s in enumerate(sizes)}
    out.append(ascending)
    if descending != ascending:
        out.append(descending)
    rng = random.Random(7 * k + 1)
    third = {s: rng.choice(ctx.sizes.get(s, (2, 3, 4))) for s in sizes}
    if third not in out:
        out.append(third)
    for s in sizes:
        if s in ctx.sizes:
            for a in out:
                if a[s] not in ctx.sizes[s]:
                    a[s] = ctx.sizes[s][0]
    unique = []
    for a in out:
        if a not in unique:
            unique.append(a)
    return unique[:limit]


#: at most this many candidate size combinations are scored by numeric_size_assignments
_CANDIDATES = 512


def numeric_size_assignments(sizes: list[sp.Symbol], ctx: Context, limit: int = 8) -> list[dict]:
    """The assignments of :func:`size_assignments`, and for user claims
    (``ctx.thorough_sizes``) more, up to ``limit``:

    * one with distinct sizes larger than those the symbolic witness writes out exactly
      (5, 6, 7, … for sizes a context does not restrict), so a claim that happens to hold
      for small sizes (2^n = n² − n + 2 holds for n = 1, 2, 3; a factor (j − 1)(j − 2)(j − 3)
      vanishes for every j ≤ 3) is still refuted;
    * combinations of the allowed sizes chosen so that for every two size symbols s, t
      some assignment has s > t and some has s < t (det(WᵀW) = det(WWᵀ) holds whenever W
      is square; det(BᵀAᵀAB) = det(BᵀB)det(AᵀA) whenever B is not taller than wide).
    """
    out = size_assignments(sizes, ctx)
    if not sizes or not ctx.thorough_sizes:
        return out
    big = {s: max(ctx.sizes[s]) if s in ctx.sizes else 5 + i for i, s in enumerate(sizes)}
    extra = [big]
    ordered = list(itertools.permutations(range(len(sizes)), 2))
    uncovered = {(i, j) for i, j in ordered if not any(a[sizes[i]] > a[sizes[j]] for a in out)}
    pools = [ctx.sizes.get(s, (2, 3, 4)) for s in sizes]
    if math.prod(len(p) for p in pools) <= _CANDIDATES:
        combos = list(itertools.product(*pools))
    else:  # many size symbols: a fixed sample, so the search stays cheap and deterministic
        rng = random.Random(len(sizes))
        combos = list(dict.fromkeys(tuple(rng.choice(p) for p in pools)
                                    for _ in range(_CANDIDATES)))
    while uncovered and combos and len(extra) < limit:
        best = max(combos, key=lambda c: sum(c[i] > c[j] for i, j in uncovered))
        if not any(best[i] > best[j] for i, j in uncovered):
            break  # the allowed sizes cannot order the rest
        uncovered = {(i, j) for i, j in uncovered if not best[i] > best[j]}
        combos.remove(best)
        extra.append(dict(zip(sizes, best)))
    for a in extra:
        if a not in out and len(out) < limit:
            out.append(a)
    return out


def index_assignments(indices: list[sp.Symbol], sizes: dict, ctx: Context,
                      limit: int = 6) -> Iterator[dict]:
    """Integer values for the free indices within their ranges: coinciding and distinct ones."""
    if not indices:
        yield {}
        return
    ranges = []
    for i in indices:
        lo, hi = ctx.index_ranges[i]
        lo = int(sp.sympify(lo).xreplace(sizes))
        hi = int(sp.sympify(hi).xreplace(sizes))
        ranges.append(range(lo, hi + 1))
    combos = [c for c in itertools.product(*ranges)
              if _admitted(dict(zip(indices, c)), ctx)]
    if len(combos) > limit:
        rng = random.Random(len(combos))
        equal = [c for c in combos if len(set(c)) < len(c)]
        distinct = [c for c in combos if len(set(c)) == len(c)]
        pick = rng.sample(equal, min(len(equal), limit // 2)) if equal else []
        pick += rng.sample(distinct, min(len(distinct), limit - len(pick)))
        combos = pick
    for c in combos:
        yield dict(zip(indices, [sp.Integer(v) for v in c]))


def _admitted(values: dict, ctx: Context) -> bool:
    """Assumptions may restrict index values (``k ≠ j``) with an ``admits(values)`` method."""
    return all(a.admits(values) for a in ctx.assumptions if hasattr(a, "admits"))


def expand_finite_sums(e):
    """Σ_{i=lo}^{hi} f(i) with integer bounds → f(lo) + … + f(hi), innermost first.

    Much faster than ``Sum.doit``, which first attempts a closed form.
    """

    def write_out(s):
        body = s.function
        for var, lo, hi in reversed(s.limits):
            if not (getattr(lo, "is_Integer", False) and getattr(hi, "is_Integer", False)):
                return s
        terms = [body]
        for var, lo, hi in reversed(s.limits):
            terms = [t.xreplace({var: sp.Integer(v)}) for t in terms
                     for v in range(int(lo), int(hi) + 1)]
        return sp.Add(*terms)

    return e.replace(lambda x: isinstance(x, sp.Sum), write_out)


def instantiate(expr, ctx: Context, sizes: dict, indices: dict, *, rewrite: bool):
    """Definitions expanded, (assumptions applied), sizes and indices fixed, matrices explicit."""
    e = ctx.expand(sp.sympify(expr))
    if rewrite:
        e = ctx.rewrite(e)
    subs = {k: sp.sympify(v) for k, v in {**sizes, **indices}.items()}
    if subs:
        e = e.xreplace(subs)
    e = expand_finite_sums(e)
    if rewrite and subs:  # concrete entries (z_2, z_3, …) may now match an assumption
        e = ctx.rewrite(e)
    written = explicit(e)
    if written is not e:  # entries written out by a hook may mention defined a_1, a_2, …
        again = ctx.expand(written)
        if again != written:
            written = expand_finite_sums(again.xreplace(subs) if subs else again)
    e = written.doit() if rewrite else _doit_keeping_limits(written)
    if rewrite:
        e = ctx.rewrite(e)
        for a in ctx.assumptions:  # y_n = 1 − Σ_{j<n} y_j once the sums are written out
            solve = getattr(a, "solve", None)
            fixed = solve({k: v for k, v in sizes.items()}) if solve else {}
            if fixed:
                e = e.xreplace(fixed)
    return e


def _doit_keeping_limits(e):
    """``doit`` everywhere but on Limit nodes, which the numeric witness approaches itself
    (SymPy's ``limit`` may not decide them: the sign of z_1 − z_2 is unknown to it)."""
    if not e.has(sp.Limit):
        return e.doit()
    held = {}

    def hold(lim):
        h = sp.Dummy("limit")
        held[h] = sp.Limit(lim.args[0].doit(), *lim.args[1:])
        return h

    return e.replace(lambda x: isinstance(x, sp.Limit), hold).doit().xreplace(held)


try:  # SymPy ≥ 1.13
    from sympy.matrices.exceptions import NonSquareMatrixError
except ImportError:  # pragma: no cover - SymPy 1.12
    from sympy.matrices.common import NonSquareMatrixError


def _inverse(m):
    """M⁻¹ = adj(M)/det(M): cofactors of symbolic entries (sizes 2–3 here) instead of
    Gaussian elimination, whose pivoting simplifications take seconds on a 3×3 of
    symbols.  Exact and equal to ``M.inv()``; singular numeric matrices still raise."""
    m = sp.ImmutableMatrix(m)
    if m.rows != m.cols:
        raise NonSquareMatrixError("an inverse needs a square matrix")
    if m.rows > 4 or all(x.is_number for x in m):
        return m.inv()
    det = m.det(method="berkowitz")
    if det == 0:
        raise ValueError("the matrix is singular")
    return (m.adjugate(method="berkowitz") / det).as_immutable()
