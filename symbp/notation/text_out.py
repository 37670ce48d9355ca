"""One-line Unicode rendering for the terminal: ``∂C/∂z_k = −Σ_j y_j(δ_jk − a_k)``.

Written as the notes write it, like the LaTeX printer: products in hand-written order
(numbers, then symbols, then functions: ``y_j ln a_j``), juxtaposed before a function, a
sum, a derivative, δ or a parenthesis and joined by ``·`` otherwise (``a_j·y_j``), ``ln a_j``
without parentheses around an atom, and a sum of negated terms with its sign in front
(``−Σ_j y_j ln a_j``).
"""

from __future__ import annotations

import sympy as sp
from sympy.core.function import AppliedUndef, _coeff_isneg
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from ..core.expr import is_layered
from .latex_out import _factor_rank, negated_sum

GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
         "theta": "θ", "lambda": "λ", "mu": "μ", "sigma": "σ", "tau": "τ", "phi": "φ",
         "psi": "ψ", "omega": "ω", "Delta": "Δ", "Sigma": "Σ", "nabla": "∇", "rho": "ρ",
         "xi": "ξ", "pi": "π", "zeta": "ζ", "kappa": "κ", "chi": "χ", "nu": "ν"}


def _name(s: str) -> str:
    if s in GREEK:
        return GREEK[s]
    if "_" in s:
        head, tail = s.split("_", 1)
        return f"{_name(head)}_{tail}"
    return s


def _group(parts: list[str]) -> str:
    joined = "".join(parts) if all(len(p) == 1 for p in parts) else ",".join(parts)
    return joined if len(joined) == 1 else f"{{{joined}}}" if not joined.isalnum() else joined


