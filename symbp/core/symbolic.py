"""The symbolic witness: the difference of the two sides reduces to zero.

Order of attack, each bounded in time (a timeout or a SymPy exception gives
UNDECIDED, never TRUE):

1. General form: definitions expanded, assumptions applied, ``doit``,
   Kronecker-delta sums collapsed with the stated index ranges (SymPy leaves
   ``Piecewise((f(k), k <= n), (0, True))``: the range ``1 ≤ k ≤ n`` is a
   stated fact, applied here), factors pulled out of sums, bound variables
   renamed canonically, then ``simplify``.
2. Concrete instances, exactly: sizes and indices fixed (several of each),
   matrices written out with symbolic entries, each entry simplified.  This
   is a proof for those sizes only, and the evidence says so.
"""

from __future__ import annotations

import itertools

import sympy as sp
from sympy.simplify.simplify import factor_sum

from .atomize import atomized_zero
from .context import Context
from .explicit import (free_indices, index_assignments, instantiate, is_matrix_valued,
                       size_assignments, size_symbols)
from .timeout import TimeLimitExceeded, time_limit
from .verdict import Evidence, Verdict

DEFAULT_TIMEOUT = 4.0
GENERAL_FORM_BUDGET = 0.5  # seconds for simplify on the general (symbolic-n) form


def discharge_index_ranges(e, ctx: Context):
    """Replace ``k <= n``, ``k >= 1`` … by True where the range of index k implies it."""
    implied = {}
    for idx, (lo, hi) in ctx.index_ranges.items():
        lo, hi = sp.sympify(lo), sp.sympify(hi)
        for rel in (sp.Le(idx, hi), sp.Ge(idx, lo), sp.Ge(hi, idx), sp.Le(lo, idx),
                    sp.Lt(idx, hi + 1), sp.Gt(idx, lo - 1)):
            if rel not in (sp.true, sp.false):
                implied[rel] = sp.true
    if not implied:
        return e

    def fix(pw):
        pairs = [(ex, c.xreplace(implied) if isinstance(c, sp.Basic) else c) for ex, c in pw.args]
        return sp.Piecewise(*pairs)

    return e.replace(lambda x: isinstance(x, sp.Piecewise), fix)


def canonical_bound(e):
    """Rename summation variables by nesting depth, so equal sums compare equal."""

    def walk(x, depth):
        if isinstance(x, sp.Sum):
            mapping = {}
            limits = []
            for i, lim in enumerate(x.limits):
                new = sp.Symbol(f"_i{depth}_{i}", integer=True)
                mapping[lim[0]] = new
                limits.append((new, *lim[1:]))
            body = walk(x.function.xreplace(mapping), depth + 1)
            return sp.Sum(body, *limits)
        if x.args and not x.is_Atom:
            new_args = [walk(a, depth) for a in x.args]
            if new_args != list(x.args):
                return x.func(*new_args)
        return x

    return walk(e, 0)


def _starts_late(x) -> bool:
    return (isinstance(x, sp.Sum) and len(x.limits) == 1
            and getattr(x.limits[0][1], "is_Integer", False) and 1 < x.limits[0][1] <= 4)


def _from_one(x):
    """Σ_{i=lo}^{hi} f(i) = Σ_{i=1}^{hi} f(i) − f(1) − … − f(lo − 1): sums split off
    their first terms (Σ_{i=2}^n) compare with the full sums Σ_{i=1}^n."""
    var, lo, hi = x.limits[0]
    head = [x.function.xreplace({var: sp.Integer(t)}) for t in range(1, int(lo))]
    return sp.Sum(x.function, (var, 1, hi)) - sp.Add(*head)


def _steps(e):
    """A step's value at its jump does not count (the rule of :func:`_by_cases`: ReLU′ and
    𝟙(x > 0) agree except at 0): H(x, v) is H(x); and 𝟙(max(0, p) > 0) is 𝟙(p > 0)."""
    if not e.has(sp.Heaviside):
        return e

    def plain(h):
        x = h.args[0]
        at0 = h.args[1] if len(h.args) > 1 else sp.S.Half
        if isinstance(x, sp.Max) and len(x.args) == 2 and 0 in x.args:
            if at0 != 0:
                return h  # H(max(0, p)) is its value at 0 wherever p < 0: kept exactly
            x = x.args[0] if x.args[1] == 0 else x.args[1]  # 𝟙(max(0, p) > 0) = 𝟙(p > 0)
        if x.has(sp.Max, sp.Min, sp.Piecewise, sp.Heaviside, sp.sign, sp.floor, sp.ceiling):
            return h  # an argument that may be 0 on a whole interval: its value there counts
        return sp.Heaviside(x)
    return e.replace(lambda h: isinstance(h, sp.Heaviside), plain)


