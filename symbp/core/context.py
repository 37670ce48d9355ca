"""What an equation is checked under: definitions, assumptions, domains, index ranges.

* A :class:`Definition` ``a_j := e^{z_j} / Σ_i e^{z_i}`` is expanded before any
  witness looks at an equation, so ``∂a_j/∂z_k`` is computed, not taken as 0.
* An :class:`Assumption` rewrites symbolically (``Σ_j y_j → 1``) and constrains
  the numeric samples (the sampled ``y`` are rescaled to sum to 1).
* Domains say where numeric witnesses sample (``ln a`` needs ``a > 0``).
* Index ranges say which integers a free index takes (``1 ≤ k ≤ n``); the
  Kronecker-delta sum ``Σ_i f(i) δ_ik = f(k)`` needs exactly that range.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.core.function import AppliedUndef
from .expr import LayerLabel


def _rename_bound(expr: sp.Expr) -> sp.Expr:
    """Give every Sum/Product/Lambda-bound variable a fresh Dummy (no capture on substitution)."""

    def fresh(e):
        limits = []
        mapping = {}
        for lim in e.limits:
            var = lim[0]
            new = sp.Dummy(var.name, **var.assumptions0)
            mapping[var] = new
            limits.append((new, *lim[1:]))
        return e.func(e.function.xreplace(mapping), *limits)

    return expr.replace(lambda e: isinstance(e, (sp.Sum, sp.Product)), fresh)


@dataclass(frozen=True)
class Definition:
    """``lhs := rhs``.  ``lhs`` is a Symbol, an Indexed ``a[j]`` with index symbols,
    an applied function ``sigma(x)`` with symbol arguments, or a MatrixSymbol."""

    lhs: Any
    rhs: Any
    name: str = ""

    def expand(self, expr: sp.Basic) -> sp.Basic:
        lhs = self.lhs
        if isinstance(lhs, sp.Indexed):
            params = lhs.indices
            base = lhs.base

            def free(p) -> bool:
                """An index the definition is stated for every value of (j in a_j = …); a
                written number (z^{(2)}_k: layer 2) or the output layer L (a^L_j = softmax:
                that layer only, not a^{L-1}) must agree instead."""
                return isinstance(p, sp.Symbol) and not (
                    isinstance(base.label, LayerLabel) and p is params[0] and p.name == "L")

            def match(e):
                return isinstance(e, sp.Indexed) and e.base == base \
                    and len(e.indices) == len(params) and all(
                        p == i for p, i in zip(params, e.indices) if not free(p))

            def build(e):
                return _rename_bound(self.rhs).xreplace(
                    {p: i for p, i in zip(params, e.indices) if free(p)})

            return expr.replace(match, build)
        if isinstance(lhs, AppliedUndef):
            params = lhs.args
            func = lhs.func

            def match(e):
                return isinstance(e, AppliedUndef) and e.func == func and len(e.args) == len(params)

            def build(e):
                return _rename_bound(self.rhs).xreplace(dict(zip(params, e.args)))

            return expr.replace(match, build)
        return expr.xreplace({lhs: self.rhs})

    def head(self):
        if isinstance(self.lhs, sp.Indexed):
            return self.lhs.base
        if isinstance(self.lhs, AppliedUndef):
            return self.lhs.func
        return self.lhs


@dataclass(frozen=True)
class Assumption:
    """A stated assumption: a rewrite for the symbolic witness and a sampler constraint.

    ``rewrite(expr) -> expr`` applies it symbolically; ``constrain(values, sizes)``
    adjusts a numeric sample (a dict from atoms to values) so it satisfies it.
    """

    text: str  # readable, e.g. "Σ_j y_j = 1"
    latex: str
    rewrite: Callable[[sp.Basic], sp.Basic] = lambda e: e
    constrain: Callable[[dict, Mapping], dict] = lambda values, sizes: values
    name: str = ""
    # at concrete sizes, an exact substitution that makes it hold (y_n = 1 − Σ_{j<n} y_j),
    # for the symbolic witness's written-out instances, where a Σ no longer appears
    solve: Callable[[Mapping], dict] | None = None


def _normalised(values: dict, keys: list) -> dict:
    """A numeric sample with the entries ``keys`` made non-negative and summing to 1."""
    total = sum(abs(values[a]) for a in keys)
    if total:
        for a in keys:
            values[a] = abs(values[a]) / total
    return values


def sum_equals_one(base: sp.IndexedBase, length: sp.Symbol, start: int = 1) -> Assumption:
    """Σ_{j=start}^{length} y_j = 1 (e.g. a one-hot or probability target)."""
    latex = rf"\sum_{{j={start}}}^{{{sp.latex(length)}}} {sp.latex(base)}_{{j}} = 1"

    def is_target_sum(e):
        if not isinstance(e, sp.Sum) or len(e.limits) != 1:
            return False
        var, lo, hi = e.limits[0]
        return e.function == base[var] and lo == start and hi == length

    def rewrite(expr):
        return expr.replace(is_target_sum, lambda e: sp.Integer(1))

    def constrain(values, sizes):
        return _normalised(values, [a for a in values
                                    if isinstance(a, sp.Indexed) and a.base == base])

    def solve(sizes):
        n = sp.sympify(length).xreplace({k: sp.Integer(v) for k, v in sizes.items()})
        if not n.is_Integer or n < 1:
            return {}
        last = start + int(n) - 1
        return {base[last]: 1 - sum((base[k] for k in range(start, last)), sp.Integer(0))}

    return Assumption(f"Σ_j {base}_j = 1", latex, rewrite, constrain, name="sum_to_one",
                      solve=solve)


def vector_sums_to_one(vector: sp.MatrixSymbol) -> Assumption:
    """Σ_i y_i = 1 for the entries of a column vector y (a one-hot or probability target)."""
    latex = rf"\sum_i {sp.latex(vector)}_i = 1"

    def is_target_sum(e):
        if not isinstance(e, sp.Sum) or len(e.limits) != 1:
            return False
        var, lo, hi = e.limits[0]
        f = e.function
        return (isinstance(f, MatrixElement) and f.parent == vector and f.j == 0
                and f.i == var - 1 and lo == 1 and hi == vector.shape[0])

    def rewrite(expr):
        return expr.replace(is_target_sum, lambda e: sp.Integer(1))

    def constrain(values, sizes):
        return _normalised(values, [a for a in values if isinstance(a, MatrixElement)
                                    and a.parent.name == vector.name])

    def solve(sizes):
        n = sp.sympify(vector.shape[0]).xreplace({k: sp.Integer(v) for k, v in sizes.items()})
        if not n.is_Integer or n < 1:
            return {}
        entry = [sp.MatrixSymbol(vector.name, int(n), 1)[k, 0] for k in range(int(n))]
        return {entry[-1]: 1 - sum(entry[:-1], sp.Integer(0))}

    return Assumption(f"Σ_i {vector}_i = 1", latex, rewrite, constrain, name="sum_to_one",
                      solve=solve)


def substitution(old: sp.Basic, new: sp.Basic, text: str, latex: str) -> Assumption:
    """An assumption that replaces ``old`` by ``new`` everywhere (both witnesses)."""

    def rewrite(expr):
        return expr.subs(old, new)

    return Assumption(text, latex, rewrite, name="substitution")


def symmetric(matrix: sp.MatrixSymbol, latex: str) -> Assumption:
    """B = Bᵀ: symbolically B is read as its symmetric part (B + Bᵀ)/2; a numeric sample
    has its entries B_ij and B_ji made equal."""

    def rewrite(expr):
        return expr.subs(matrix, (matrix + matrix.T) / 2)

    def constrain(values, sizes):
        entries = {(a.i, a.j): a for a in values
                   if isinstance(a, MatrixElement) and getattr(a.parent, "name", None)
                   == matrix.name}
        for (i, j), a in entries.items():
            b = entries.get((j, i))
            if b is not None and (i, j) < (j, i):
                values[a] = values[b] = (values[a] + values[b]) / 2
        return values

    return Assumption(f"{matrix} = {matrix}ᵀ (symmetric)", latex, rewrite, constrain,
                      name="symmetric")


def positive_determinant(matrix: sp.MatrixSymbol, latex: str) -> Assumption:
    """det X > 0 (so ln det X is real): a numeric sample with det X < 0 has its first row
    negated; symbolically nothing changes (the identities hold wherever both sides do)."""

    def constrain(values, sizes):
        entries = {(int(a.i), int(a.j)): a for a in values
                   if isinstance(a, MatrixElement) and getattr(a.parent, "name", None)
                   == matrix.name and a.i.is_Integer and a.j.is_Integer}
        if not entries:
            return values
        n = 1 + max(max(i, j) for i, j in entries)
        if any((i, j) not in entries for i in range(n) for j in range(n)):
            return values
        import mpmath

        det = mpmath.det(mpmath.matrix([[values[entries[i, j]] for j in range(n)]
                                        for i in range(n)]))
        if det < 0:
            for j in range(n):
                values[entries[0, j]] = -values[entries[0, j]]
        return values

    return Assumption(f"det {matrix} > 0", latex, constrain=constrain, name="positive_det")


def _by_expressions(expr):
    """Derivatives by an expression (da_j/de^{net_k}), taken once the definitions are all
    expanded and before sums are written out (see :mod:`symbp.core.by_expression`)."""
    from .by_expression import ByExpression

    if not isinstance(expr, sp.Basic) or not expr.has(ByExpression):
        return expr
    return expr.replace(lambda e: isinstance(e, ByExpression), lambda e: e.doit())


def restriction(old: sp.Basic, new: sp.Basic, text: str) -> Assumption:
    """A domain restriction written as a substitution (x > y as x = y + ε, ε > 0): the
    derivatives are taken first, at a free point, and the point is then moved into the
    domain — substituting inside ∂/∂y would change what depends on y."""

    def rewrite(expr):
        if isinstance(expr, sp.Basic) and expr.has(sp.Derivative, sp.Subs):
            expr = expr.doit()
        return expr.subs(old, new)

    gaps = [s for s in new.free_symbols if s.is_positive and s not in old.free_symbols
            and s.name.startswith(("\\epsilon", "\\varepsilon"))]

    def constrain(values, sizes):
        """The numeric sample moved into the domain: old := new at the sampled values."""
        import random

        target = old.subs(sizes) if isinstance(old, sp.Indexed) else old
        if target not in values:
            return values
        point = {k: v for k, v in values.items() if isinstance(k, (sp.Symbol, sp.Indexed))}
        for g in gaps:
            point[g] = random.Random(len(values)).uniform(0.05, 3.0)
        value = new.subs(sizes).subs(point)  # sizes: also the index values (s_j − s_y)
        if value.free_symbols:
            return values
        import mpmath

        values[target] = mpmath.mpf(str(sp.N(value, 60)))  # ln 3 to 60 digits, not a float
        return values

    return Assumption(text, text, rewrite, constrain, name="restriction")


@dataclass
class Context:
    """Everything a witness needs besides the two sides of an equation."""

    definitions: list[Definition] = field(default_factory=list)
    assumptions: list[Assumption] = field(default_factory=list)
    # Symbol / IndexedBase / MatrixSymbol name -> (low, high) sampling interval
    domains: dict[str, tuple[float, float]] = field(default_factory=dict)
    # free index symbol -> (low, high) with high possibly a size symbol
    index_ranges: dict[sp.Symbol, tuple[Any, Any]] = field(default_factory=dict)
    # size symbols (n, m, …) -> candidate concrete values for numeric/explicit checks
    sizes: dict[sp.Symbol, tuple[int, ...]] = field(default_factory=dict)
    # user claims: the numeric witness also tries larger sizes and every pair of sizes
    # unequal at least once (see explicit.numeric_size_assignments)
    thorough_sizes: bool = False
    # sizes inferred by the claim reader (not given by a derivation): a shape that fails
    # only once definitions are expanded is the reader's gap, not a finding
    sizes_inferred: bool = False

    def expand(self, expr: sp.Basic, max_rounds: int = 12) -> sp.Basic:
        """Expand every definition until nothing changes (definitions may nest).

        A derivative by a defined (intermediate) variable, ∂C/∂z^l_j, is taken
        with that variable held independent first (see :mod:`.intermediate`).
        """
        from .intermediate import expand_intermediate

        for _ in range(max_rounds):
            new = expand_intermediate(expr, self)
            for d in self.definitions:
                # a derivative a definition brings in (δ^l_j = ∂C/∂z^l_j) is taken before a
                # later definition of its variable (z^l_j = …) could replace that variable
                new = expand_intermediate(d.expand(new), self)
            if new == expr:
                return _by_expressions(new)
            expr = new
        return _by_expressions(expr)

    def rewrite(self, expr: sp.Basic) -> sp.Basic:
        for a in self.assumptions:
            expr = a.rewrite(expr)
        return expr

    def constrain(self, values: dict, sizes: Mapping) -> dict:
        for a in self.assumptions:
            values = a.constrain(values, sizes)
        return values

    def domain_of(self, atom: sp.Basic) -> tuple[float, float]:
        """Sampling interval of a scalar atom (a Symbol, y[3], W[0, 1] …)."""
        name = _atom_name(atom)
        if name in self.domains:
            return self.domains[name]
        symbol = atom
        if isinstance(atom, sp.Indexed):
            symbol = atom.base.label
        elif isinstance(atom, MatrixElement):
            symbol = atom.parent
        if getattr(symbol, "is_positive", None):
            return (0.1, 3.0)
        if getattr(symbol, "is_nonnegative", None):
            return (0.0, 3.0)
        return (-2.0, 2.0)

    def merged(self, other: Context) -> Context:
        return Context(
            self.definitions + other.definitions,
            self.assumptions + other.assumptions,
            {**self.domains, **other.domains},
            {**self.index_ranges, **other.index_ranges},
            {**self.sizes, **other.sizes},
        )


def _atom_name(atom: sp.Basic) -> str:
    if isinstance(atom, sp.Indexed):
        return str(atom.base.label)
    if isinstance(atom, MatrixElement):
        return str(atom.parent.name) if hasattr(atom.parent, "name") else str(atom.parent)
    return str(atom)