class UnicodePrinter(StrPrinter):
    printmethod = "_symbp_text"  # do not let Indexed print itself as a[j]

    def _print_Symbol(self, expr):
        return _name(expr.name)

    _print_Dummy = _print_Symbol

    def _print_MatrixSymbol(self, expr):
        return _name(expr.name)

    def _print_Indexed(self, expr):
        base = _name(str(expr.base.label))
        idx = [self._print(i) for i in expr.indices]
        if is_layered(expr.base) and idx:
            rest = f"_{_group(idx[1:])}" if idx[1:] else ""
            layer = idx[0] if len(idx[0]) == 1 else f"({idx[0]})"
            return f"{base}^{layer}{rest}"
        return f"{base}_{_group(idx)}"

    def _print_IndexedBase(self, expr):
        return _name(str(expr.label))

    def _print_Function(self, expr):
        name = _name(expr.func.__name__)
        return f"{name}({', '.join(self._print(a) for a in expr.args)})"

    def _print_log(self, expr):
        arg = expr.args[0]
        if isinstance(arg, (sp.Symbol, sp.Indexed)) or (arg.is_Integer and arg.is_positive):
            return f"ln {self._print(arg)}"
        return f"ln({self._print(arg)})"

    def _print_Mul(self, expr):
        if _coeff_isneg(expr):
            inner = -expr
            s = self._print(inner)
            return f"-({s})" if inner.is_Add else f"-{s}"
        args = list(expr.as_ordered_factors())
        derivs = [a for a in args if isinstance(a, sp.Derivative)]
        if derivs and len(derivs) < len(args) and any(a.is_Pow and a.exp.is_negative
                                                      for a in args):
            # (y_j/a_j) ∂a_j/∂z_k, as in the LaTeX printer
            rest = self._print(sp.Mul(*[a for a in args if not isinstance(a, sp.Derivative)]))
            return " ".join([f"({rest})"] + [self._print(d) for d in derivs])
        if len(args) < 2 or any(a.is_Pow and a.exp.is_negative for a in args) or \
                any(a.is_Rational and not a.is_Integer for a in args):
            return super()._print_Mul(expr)
        out, prev = "", None
        for f in sorted(args, key=_factor_rank):
            s = self.parenthesize(f, PRECEDENCE["Mul"])
            if prev is not None:
                if s.startswith("(") or prev.is_Number:  # a(1 − a), 2a
                    pass
                elif _factor_rank(f) >= 2 and not f.is_Pow:  # y_j ln a_j, y_j δ_jk
                    out += " "
                else:  # a_j·y_j
                    out += "*"
            out += s
            prev = f
        return out

    def _print_exp(self, expr):
        arg = self._print(expr.args[0])
        return f"e^{arg}" if len(arg) == 1 else f"e^({arg})"

    def _print_KroneckerDelta(self, expr):
        return f"δ_{_group([self._print(a) for a in expr.args])}"

    def _print_Sum(self, expr):
        positive = negated_sum(expr)
        if positive is not None:
            return f"-{self._print(positive)}"
        body = self.parenthesize(expr.function, PRECEDENCE["Mul"], strict=True)
        lims = []
        for var, lo, hi in expr.limits:
            lims.append(f"Σ_{{{self._print(var)}={self._print(lo)}}}^{self._print(hi)}")
        return " ".join(lims) + " " + body

    def _d(self, expr) -> str:
        s = self._print(expr)
        if s.startswith("-"):
            return f"({s})"
        return s if precedence(expr) >= PRECEDENCE["Atom"] or len(s) <= 2 else f"({s})"

    def _print_Derivative(self, expr):
        inner = expr.expr
        if isinstance(inner, AppliedUndef) and len(inner.args) == 1 and \
                set(expr.variables) == {inner.args[0]}:
            return f"{_name(inner.func.__name__)}{'′' * len(expr.variables)}" \
                   f"({self._print(inner.args[0])})"
        den = "".join(f"∂{self._d(v)}" for v in expr.variables)
        return f"∂{self._d(inner)}/{den}"

    def _print_Subs(self, expr):
        inner, old, new = expr.args
        if isinstance(inner, sp.Derivative) and isinstance(inner.expr, AppliedUndef):
            return f"{_name(inner.expr.func.__name__)}{'′' * len(inner.variables)}" \
                   f"({self._print(new[0])})"
        if len(old) == 1:  # f(a)|_{a=y}
            return f"({self._print(inner)})|_{{{self._print(old[0])}={self._print(new[0])}}}"
        return super()._print_Subs(expr)

    def _print_Transpose(self, expr):
        return f"{self.parenthesize(expr.arg, PRECEDENCE['Pow'])}ᵀ"

    def _print_HadamardProduct(self, expr):
        return " ⊙ ".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args)

    def _print_MatMul(self, expr):
        return " ".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args)

    def _print_Trace(self, expr):
        return f"tr({self._print(expr.arg)})"

    def _print_Determinant(self, expr):
        return f"|{self._print(expr.arg)}|"

    def _print_Inverse(self, expr):
        return f"{self.parenthesize(expr.arg, PRECEDENCE['Pow'])}⁻¹"

    def _print_DiagMatrix(self, expr):
        return f"diag({self._print(expr.args[0])})"

    # matrix calculus (symbp.core.matrixcalc) ------------------------------
    def _print_MatAdd(self, expr):
        out = []
        for i, term in enumerate(expr.args):
            neg = isinstance(term, sp.MatMul) and term.args[0] == -1
            body = self._print(sp.MatMul(*term.args[1:])) if neg else self._print(term)
            out.append(("−" if neg else "") + body if i == 0
                       else (" − " if neg else " + ") + body)
        return "".join(out)

    def _print_Grad(self, expr):
        f, X = expr.args[0], expr.args[1]
        if isinstance(f, (sp.Symbol, sp.MatrixSymbol)):
            return f"∂{self._print(f)}/∂{self._print(X)}"
        return f"∂/∂{self._print(X)} ({self._print(f)})"

    def _print_Differential(self, expr):
        inner = expr.args[0]
        if isinstance(inner, (sp.Symbol, sp.MatrixSymbol)):
            return f"d{self._print(inner)}"
        return f"d({self._print(inner)})"

    _print_ScalarDifferential = _print_Differential

    def _print_AtZero(self, expr):
        g, t = expr.args
        return f"d/d{self._print(t)} [{self._print(g)}]|_{self._print(t)}=0"

    _print_ScalarAtZero = _print_AtZero

    def _print_RowSoftmax(self, expr):
        return f"softmax({self._print(expr.args[0])})"

    def _print_ElemLog(self, expr):
        return f"ln({self._print(expr.args[0])})"

    def _print_ElemExp(self, expr):
        return f"exp({self._print(expr.args[0])})"

    def _print_EntrySum(self, expr):
        return f"Σ_ij ({self._print(expr.args[0])})_ij"

    def _print_OneMatrix(self, expr):
        rows, cols = expr.shape
        return "1ᵀ" if rows == 1 and cols != 1 else "1"

    def _print_ElementwiseApplyFunction(self, expr):
        func = expr.function
        if isinstance(func, sp.Lambda) and len(func.variables) == 1:
            body, x = func.expr, func.variables[0]
            if isinstance(body, AppliedUndef) and body.args == (x,):
                return f"{_name(body.func.__name__)}({self._print(expr.expr)})"
            if isinstance(body, sp.Derivative) and isinstance(body.expr, AppliedUndef):
                return f"{_name(body.expr.func.__name__)}′({self._print(expr.expr)})"
        if isinstance(func, type):
            return f"{_name(func.__name__)}({self._print(expr.expr)})"
        return f"({self._print(func)})∘({self._print(expr.expr)})"

    def _print_Limit(self, expr):
        f, x, x0, d = expr.args
        side = "" if x0.is_infinite else {"+": "⁺", "-": "⁻"}.get(str(d), "")
        return (f"lim_{{{self._print(x)}→{self._print(x0)}{side}}} "
                f"{self.parenthesize(f, PRECEDENCE['Mul'])}")

    def _print_Exp1(self, expr):
        return "e"

    def _print_Infinity(self, expr):
        return "∞"

    def _print_Heaviside(self, expr):
        return f"step({self._print(expr.args[0])})"


_PRINTER = UnicodePrinter()


def text(expr) -> str:
    s = _PRINTER.doprint(expr)
    return s.replace("**", "^").replace("*", "·").replace("-", "−")


REL_TEXT = {"=": "=", "<=": "≤", ">=": "≥", "<": "<", ">": ">"}