def normalize(e, ctx: Context):
    """One round of sum-aware normalisation (see module docstring, step 1)."""
    e = sp.expand(_steps(e.doit()))
    e = discharge_index_ranges(e, ctx)
    e = e.replace(_starts_late, _from_one)
    e = e.replace(lambda x: isinstance(x, sp.Sum), lambda x: factor_sum(x))
    e = ctx.rewrite(e)
    e = canonical_bound(sp.expand(e))
    return e


def _is_zero(e) -> bool:
    if isinstance(e, sp.MatrixBase):
        return all(x == 0 for x in e)
    return e == 0 or getattr(e, "is_zero", None) is True


def symbolic_witness(lhs, rhs, ctx: Context, *, rel: str = "=",
                     timeout: float | None = DEFAULT_TIMEOUT) -> Evidence:
    try:
        with time_limit(timeout):
            return _symbolic(lhs, rhs, ctx, rel, _general_budget(timeout))
    except TimeLimitExceeded:
        return Evidence("symbolic", Verdict.UNDECIDED,
                        f"simplification timed out after {timeout:g} s")
    except RecursionError:
        return Evidence("symbolic", Verdict.UNDECIDED, "SymPy recursion limit reached")
    except Exception as exc:  # SymPy can raise anything (StopIteration in sum_simplify, …)
        return Evidence("symbolic", Verdict.UNDECIDED,
                        f"SymPy raised {type(exc).__name__}: {str(exc)[:200]}")


def _general_budget(timeout) -> float:
    """Time for ``simplify`` on the general form before the exact instances run.

    At the catalog's default timeout it is short (the instances decide what the general
    form cannot, and most general forms that succeed do so in well under a second); a
    more generous caller timeout gives a third of it: ``symbp verify --timeout 10``
    gives 3.3 s."""
    if timeout and timeout > DEFAULT_TIMEOUT:
        return max(GENERAL_FORM_BUDGET, timeout / 3)
    return GENERAL_FORM_BUDGET


def _symbolic(lhs, rhs, ctx: Context, rel: str,
              general_budget: float = GENERAL_FORM_BUDGET) -> Evidence:
    L = ctx.rewrite(ctx.expand(sp.sympify(lhs)))
    R = ctx.rewrite(ctx.expand(sp.sympify(rhs)))
    matrix = is_matrix_valued(L) or is_matrix_valued(R) or _mentions_matrices(L, R)
    if rel != "=":
        return _inequality(L, R, ctx, rel)
    if not matrix:
        if _cancels(L - R):
            return Evidence("symbolic", Verdict.TRUE,
                            "difference cancels to 0 as a rational function (general form)")
        if _opaque_zero(lhs, rhs, ctx):
            return Evidence("symbolic", Verdict.TRUE,
                            "difference reduces to 0 with the defined functions (σ, …) kept "
                            "abstract, so it holds for any such function (general form)")
        try:
            # bounded on its own, so the exact concrete instances below still get their turn
            with time_limit(general_budget):
                general = _general_form(L, R, ctx)
        except (NotImplementedError, TimeLimitExceeded):  # e.g. a limit over a sum of length n
            general = None  # the concrete instances below may still decide it
        except StopIteration:  # SymPy's sum_simplify bug (next() on a term without a Sum)
            general = None
        if general is not None:
            return general
    return _concrete(L, R, ctx, general_failed=not matrix)


