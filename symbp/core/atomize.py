"""A fast exact zero test: the difference is 0 as a rational function of its atoms.

Explicit matrix instances of a network produce large expressions in
``exp(u)``, ``log(v)``, ``σ(w)`` whose difference ``simplify`` takes seconds to
reduce.  Here every function application is replaced by a fresh symbol
(innermost first, arguments expanded so equal arguments meet), with
``exp(c·u)`` for an integer c written as ``T_u^c`` so that
``e^{2u} = (e^u)²`` and ``e^{−u} = 1/e^u`` are known; then ``cancel``.

Sound: if the result is the zero rational function, the original difference is
0 for every value of the atoms.  A nonzero result proves nothing (relations
between atoms such as ``log(e^x) = x`` are not used), so callers fall back to
``simplify``: this can only say "zero", never "nonzero".
"""

from __future__ import annotations

import sympy as sp


def _atomize(x, reps: dict):
    if x.is_Atom:
        return x
    args = [_atomize(a, reps) for a in x.args]
    if isinstance(x, sp.exp):
        arg = sp.expand(args[0])
        c, p = arg.as_content_primitive()
        if p.could_extract_minus_sign():
            c, p = -c, -p
        if c.is_Integer:
            key = sp.exp(p, evaluate=False)
            return reps.setdefault(key, sp.Dummy("E")) ** c
    if isinstance(x, sp.Function) or (isinstance(x, sp.Pow) and not x.exp.is_Integer):
        key = x.func(*[sp.expand(a) for a in args], evaluate=False)
        return reps.setdefault(key, sp.Dummy("F"))
    return x.func(*args) if args != list(x.args) else x


def atomized_zero(x) -> bool:
    """True only if ``x`` is identically 0 as a rational function of its atoms."""
    x = sp.sympify(x)
    if x == 0:
        return True
    if x.has(sp.Sum, sp.Derivative, sp.Integral, sp.Limit, sp.Subs, sp.Piecewise):
        return False
    try:
        return sp.cancel(sp.together(_atomize(x, {}))) == 0
    except Exception:  # noqa: BLE001 - polys can raise on exotic input: not shown
        return False
