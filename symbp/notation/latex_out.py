"""LaTeX in the notation of the course notes, by a thin subclass of SymPy's printer.

Only what the notation needs is overridden; everything else falls back to
``LatexPrinter``: ``w[l, j, k]`` → ``w^{l}_{jk}``, Hadamard ``⊙`` as ``\\odot``,
``σ'(z)`` for derivatives of one-argument functions, ``\\ln``, ``δ_{jk}``,
transposes as ``^{T}``, bold matrix symbols where declared, ``\\ln a_{j}`` without
parentheses around an atom, products ordered as written by hand (``y_{j} \\ln a_{j}``:
coefficients and symbols before functions), a sum of negated terms with its sign in front
(``-\\sum_{j} y_{j} \\ln a_{j}``, not ``\\sum_{j} - y_{j} \\ln a_{j}``), the Heaviside step as
``\\operatorname{step}``.
"""

from __future__ import annotations

import re
from typing import ClassVar

import sympy as sp
from sympy.core.function import AppliedUndef, _coeff_isneg
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from ..core.expr import BOLD, is_layered


def _join_indices(parts: list[str]) -> str:
    if all(len(p) == 1 for p in parts):
        return "".join(parts)
    return ",".join(parts)


def negated_sum(expr):
    """``Σ f`` with ``f`` negated when ``expr`` is ``Σ (−f)`` (printed ``−Σ f``), else None."""
    if isinstance(expr, sp.Sum) and _coeff_isneg(expr.function):
        return sp.Sum(-expr.function, *expr.limits)
    return None


def _factor_rank(f) -> int:
    base = f.base if f.is_Pow else f
    if f.is_Number:
        return 0
    if isinstance(base, (sp.Symbol, sp.Indexed, sp.IndexedBase, sp.MatrixSymbol)):
        return 1
    if isinstance(base, sp.KroneckerDelta):
        return 2
    return 3