def _general_form(L, R, ctx: Context) -> Evidence | None:
    d = first = normalize(L - R, ctx)
    if d == 0:
        return Evidence("symbolic", Verdict.TRUE, "difference reduces to 0 (general form)")
    d = sp.simplify(d)
    d = normalize(d, ctx)
    if d == 0 or sp.simplify(d) == 0:
        return Evidence("symbolic", Verdict.TRUE, "difference simplifies to 0 (general form)")
    if d.is_number and d.free_symbols == set() and d.is_zero is False:
        return Evidence("symbolic", Verdict.FALSE,
                        f"difference simplifies to the nonzero constant {d}")
    for (how, rewritten), diff in itertools.product(_REWRITES, (d, first)):
        if diff.has(*how):
            e = rewritten(diff)
            if e == 0:
                return Evidence("symbolic", Verdict.TRUE,
                                "difference simplifies to 0 after rewriting "
                                f"{', '.join(f.__name__ for f in how if diff.has(f))} "
                                "(general form)")
    return None


def _in_exponentials(d):
    """tanh, sinh, cosh written with exp; then a rational function of exponentials."""
    return sp.cancel(sp.together(sp.expand(d.doit().rewrite(sp.exp))))


def _by_cases(d):
    """max, min, |·|, sign as Piecewise over the real line; each case simplified.  A case
    that holds on finitely many points only (x = 0 between x > 0 and x < 0, where ReLU′ or
    d|x|/dx is not defined) does not count: 0 when every other case is 0."""
    folded = sp.simplify(sp.piecewise_fold(d.rewrite(sp.Piecewise)))
    if not isinstance(folded, sp.Piecewise) or len(folded.free_symbols) != 1:
        return folded
    covered = sp.S.EmptySet
    for value, cond in folded.args:
        try:
            where = sp.S.Reals if cond is sp.true else cond.as_set()
            where = where - covered
        except Exception:  # noqa: BLE001 - a condition SymPy cannot solve: keep the cases
            return folded
        covered = covered | where
        if sp.simplify(value) != 0 and not isinstance(where, (sp.FiniteSet, type(sp.S.EmptySet))):
            return folded
    return sp.Integer(0)


#: exact rewrites tried when plain simplification leaves a difference (each bounded by the
#: caller's time limit); a result of exactly 0 is a proof for the general form
_REWRITES = (((sp.tanh, sp.sinh, sp.cosh, sp.sech, sp.csch, sp.coth), _in_exponentials),
             ((sp.Max, sp.Min, sp.Abs, sp.sign, sp.Heaviside, sp.Piecewise), _by_cases))


def _opaque_zero(lhs, rhs, ctx: Context, seconds: float = 1.0) -> bool:
    """The difference reduces to 0 with function definitions (``σ(x) := …``) left
    unexpanded.  Sound: an identity in an arbitrary function σ holds for every σ,
    so for the defined one.  It avoids expanding e.g. σ(Σ_q w_jq a_q + b_j) into
    exponentials of sums, which ``simplify`` cannot bring back together in time.
    Bounded; False means "not shown", nothing more."""
    from dataclasses import replace

    from sympy.core.function import AppliedUndef

    keep = [x for x in ctx.definitions if not isinstance(x.lhs, AppliedUndef)]
    heads = {x.lhs.func for x in ctx.definitions if isinstance(x.lhs, AppliedUndef)}
    if not heads:
        return False
    opaque = replace(ctx, definitions=keep)
    try:
        with time_limit(seconds):
            d = opaque.rewrite(opaque.expand(sp.sympify(lhs))) - \
                opaque.rewrite(opaque.expand(sp.sympify(rhs)))
            if not any(f.func in heads for f in d.atoms(AppliedUndef)):
                return False  # no defined function involved: nothing to keep abstract
            for _ in range(2):  # a derivative's doit can leave a Kronecker sum for a 2nd pass
                d = normalize(d, opaque)
                if d == 0:
                    return True
    except TimeLimitExceeded:
        return False
    except Exception:  # noqa: BLE001 - SymPy can raise anything; "not shown"
        return False
    return False


def _cancels(d, seconds: float = 1.0) -> bool:
    """``cancel(together(d)) == 0``, tried before any expansion: nested fractions
    such as a/((1 − a)(a/(1 − a) + 1)²) with a = σ(z) explode under ``expand``
    but cancel in milliseconds.  Bounded; False means "not shown", nothing more."""
    if d.has(sp.Sum, sp.Limit):
        return False
    try:
        with time_limit(seconds):
            if d.has(sp.Derivative, sp.Subs):
                d = d.doit()  # exact; derivatives of undefined functions stay as symbols
            if sp.cancel(sp.together(d)) == 0:
                return True
            if d.has(sp.tanh, sp.sinh, sp.cosh):  # tanh'(x) = 4/(eˣ + e⁻ˣ)²: in exponentials
                return sp.cancel(sp.together(d.rewrite(sp.exp))) == 0
            return False
    except TimeLimitExceeded:
        return False
    except Exception:  # noqa: BLE001 - SymPy's polys can raise on exotic inputs
        return False


