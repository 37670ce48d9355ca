"""Total differentials: ``dX`` and ``d(F)`` (matrix calculus in differential form).

``dX`` is an independent variable of X's shape (a :class:`DMatrix` or
:class:`DSymbol`).  ``d(F)`` is the directional derivative
``d/dt F(X + t·dX, y + t·dy, …)`` at ``t = 0`` over every variable of F, so
``d(XY) = (dX)Y + X(dY)`` and ``d(X^{-1}) = −X^{-1}(dX)X^{-1}`` are checked like
any other claim.  It is written out on explicit matrices (entrywise), never by
SymPy's matrix calculus.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from ..notation.latex_in import LatexInputError


class DMatrix(sp.MatrixSymbol):
    """dX: the differential of the matrix X (same shape)."""


class DSymbol(sp.Symbol):
    """dx: the differential of the scalar x."""


def differential_of_variable(v):
    if isinstance(v, sp.MatrixSymbol) and not isinstance(v, DMatrix):
        return DMatrix(f"d{v.name}", *v.shape)
    if isinstance(v, sp.Symbol) and not isinstance(v, DSymbol) and v.is_real:
        return DSymbol(f"d{v.name}", real=True)
    raise LatexInputError(f"the differential d{v} is not understood",
                          hint="differentials are of plain names: dX, d\\mathbf{x}, \\mathrm{d}x")


def _variables(f):
    mats = {m for m in f.atoms(sp.MatrixSymbol) if not isinstance(m, DMatrix)}
    syms = {s for s in f.free_symbols if isinstance(s, sp.Symbol) and s.is_real
            and not isinstance(s, DSymbol) and not s.is_integer}
    return mats, syms


#: names that matrix-calculus notes use for variables (X, Y, Z, U, V; x, y, z, u, v):
#: inside d(F) they vary even when the claim does not write their differential
CONVENTIONAL_VARIABLES = frozenset("UVXYZuvxyz")


def _core(name: str) -> str:
    return "".join(ch for ch in name.replace("mathbf", "").replace("boldsymbol", "")
                   if ch.isalpha())


def _conventionally_variable(name: str) -> bool:
    return _core(name) in CONVENTIONAL_VARIABLES


def _network_data(name: str) -> bool:
    """x and y beside a network's layers: its input and target, data that backprop's
    differentials hold fixed (dJ = (a^L − y)ᵀ da^L for J = ½‖a^L − y‖², no dy term)."""
    return _core(name) in ("x", "y") and "^" not in name


class _Differential:
    """args: (F, Tuple of the differentials written in the claim).  The variables of
    d(F) are those whose differential the claim writes, and the names that matrix
    calculus reserves for variables (X, Y, Z, U, V, x, y, z, u, v: so d(XY) = (dX)Y, with
    the X(dY) term dropped, is false); the other names are constants (A, B, W, a, …, as
    in d tr(AᵀX) = tr(Aᵀ dX)).  When the claim writes no differential, every variable of
    F varies.  In a claim about a network (``data``), its input x and target y are
    held fixed unless their differential is written."""

    def _symbp_explicit(self, explicit):
        f, written, only, data, held = self.args
        only, data = only == sp.true, data == sp.true
        t = sp.Dummy("t", real=True)
        mats, syms = _variables(f)
        fixed = {str(h) for h in held}
        mats = {m for m in mats if m.name not in fixed}
        syms = {x for x in syms if x.name not in fixed}
        names = {str(d.name) for d in written}
        if data:
            mats = {m for m in mats if f"d{m.name}" in names or not _network_data(m.name)}
            syms = {x for x in syms if f"d{x.name}" in names or not _network_data(x.name)}
        if names:
            mats = {m for m in mats
                    if f"d{m.name}" in names or (not only and _conventionally_variable(m.name))}
            syms = {x for x in syms
                    if f"d{x.name}" in names or (not only and _conventionally_variable(x.name))}
        shift = {}
        for m in mats:
            dm = DMatrix(f"d{m.name}", *m.shape)
            rows, cols = int(m.shape[0]), int(m.shape[1])
            for i in range(rows):
                for j in range(cols):
                    shift[MatrixElement(m, i, j)] = MatrixElement(m, i, j) + \
                        t * MatrixElement(dm, i, j)
        for s in syms:
            shift[s] = s + t * DSymbol(f"d{s.name}", real=True)
        fx = explicit(f)
        moved = fx.xreplace(shift)
        if isinstance(moved, sp.MatrixBase):
            return moved.applyfunc(lambda e: sp.diff(e, t).subs(t, 0))
        return sp.diff(moved, t).subs(t, 0)

    def _sympystr(self, printer):
        return f"d({printer.doprint(self.args[0])})"


class MatrixDifferential(_Differential, sp.MatrixExpr):
    is_commutative = False

    def __new__(cls, f, written=sp.Tuple(), only=sp.false, data=sp.false, held=sp.Tuple()):
        return sp.Basic.__new__(cls, f, written, only, data, held)

    @property
    def shape(self):
        return self.args[0].shape

    def _entry(self, i, j, **kwargs):
        return MatrixElement(self, i, j)


class ScalarDifferential(_Differential, sp.Expr):
    is_commutative = True

    def __new__(cls, f, written=sp.Tuple(), only=sp.false, data=sp.false, held=sp.Tuple()):
        return sp.Basic.__new__(cls, f, written, only, data, held)


def differential(f, written=(), written_only=False, network_data=False, fixed=()):
    """d(F) for a scalar or matrix expression F; ``written``: the dX of the claim;
    ``written_only``: only those vary (the reading where X is held fixed in dY = X dW);
    ``network_data``: the claim is about a network, whose input x and target y are fixed;
    ``fixed``: names that never vary (the arbitrary coefficients G, H of a generic L)."""
    written = sp.Tuple(*written)
    flags = [sp.true if b else sp.false for b in (written_only, network_data)]
    held = sp.Tuple(*[sp.Symbol(n) for n in sorted(fixed)])
    if getattr(f, "is_Matrix", False):
        return MatrixDifferential(f, written, *flags, held)
    return ScalarDifferential(f, written, *flags, held)
