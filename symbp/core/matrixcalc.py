"""Matrix calculus objects that the witnesses can check for real.

Each class says how it is written out on explicit matrices (the
``_symbp_explicit`` hook of :mod:`symbp.core.explicit`), so a step such as
``d(XY) = dX Y + X dY`` is checked on random matrices of several shapes, not
by trusting SymPy's matrix calculus (see known pitfalls).

* :class:`Grad` ``∂f/∂X``: for a scalar f, the matrix [∂f/∂X_ij] (same shape
  as X, the "denominator layout" of the course notes); for a column f and a
  column X, the Jacobian [∂f_i/∂X_j].  With a third argument (made by
  :mod:`symbp.core.intermediate`), the derivative by a held variable,
  evaluated at a value.
* :func:`differential` ``d f`` with respect to ``[(X, dX), …]``: the
  directional derivative d/dt f(X + t·dX, …)|_{t=0}.
* :func:`at_zero` ``d/dt g(t)|_{t=0}`` for writing the definition out.
* :class:`RowSoftmax` the softmax of each row (rows layout, batch × classes).
* :func:`rows_sum_to_one` the assumption "every row of Y sums to 1".
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from .context import Assumption


def _is_matrix(e) -> bool:
    return bool(getattr(e, "is_Matrix", False))


def _entries(M):
    return [M[i, j] for i in range(M.rows) for j in range(M.cols)]


# written-out gradients, shared by the steps and witnesses that meet the same ∂f/∂X
# (a derivation repeats ∂CE/∂Z2 in many steps; each is a full entrywise differentiation)
_GRAD_CACHE: dict = {}


class Grad(sp.MatrixExpr):
    """``Grad(f, X)`` = ∂f/∂X;  ``Grad(f, X_held, X)`` = ∂f/∂X_held at X_held = X."""

    def __new__(cls, f, X, at=None):
        f, X = sp.sympify(f), sp.sympify(X)
        if at is None:
            return super().__new__(cls, f, X)
        return super().__new__(cls, f, X, sp.sympify(at))

    @property
    def function(self):
        return self.args[0]

    @property
    def variable(self):
        return self.args[1]

    @property
    def shape(self):
        f, X = self.args[0], self.args[1]
        if _is_matrix(f):
            return (f.shape[0], X.shape[0])
        return X.shape

    def _symbp_explicit(self, explicit):
        key = (self, explicit)
        if key not in _GRAD_CACHE:
            if len(_GRAD_CACHE) > 256:
                _GRAD_CACHE.clear()
            _GRAD_CACHE[key] = self._write_out(explicit)
        return _GRAD_CACHE[key]

    def _write_out(self, explicit):
        F = explicit(self.args[0])
        Xe = explicit(self.args[1])
        if isinstance(F, sp.MatrixBase):
            if F.shape[1] != 1 or Xe.shape[1] != 1:
                raise ValueError("a Jacobian ∂f/∂x needs column vectors f and x")
            out = sp.ImmutableMatrix(F.shape[0], Xe.shape[0],
                                     lambda i, j: sp.diff(F[i, 0], Xe[j, 0]))
        else:
            out = sp.ImmutableMatrix(Xe.shape[0], Xe.shape[1],
                                     lambda i, j: sp.diff(F, Xe[i, j]))
        if len(self.args) == 3:
            V = explicit(self.args[2])
            out = out.xreplace(dict(zip(_entries(Xe), _entries(V))))
        return out


def _perturb(expr, wrt, t, explicit):
    """explicit(expr) with every X in ``wrt`` replaced by X + t·dX, entry by entry."""
    E = explicit(expr)
    subs = {}
    for X, dX in wrt:
        Xe, dXe = explicit(X), explicit(dX)
        for a, b in zip(_entries(Xe), _entries(dXe)):
            subs[a] = a + t * b
    return E.xreplace(subs)


_T = sp.Dummy("t", real=True)


class _DifferentialMixin:
    """``d f`` w.r.t. ``(X, dX)`` pairs: d/dt f(X + t dX)|_{t=0}, written out."""

    @property
    def expr(self):
        return self.args[0]

    @property
    def wrt(self):
        return [tuple(p) for p in self.args[1:]]

    def _symbp_explicit(self, explicit):
        E = _perturb(self.args[0], self.wrt, _T, explicit)
        d = sp.diff(E, _T)
        return d.xreplace({_T: 0})


class Differential(_DifferentialMixin, sp.MatrixExpr):
    """The differential of a matrix-valued expression."""

    def __new__(cls, expr, *wrt):
        return super().__new__(cls, sp.sympify(expr), *[sp.Tuple(*p) for p in wrt])

    @property
    def shape(self):
        return self.args[0].shape


class ScalarDifferential(_DifferentialMixin, sp.Expr):
    """The differential of a scalar expression (tr X, |X|, a loss)."""

    is_commutative = True

    def __new__(cls, expr, *wrt):
        return super().__new__(cls, sp.sympify(expr), *[sp.Tuple(*p) for p in wrt])


def differential(expr, *wrt):
    """``d expr`` with respect to the pairs ``(X, dX)``: matrix- or scalar-valued."""
    expr = sp.sympify(expr)
    cls = Differential if _is_matrix(expr) else ScalarDifferential
    return cls(expr, *wrt)


class _AtZeroMixin:
    """d/dt g(t) at t = 0 (the definition of a differential, written out)."""

    def _symbp_explicit(self, explicit):
        g, t = self.args
        E = explicit(g)
        return sp.diff(E, t).xreplace({t: 0})


class AtZero(_AtZeroMixin, sp.MatrixExpr):
    @property
    def shape(self):
        return self.args[0].shape


class ScalarAtZero(_AtZeroMixin, sp.Expr):
    is_commutative = True


def at_zero(g, t):
    g = sp.sympify(g)
    return (AtZero if _is_matrix(g) else ScalarAtZero)(g, t)


class RowSoftmax(sp.MatrixExpr):
    """softmax of each row: Ŷ_bj = e^{Z_bj} / Σ_k e^{Z_bk} (rows layout)."""

    def __new__(cls, Z):
        return super().__new__(cls, sp.sympify(Z))

    @property
    def shape(self):
        return self.args[0].shape

    def _symbp_explicit(self, explicit):
        Z = explicit(self.args[0])
        E = Z.applyfunc(sp.exp)
        rows = [sum(E[i, j] for j in range(E.cols)) for i in range(E.rows)]
        return sp.ImmutableMatrix(E.rows, E.cols, lambda i, j: E[i, j] / rows[i])


def rows_sum_to_one(Y: sp.MatrixSymbol) -> Assumption:
    """Every row of Y sums to 1 (one-hot or probability targets, rows layout).

    Symbolically, on written-out matrices, the last entry of each row is
    replaced by 1 − (the others); numerically each sampled row is normalised.
    """
    name = Y.name

    def _is_y(e):
        return isinstance(e, MatrixElement) and getattr(e.parent, "name", None) == name \
            and e.parent.shape[1].is_Integer

    def rewrite(expr):
        if not isinstance(expr, sp.Basic):
            return expr
        subs = {}
        for e in sp.preorder_traversal(expr):
            if _is_y(e):
                cols = int(e.parent.shape[1])
                if int(e.j) == cols - 1:
                    subs[e] = 1 - sum(e.parent[e.i, c] for c in range(cols - 1))
        return expr.xreplace(subs) if subs else expr

    def constrain(values, sizes):
        rows: dict = {}
        for a in values:
            if _is_y(a):
                rows.setdefault((a.parent, int(a.i)), []).append(a)
        for keys in rows.values():
            total = sum(abs(values[a]) for a in keys)
            if total:
                for a in keys:
                    values[a] = abs(values[a]) / total
        return values

    return Assumption(f"every row of {name} sums to 1", rf"{name}\mathbf{{1}} = \mathbf{{1}}",
                      rewrite, constrain, name="rows_sum_to_one")


class _Elementwise(sp.MatrixExpr):
    """``f`` applied to every entry (log, exp): printed as log(M), written out entrywise."""

    func_name = ""
    scalar = None

    def __new__(cls, M):
        return super().__new__(cls, sp.sympify(M))

    @property
    def shape(self):
        return self.args[0].shape

    def _symbp_explicit(self, explicit):
        return explicit(self.args[0]).applyfunc(type(self).scalar)


class ElemLog(_Elementwise):
    func_name = "log"
    scalar = staticmethod(sp.log)


class ElemExp(_Elementwise):
    func_name = "exp"
    scalar = staticmethod(sp.exp)


class EntrySum(sp.Expr):
    """Σ_ij M_ij, the sum of all entries (= 1ᵀ M 1), a scalar."""

    is_commutative = True

    def __new__(cls, M):
        return super().__new__(cls, sp.sympify(M))

    def _symbp_explicit(self, explicit):
        M = explicit(self.args[0])
        return sp.Add(*_entries(M))
