"""Derivatives with respect to an *intermediate* variable: ∂C/∂z^l_j, ∂J/∂Z1.

A derivation defines z^l_j := Σ_k w^l_{jk} a^{l−1}_k + b^l_j and then speaks of
δ^l_j = ∂C/∂z^l_j.  Expanding the definition inside the derivative would give
``∂C/∂(Σ_k w a + b)``, which means nothing.  The meaning in the course notes is:
hold z^l as an independent variable, write C as a function of it (everything
*above* layer l), differentiate, and evaluate at the forward-pass value
z^l = W^l a^{l−1} + b^l.

:func:`expand_intermediate` does exactly that before the definitions are
expanded (it is called by :meth:`Context.expand` on every round):

* scalar ``Derivative(f, v)`` with ``v`` a defined Symbol or Indexed entry:
  ``f`` is expanded with every definition except v's, the whole family of v
  (same base, e.g. all z^l_i) is replaced by a *held* copy that no definition
  matches, SymPy differentiates, and the held copy is put back — so the next
  round of expansion substitutes the forward-pass value of z^l.
* matrix ``Grad(f, X)`` (see :mod:`symbp.core.matrixcalc`) with ``X`` a defined
  MatrixSymbol: becomes ``Grad(f_held, X_held, X)``, differentiated entrywise
  only when written out explicitly, then evaluated at the value of ``X``.

This is valid when f depends on the layers below v only through v — true for
a feed-forward network, where every path from the lower layers to the cost
passes through the layer of v.
"""

from __future__ import annotations

import sympy as sp
from sympy.core.function import AppliedUndef

from .expr import LayerLabel


class HeldLabel(sp.Symbol):
    """Label of a held family: prints like the original, equals no defined symbol."""


class HeldMatrix(sp.MatrixSymbol):
    """A matrix held fixed as an independent variable (same name, a distinct object)."""


def _same_layer(e, v) -> bool:
    """e and v are entries of one layer: z^{(1)}_i and z^{(1)}_j, not z^{(2)}_k (a layer
    written as a number is the first index of a layered family, see core.expr.LayerLabel)."""
    if not isinstance(e.base.label, LayerLabel):
        return True
    p, q = e.indices[0], v.indices[0]
    return p == q or not (p.is_Integer or q.is_Integer)


def _definition_for(v, ctx):
    for d in ctx.definitions:
        lhs = d.lhs
        if isinstance(v, sp.Indexed) and isinstance(lhs, sp.Indexed):
            if lhs.base == v.base and len(lhs.indices) == len(v.indices) \
                    and _same_layer(lhs, v):
                return d
        elif isinstance(v, (sp.Symbol, sp.MatrixSymbol)) and not isinstance(lhs, AppliedUndef) \
                and lhs == v:
            return d
    return None


def _without(ctx, d):
    from dataclasses import replace

    return replace(ctx, definitions=[x for x in ctx.definitions if x is not d],
                   assumptions=list(ctx.assumptions), domains=dict(ctx.domains),
                   index_ranges=dict(ctx.index_ranges), sizes=dict(ctx.sizes))


def _held_scalar(deriv: sp.Derivative, ctx):
    """∂f/∂v with v a defined scalar: differentiate with v's family held independent."""
    if len(deriv.variable_count) != 1 or deriv.variable_count[0][1] != 1:
        return None
    v = deriv.variable_count[0][0]
    d = _definition_for(v, ctx)
    if d is None:
        return None
    f = _without(ctx, d).expand(deriv.expr)
    if isinstance(v, sp.Indexed):
        base = v.base
        held = sp.IndexedBase(HeldLabel(str(base.label), **base.label.assumptions0))

        def is_family(e):
            return isinstance(e, sp.Indexed) and e.base == base and _same_layer(e, v)

        f = f.replace(is_family, lambda e: held[e.indices])
        g = sp.diff(f, held[v.indices])
        return g.replace(lambda e: isinstance(e, sp.Indexed) and e.base == held,
                         lambda e: base[e.indices])
    h = sp.Dummy(str(v), **getattr(v, "assumptions0", {}))
    return sp.diff(f.xreplace({v: h}), h).xreplace({h: v})


def _held_matrix(grad, ctx):
    from .matrixcalc import Grad

    if len(grad.args) != 2:
        return None
    f, X = grad.args
    d = _definition_for(X, ctx)
    if d is None:
        return None
    held = HeldMatrix(X.name, *X.shape)
    f = _without(ctx, d).expand(f).xreplace({X: held})
    return Grad(f, held, X)


def expand_intermediate(expr, ctx):
    """Replace derivatives by defined (intermediate) variables, innermost first."""
    if not isinstance(expr, sp.Basic) or not ctx.definitions:
        return expr
    from .matrixcalc import Grad

    if not any(isinstance(n, (sp.Derivative, Grad)) for n in sp.preorder_traversal(expr)):
        return expr

    def visit(e):
        if not e.args or e.is_Atom:
            return e
        args = [visit(a) for a in e.args]
        if args != list(e.args):
            e = e.func(*args)
        if isinstance(e, Grad):
            new = _held_matrix(e, ctx)
            return e if new is None else new
        if isinstance(e, sp.Derivative):
            new = _held_scalar(e, ctx)
            return e if new is None else new
        return e

    return visit(expr)