def _mentions_matrices(*exprs) -> bool:
    for e in exprs:
        for node in sp.preorder_traversal(e):
            if getattr(node, "is_Matrix", False) or hasattr(node, "_symbp_explicit"):
                return True
    return False


def _concrete(L, R, ctx: Context, *, general_failed: bool) -> Evidence:
    sizes_syms = sorted(set(size_symbols(L, ctx)) | set(size_symbols(R, ctx)),
                        key=lambda s: s.name)
    index_syms = sorted(set(free_indices(L, ctx)) | set(free_indices(R, ctx)),
                        key=lambda s: s.name)
    if not sizes_syms and not index_syms and general_failed:
        return Evidence("symbolic", Verdict.UNDECIDED, "difference did not simplify to 0")
    cases, checked_sizes = [], []
    for sizes in size_assignments(sizes_syms, ctx):
        checked_sizes.append({str(k): int(v) for k, v in sizes.items()})
        for indices in index_assignments(index_syms, sizes, ctx, limit=4):
            a = instantiate(L, ctx, sizes, indices, rewrite=True)
            b = instantiate(R, ctx, sizes, indices, rewrite=True)
            # a 1×1 matrix (xᵀAx, once written out) is the number it holds
            a = a[0, 0] if isinstance(a, sp.MatrixBase) and a.shape == (1, 1) else a
            b = b[0, 0] if isinstance(b, sp.MatrixBase) and b.shape == (1, 1) else b
            if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
                if getattr(a, "shape", None) != getattr(b, "shape", None):
                    return Evidence("symbolic", Verdict.FALSE,
                                    f"the sides have different shapes for "
                                    f"{_fmt(sizes)}: {getattr(a, 'shape', 'scalar')} vs "
                                    f"{getattr(b, 'shape', 'scalar')}")
                diff = (a - b).applyfunc(_reduce_entry)
            else:
                diff = _reduce_entry(a - b)
            if not _is_zero(diff):
                return Evidence("symbolic", Verdict.UNDECIDED,
                                f"difference not reduced to 0 for {_fmt(sizes)} {_fmt(indices)}")
            cases.append(_fmt({**sizes, **indices}))
    cases = [c for c in cases if c]
    scope = "; ".join(cases) if cases else "the written entries"
    return Evidence("symbolic", Verdict.TRUE,
                    f"exact, with symbolic entries, for {scope}"
                    + (" (general form not reduced by SymPy)" if general_failed else ""),
                    extra={"scope": "instances", "sizes": checked_sizes})


def _reduce_entry(x):
    """One entry of a difference, reduced: a rational function of the symbolic entries
    (inverses are adjugate/determinant) by cancelling over a common denominator, which is
    exact and far faster than ``simplify`` on 3×3 inverses; anything else by simplify."""
    x = _steps(x)
    if atomized_zero(x):
        return 0
    try:
        if x.is_rational_function():
            return sp.cancel(sp.together(x))
    except (TypeError, ValueError, NotImplementedError):
        pass
    return sp.simplify(sp.expand(x))


def _inequality(L, R, ctx: Context, rel: str) -> Evidence:
    d = sp.simplify(normalize(R - L, ctx) if rel in ("<=", "<") else normalize(L - R, ctx))
    strict = rel in ("<", ">")
    # d must be ≥ 0 (or > 0): try SymPy's sign inference, then a sum-of-squares form
    for form in (d, sp.factor(d), sp.together(d)):
        sign = form.is_positive if strict else form.is_nonnegative
        if sign is True:
            return Evidence("symbolic", Verdict.TRUE,
                            f"{'positive' if strict else 'non-negative'} by sign analysis of "
                            f"{sp.sstr(form)[:120]}")
        if sign is False and form.is_number:
            return Evidence("symbolic", Verdict.FALSE, f"difference is {form}")
    return Evidence("symbolic", Verdict.UNDECIDED, f"could not determine the sign of {d}")


def _fmt(d: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in d.items())