class NNLatexPrinter(LatexPrinter):
    _default_settings: ClassVar[dict] = {**LatexPrinter._default_settings,
                                         "bold_matrices": False}

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

    def _print_Sum(self, expr):
        positive = negated_sum(expr)
        if positive is not None:
            return f"- {self._print(positive)}"
        return super()._print_Sum(expr)

    def _print_Add(self, expr, order=None):
        """SymPy's layout, with ``x - Σ f`` for a term ``Σ (−f)`` (not ``x + -Σ f``)."""
        terms = self._as_ordered_terms(expr, order=order)
        if not any(negated_sum(t) is not None for t in terms[1:]):
            return super()._print_Add(expr, order)
        tex = ""
        for i, term in enumerate(terms):
            if i == 0:
                pass
            elif negated_sum(term) is not None:
                tex += " - "
                term = negated_sum(term)
            elif term.could_extract_minus_sign():
                tex += " - "
                term = -term
            else:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = rf"\left({term_tex}\right)"
            tex += term_tex
        return tex

    def _print_Dummy(self, expr):
        return self._print(sp.Symbol(expr.name))

    def _print_HadamardProduct(self, expr):
        return r" \odot ".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=True)
                               for a in expr.args)

    def _print_Transpose(self, expr):
        tex = self.parenthesize(expr.arg, PRECEDENCE["Pow"], strict=True)
        if tex.startswith(r"\frac"):  # (∂z/∂x)^T, not ∂z/∂x^T
            tex = rf"\left({tex}\right)"
        return f"{tex}^{{T}}"

    def _print_KroneckerDelta(self, expr, exp=None):
        i, j = (self._print(a) for a in expr.args)
        tex = rf"\delta_{{{_join_indices([i, j])}}}"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_MatrixSymbol(self, expr):
        """Bold when declared with ``bold()``, or every matrix with ``bold_matrices=True``
        (reports: matrix form in bold, ``\\mathbf{W}_{2}``; the subscript stays plain)."""
        name = super()._print_MatrixSymbol(expr)
        if expr.name in BOLD:
            return rf"\mathbf{{{name}}}"
        if self._settings["bold_matrices"]:
            m = re.match(r"(\\[A-Za-z]+|[A-Za-z]+)((?:[_^].*)?)$", name, re.DOTALL)
            if not m:  # \hat{Y} and other decorated names: bold as a whole
                return rf"\boldsymbol{{{name}}}"
            base = m.group(1)
            if re.fullmatch(r"d[A-Z]", base):  # a differential dX: upright d, bold X
                return rf"\mathrm{{d}}\mathbf{{{base[1]}}}" + m.group(2)
            bold = rf"\boldsymbol{{{base}}}" if base.startswith("\\") else rf"\mathbf{{{base}}}"
            return bold + m.group(2)
        return name

    def _prime(self, func, order: int) -> str:
        name = self._print(sp.Symbol(func.__name__)) if isinstance(func, type) else self._print(func)
        return name + ("'" * order if order <= 3 else f"^{{({order})}}")

    def _print_Derivative(self, expr):
        inner = expr.expr
        if isinstance(inner, AppliedUndef) and len(inner.args) == 1 and \
                len(expr.variables) >= 1 and set(expr.variables) == {inner.args[0]}:
            return f"{self._prime(inner.func, len(expr.variables))}" \
                   f"{{\\left({self._print(inner.args[0])}\\right)}}"
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
                   f"{{\\left({self._print(new[0])}\\right)}}"
        return super()._print_Subs(expr)

    def _print_ElementwiseApplyFunction(self, expr):
        func = expr.function
        if isinstance(func, sp.Lambda) and len(func.variables) == 1:
            body = func.expr
            x = func.variables[0]
            if isinstance(body, AppliedUndef) and body.args == (x,):
                return f"{self._print(body.func)}{{\\left({self._print(expr.expr)}\\right)}}"
            if isinstance(body, sp.Derivative) and isinstance(body.expr, AppliedUndef):
                return f"{self._prime(body.expr.func, len(body.variables))}" \
                       f"{{\\left({self._print(expr.expr)}\\right)}}"
        if isinstance(func, type) and issubclass(func, sp.Function):
            name = self._print(sp.Symbol(func.__name__))
            return f"{name}{{\\left({self._print(expr.expr)}\\right)}}"
        return super()._print_ElementwiseApplyFunction(expr)

    def _print_Heaviside(self, expr, exp=None):
        tex = rf"\operatorname{{step}}{{\left({self._print(expr.args[0])}\right)}}"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_log(self, expr, exp=None):
        arg = expr.args[0]
        if isinstance(arg, (sp.Symbol, sp.Indexed, MatrixElement)) or \
                (arg.is_Integer and arg.is_positive):
            tex = rf"\ln {self._print(arg)}"
            return rf"\left(\ln {self._print(arg)}\right)^{{{exp}}}" if exp else tex
        return super()._print_log(expr, exp)

    def _print_Mul(self, expr):
        """Factors in hand-written order: a number, then symbols/indexed, then functions.

        ``y_j ln a_j`` rather than SymPy's ``ln(a_j) y_j``; fractions and anything with a
        negative power keep SymPy's own layout.
        """
        if _coeff_isneg(expr):
            inner = -expr
            tex = self._print(inner)
            return f"- \\left({tex}\\right)" if inner.is_Add else f"- {tex}"
        args = list(expr.as_ordered_factors())
        derivs = [a for a in args if isinstance(a, sp.Derivative)]
        if derivs and len(derivs) < len(args) and any(a.is_Pow and a.exp.is_negative
                                                      for a in args):
            # (y_j / a_j) ∂a_j/∂z_k instead of a fraction inside a fraction
            rest = sp.Mul(*[a for a in args if not isinstance(a, sp.Derivative)])
            tex = self.parenthesize(rest, PRECEDENCE["Mul"]) if rest.is_Add else self._print(rest)
            return " ".join([tex] + [self._print(d) for d in derivs])
        if len(args) < 2 or any(a.is_Pow and a.exp.is_negative for a in args) or \
                any(a.is_Rational and not a.is_Integer for a in args):
            return super()._print_Mul(expr)
        ranked = sorted(args, key=_factor_rank)
        if ranked == args:
            return super()._print_Mul(expr)
        sep = self._settings["mul_symbol_latex"]
        parts = []
        for i, f in enumerate(ranked):
            tex = self._print(f)
            if self._needs_mul_brackets(f, first=(i == 0), last=(i == len(ranked) - 1)):
                tex = rf"\left({tex}\right)"
            parts.append(tex)
        return sep.join(parts)

    def _print_Trace(self, expr):
        return rf"\operatorname{{tr}}{{\left({self._print(expr.arg)}\right)}}"

    def _print_DiagMatrix(self, expr):
        return rf"\operatorname{{diag}}{{\left({self._print(expr.args[0])}\right)}}"

    # matrix calculus (symbp.core.matrixcalc) ------------------------------
    def _print_Grad(self, expr):
        f, X = expr.args[0], expr.args[1]
        if isinstance(f, (sp.Symbol, sp.MatrixSymbol)):
            return rf"\frac{{\partial {self._print(f)}}}{{\partial {self._print(X)}}}"
        return rf"\frac{{\partial}}{{\partial {self._print(X)}}}\left({self._print(f)}\right)"

    def _print_Differential(self, expr):
        inner = expr.args[0]
        if isinstance(inner, (sp.Symbol, sp.MatrixSymbol)):
            return rf"\mathrm{{d}}{self._print(inner)}"
        return rf"\mathrm{{d}}\left({self._print(inner)}\right)"

    _print_ScalarDifferential = _print_Differential

    def _print_AtZero(self, expr):
        g, t = expr.args
        return (rf"\left.\frac{{\mathrm{{d}}}}{{\mathrm{{d}}{self._print(t)}}}"
                rf"\left({self._print(g)}\right)\right|_{{{self._print(t)}=0}}")

    _print_ScalarAtZero = _print_AtZero

    def _print_RowSoftmax(self, expr):
        return rf"\operatorname{{softmax}}{{\left({self._print(expr.args[0])}\right)}}"

    def _print_ElemLog(self, expr):
        return rf"\ln\left({self._print(expr.args[0])}\right)"

    def _print_ElemExp(self, expr):
        return rf"\exp\left({self._print(expr.args[0])}\right)"

    def _print_EntrySum(self, expr):
        return rf"\sum_{{i,j}} \left({self._print(expr.args[0])}\right)_{{ij}}"

    def _print_OneMatrix(self, expr):
        rows, cols = expr.shape
        return r"\mathbf{1}^{T}" if rows == 1 and cols != 1 else r"\mathbf{1}"


_PRINTER = NNLatexPrinter()


def latex(expr, **settings) -> str:
    """LaTeX of ``expr`` in course notation."""
    printer = NNLatexPrinter(settings) if settings else _PRINTER
    return printer.doprint(expr)


REL_LATEX = {"=": "=", "<=": r"\le", ">=": r"\ge", "<": "<", ">": ">"}
