"""Derivatives with respect to an *expression*: ``\\frac{da_j}{de^{net_k}}``,
``\\frac{da_j}{d\\sum_m e^{net_m}}``, ``\\frac{d\\sum_m e^{net_m}}{de^{net_k}}``.

Course notes derive the softmax Jacobian by seeing a_j = e^{net_j} / Σ_m e^{net_m} as a
function f(u_j, S) of the intermediates u = e^{net} and S = Σ_m e^{net_m}, each treated as
an independent variable while the others are held fixed:

    da_j/dnet_k = (da_j/de^{net_k})(de^{net_k}/dnet_k) + (da_j/dS)(dS/dnet_k).

:class:`ByExpression` ``(f, X, *intermediates)`` is that derivative.  The intermediates are
all the expressions the claim differentiates by; when it is evaluated (``doit``, after the
definitions are expanded) every intermediate other than X and f itself is replaced by a
held symbol, then

* X a sum (or any expression of several variables): X is replaced by a symbol D and
  f is differentiated by D (da_j/dS = −e^{net_j}/S²);
* X a function g(v) of one variable v (e^{net_k}): df/dX = (∂f/∂v) / g′(v), the chain rule
  solved for the derivative by X (da_j/de^{net_k} = δ_jk/S, dS/de^{net_k} = 1);

and the held symbols are put back.  Sums are matched up to the name of their index.
"""

from __future__ import annotations

import sympy as sp


def _same(a, b) -> bool:
    """Equal, or the same sum with another index name."""
    if a == b:
        return True
    if isinstance(a, sp.Sum) and isinstance(b, sp.Sum) and len(a.limits) == len(b.limits) == 1:
        (va, la, ha), (vb, lb, hb) = a.limits[0], b.limits[0]
        return la == lb and ha == hb and a.function.xreplace({va: vb}) == b.function
    return False


def _hold(expr, target, symbol):
    return expr.replace(lambda e: _same(e, target), lambda e: symbol)


def _variables(x) -> list:
    """The variables of x: its entries net[k] and plain real symbols (not the labels and
    indices inside the entries)."""
    entries = [a for a in sp.preorder_traversal(x) if isinstance(a, sp.Indexed)]
    inside = {s for e in entries for s in e.free_symbols} | {e.base.label for e in entries}
    plain = {a for a in x.free_symbols if isinstance(a, sp.Symbol) and not a.is_integer}
    return sorted(set(entries) | (plain - inside), key=sp.default_sort_key)


class ByExpression(sp.Function):
    """∂f/∂X for an expression X, the other intermediates held (see the module)."""

    is_real = True

    @classmethod
    def eval(cls, *args):
        return None

    def doit(self, **hints):
        f, x, *intermediates = self.args
        held = {}
        # a sum inside f other than X is an intermediate of its own (a_j = f(e^{net_j}, S)):
        # held fixed, as the notes hold S = Σ_m e^{net_m} when differentiating by e^{net_k}
        sums = [s for s in sp.preorder_traversal(f) if isinstance(s, sp.Sum)]
        intermediates = list(intermediates) + [s for s in sums
                                               if not any(_same(s, h) for h in intermediates)]
        for k, h in enumerate(intermediates):
            if _same(h, x) or _same(h, f):
                continue
            symbol = sp.Dummy(f"h{k}", real=True)
            f = _hold(f, h, symbol)
            held[symbol] = h
        if isinstance(x, sp.Sum) or len(_variables(x)) != 1:
            d = sp.Dummy("d", real=True)
            g = _hold(f, x, d)
            result = sp.diff(g, d).xreplace({d: x})
        else:
            v = _variables(x)[0]
            result = sp.diff(f, v) / sp.diff(x, v)
        return result.xreplace(held)

    def _sympystr(self, printer):
        f, x = self.args[:2]
        return f"d({printer.doprint(f)})/d({printer.doprint(x)})"
