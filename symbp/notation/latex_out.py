"""LaTeX in the notation of the course notes, by a thin subclass of SymPy's printer.

Only what the notation needs is overridden; everything else falls back to
``LatexPrinter``: ``w[l, j, k]`` → ``w^{l}_{jk}``, Hadamard ``⊙`` as ``\\odot``,
``σ'(z)`` for derivatives of one-argument functions, ``\\ln``, ``δ_{jk}``,
transposes as ``^{T}``, bold matrix symbols where declared.
"""

from __future__ import annotations

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from ..core.expr import BOLD, is_layered


def _join_indices(parts: list[str]) -> str:
    if all(len(p) == 1 for p in parts):
        return "".join(parts)
    return ",".join(parts)


class NNLatexPrinter(LatexPrinter):
    def __init__(self, settings=None):
        settings = dict(settings or {})
        settings.setdefault("ln_notation", True)
        super().__init__(settings)

    def _print_Indexed(self, expr):
        base = self._print(expr.base.label)
        indices = [self._print(i) for i in expr.indices]
        if is_layered(expr.base) and len(indices) >= 1:
            layer, rest = indices[0], indices[1:]
            sub = f"_{{{_join_indices(rest)}}}" if rest else ""
            return f"{base}^{{{layer}}}{sub}"
        return f"{base}_{{{_join_indices(indices)}}}"

    def _print_IndexedBase(self, expr):
        return self._print(expr.label)

    def _print_Dummy(self, expr):
        return self._print(sp.Symbol(expr.name))

    def _print_HadamardProduct(self, expr):
        return r" \odot ".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=True)
                               for a in expr.args)

    def _print_Transpose(self, expr):
        return f"{self.parenthesize(expr.arg, PRECEDENCE['Pow'], strict=True)}^{{T}}"

    def _print_KroneckerDelta(self, expr, exp=None):
        i, j = (self._print(a) for a in expr.args)
        tex = rf"\delta_{{{_join_indices([i, j])}}}"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_MatrixSymbol(self, expr):
        name = super()._print_MatrixSymbol(expr)
        return rf"\mathbf{{{name}}}" if expr.name in BOLD else name

    def _prime(self, func, order: int) -> str:
        name = self._print(sp.Symbol(func.__name__)) if isinstance(func, type) else self._print(func)
        return name + ("'" * order if order <= 3 else f"^{{({order})}}")

    def _print_Derivative(self, expr):
        inner = expr.expr
        if isinstance(inner, AppliedUndef) and len(inner.args) == 1 and \
                len(expr.variables) >= 1 and set(expr.variables) == {inner.args[0]}:
            return f"{self._prime(inner.func, len(expr.variables))}" \
                   f"\\left({self._print(inner.args[0])}\\right)"
        den = " ".join(rf"\partial {self._print(v)}" for v in expr.variables)
        order = len(expr.variables)
        num = r"\partial" if order == 1 else rf"\partial^{{{order}}}"
        if isinstance(inner, (sp.Symbol, sp.Indexed, AppliedUndef)):
            return rf"\frac{{{num} {self._print(inner)}}}{{{den}}}"
        return rf"\frac{{{num}}}{{{den}}} \left({self._print(inner)}\right)"

    def _print_Subs(self, expr):
        inner, old, new = expr.args
        if isinstance(inner, sp.Derivative) and isinstance(inner.expr, AppliedUndef) \
                and len(old) == 1 and len(inner.expr.args) == 1 and inner.expr.args[0] == old[0]:
            return f"{self._prime(inner.expr.func, len(inner.variables))}" \
                   f"\\left({self._print(new[0])}\\right)"
        return super()._print_Subs(expr)

    def _print_ElementwiseApplyFunction(self, expr):
        func = expr.function
        if isinstance(func, sp.Lambda) and len(func.variables) == 1:
            body = func.expr
            x = func.variables[0]
            if isinstance(body, AppliedUndef) and body.args == (x,):
                return f"{self._print(body.func)}\\left({self._print(expr.expr)}\\right)"
            if isinstance(body, sp.Derivative) and isinstance(body.expr, AppliedUndef):
                return f"{self._prime(body.expr.func, len(body.variables))}" \
                       f"\\left({self._print(expr.expr)}\\right)"
        if isinstance(func, type) and issubclass(func, sp.Function):
            return f"{self._print(sp.Symbol(func.__name__))}\\left({self._print(expr.expr)}\\right)"
        return super()._print_ElementwiseApplyFunction(expr)

    def _print_Trace(self, expr):
        return rf"\operatorname{{tr}}\left({self._print(expr.arg)}\right)"

    def _print_DiagMatrix(self, expr):
        return rf"\operatorname{{diag}}\left({self._print(expr.arg)}\right)"


_PRINTER = NNLatexPrinter()


def latex(expr, **settings) -> str:
    """LaTeX of ``expr`` in course notation."""
    printer = NNLatexPrinter(settings) if settings else _PRINTER
    return printer.doprint(expr)


REL_LATEX = {"=": "=", "<=": r"\le", ">=": r"\ge", "<": "<", ">": ">"}
