"""The softmax a_j = e^{z_j}/Σ_i e^{z_i}: Jacobian, properties, temperature (Nielsen ch. 3).

Catalog entries, all for general n (index form; matrix statements are checked
on explicit instances n = 2, 3, 4 by both witnesses):

* ``softmax_jacobian``: ∂a_j/∂z_k = a_j(δ_jk − a_k) by the quotient rule, the
  cases k = j (a_j(1 − a_j)) and k ≠ j (−a_j a_k), and J = diag(a) − a aᵀ;
* ``softmax_properties``: Σ_j a_j = 1; a(z + c) = a(z); z_j = ln a_j + C;
  ∂a_j/∂z_m = −e^{z_j}e^{z_m}/(Σ_i e^{z_i})² ≠ 0 for m ≠ j;
* ``softmax_temperature``: with e^{c z_j}, Σ_j a_j = 1 for every c > 0, and as
  c → ∞ the largest input's output tends to 1 while every other a_j decays like
  e^{−c(z_max − z_j)}.

The case k ≠ j is an :class:`Distinct` assumption: the symbolic witness sets
δ_jm = 0 and both witnesses only instantiate index values with j ≠ m.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy import Derivative, KroneckerDelta, Limit, Sum, exp, log, oo

from derivations._notation import a, j, k, n, z
from symbp.catalog import derivation
from symbp.core.context import Assumption
from symbp.core.expr import fresh, index
from symbp.core.justify import because

SOURCE = "Nielsen, Neural Networks and Deep Learning, ch. 3 (softmax)"
m = index("m")  # a second output index, used where m ≠ j is assumed


# --- engine helpers: k ≠ j, and vectors/matrices of indexed families ---------
@dataclass(frozen=True)
class Distinct(Assumption):
    """Two free indices differ: δ_pq = 0 symbolically, and p = q is never sampled."""

    pair: tuple = ()

    def admits(self, values: dict) -> bool:
        p, q = self.pair
        return p not in values or q not in values or values[p] != values[q]


def distinct(p, q) -> Distinct:
    zero = {KroneckerDelta(p, q): sp.Integer(0), KroneckerDelta(q, p): sp.Integer(0)}
    return Distinct(f"{p} ≠ {q}", rf"{sp.latex(p)} \neq {sp.latex(q)}",
                    rewrite=lambda e: e.xreplace(zero), name="distinct", pair=(p, q))


class IndexedVector(sp.MatrixExpr):
    """The column (v_1, …, v_n)ᵀ of an IndexedBase v, printed in bold."""

    def __new__(cls, base, length):
        return sp.Basic.__new__(cls, base, sp.sympify(length))

    @property
    def shape(self):
        return (self.args[1], sp.Integer(1))

    def _entry(self, i, j_, **kwargs):
        return self.args[0][i + 1]

    def _symbp_explicit(self, explicit):
        return sp.ImmutableMatrix([self.args[0][i] for i in range(1, int(self.args[1]) + 1)])

    def _symbp_text(self, printer):
        return f"𝐚" if str(self.args[0]) == "a" else f"vec({self.args[0]})"

    def _latex(self, printer):
        return rf"\mathbf{{{self.args[0]}}}"

    _sympystr = _symbp_text


class EntryMatrix(sp.MatrixExpr):
    """The n×n matrix whose (r, s) entry is ``expr`` at r, s (1-based): [expr]_{r,s}."""

    def __new__(cls, expr, r, s, length):
        return sp.Basic.__new__(cls, sp.sympify(expr), r, s, sp.sympify(length))

    @property
    def shape(self):
        return (self.args[3], self.args[3])

    def _entry(self, i, j_, **kwargs):
        expr, r, s, _ = self.args
        return expr.xreplace({r: i + 1, s: j_ + 1})

    def _symbp_explicit(self, explicit):
        expr, r, s, size = self.args
        N = int(size)
        return sp.ImmutableMatrix(N, N, lambda p, q: expr.xreplace({r: p + 1, s: q + 1}))

    def _symbp_text(self, printer):
        expr, r, s, _ = self.args
        return f"[{printer._print(expr)}]_{{{r}{s}}}"

    def _latex(self, printer):
        expr, r, s, _ = self.args
        return rf"\left[{printer._print(expr)}\right]_{{{sp.latex(r)}{sp.latex(s)}}}"

    _sympystr = _symbp_text


def _softmax(d, zz=z):
    """a_j := e^{z_j}/Σ_i e^{z_i} with a fresh bound index; returns (i, S)."""
    i = fresh("i")
    d.size(n, 2, 3, 4)
    d.index(j, 1, n)
    d.define(a[j], exp(zz[j]) / Sum(exp(zz[i]), (i, 1, n)), "softmax")
    return i, Sum(exp(zz[i]), (i, 1, n))


def _quotient(d, kk, S, i):
    """Steps 1–2 for ∂a_j/∂z_kk: the definition and the quotient rule."""
    d.step(Derivative(exp(z[j]) / S, z[kk]),
           because("definition", "a_j = e^{z_j}/Σ_i e^{z_i}", "a_j = e^{z_j}/Σ_i e^{z_i}"))
    d.step((S * Derivative(exp(z[j]), z[kk]) - exp(z[j]) * Derivative(S, z[kk])) / S**2,
           because("quotient_rule", "p = e^{z_j}, q = Σ_i e^{z_i}",
                   "p = e^{z_j}，q = Σ_i e^{z_i}"))


# --- softmax_jacobian ----------------------------------------------------------
@derivation("softmax_jacobian", "∂a_j/∂z_k = a_j(δ_jk − a_k); J = diag(a) − a aᵀ",
            group="softmax", title="The softmax Jacobian", title_zh="Softmax 的雅可比矩阵",
            source=SOURCE)
def softmax_jacobian(d):
    """Quotient rule on a_j = e^{z_j}/S: general k, then k = j and k ≠ j, then the matrix."""
    i, S = _softmax(d)
    d.index(k, 1, n)
    d.index(m, 1, n)
    d.assume(distinct(j, m))

    d.goal(Derivative(a[j], z[k]), a[j] * (KroneckerDelta(j, k) - a[k]),
           title="any j, k", tag="jacobian", title_zh="任意 j, k")
    _quotient(d, k, S, i)
    d.step((S * exp(z[j]) * KroneckerDelta(j, k)
            - exp(z[j]) * Sum(exp(z[i]) * KroneckerDelta(i, k), (i, 1, n))) / S**2,
           because("kronecker_delta", "∂e^{z_j}/∂z_k = e^{z_j} δ_jk, term by term in Σ_i",
                   "∂e^{z_j}/∂z_k = e^{z_j} δ_jk，对 Σ_i 逐项求导"))
    d.step((S * exp(z[j]) * KroneckerDelta(j, k) - exp(z[j]) * exp(z[k])) / S**2,
           because("kronecker_sum", "Σ_i e^{z_i} δ_ik = e^{z_k}, since 1 ≤ k ≤ n",
                   "Σ_i e^{z_i} δ_ik = e^{z_k}，因为 1 ≤ k ≤ n"))
    d.step(a[j] * KroneckerDelta(j, k) - a[j] * a[k],
           because("definition", "split the fraction; e^{z_j}/S = a_j, e^{z_k}/S = a_k",
                   "拆分分式；e^{z_j}/S = a_j，e^{z_k}/S = a_k"))
    d.step(a[j] * (KroneckerDelta(j, k) - a[k]), because("factor", "a_j taken out", "提出 a_j"))

    d.goal(Derivative(a[j], z[j]), a[j] * (1 - a[j]), title="case k = j", tag="k=j",
           title_zh="情形 k = j")
    _quotient(d, j, S, i)
    d.step((S * exp(z[j]) - exp(z[j])**2) / S**2,
           because("exp_derivative", "∂e^{z_j}/∂z_j = e^{z_j}; only the term i = j of S depends "
                   "on z_j", "∂e^{z_j}/∂z_j = e^{z_j}；S 中只有 i = j 项含 z_j"))
    d.step(a[j] - a[j]**2, because("definition", "split the fraction; e^{z_j}/S = a_j",
                                   "拆分分式；e^{z_j}/S = a_j"))
    d.step(a[j] * (1 - a[j]), because("factor", "a_j taken out", "提出 a_j"))

    d.goal(Derivative(a[j], z[m]), -a[j] * a[m], title="case m ≠ j", tag="k!=j",
           title_zh="情形 m ≠ j")
    _quotient(d, m, S, i)
    d.step(-exp(z[j]) * exp(z[m]) / S**2,
           because("exp_derivative", "e^{z_j} does not depend on z_m (m ≠ j); ∂S/∂z_m = e^{z_m}",
                   "e^{z_j} 与 z_m 无关（m ≠ j）；∂S/∂z_m = e^{z_m}"))
    d.step(-a[j] * a[m], because("definition", "e^{z_j}/S = a_j, e^{z_m}/S = a_m",
                                 "e^{z_j}/S = a_j，e^{z_m}/S = a_m"))

    r, s = sp.Symbol("r", integer=True), sp.Symbol("s", integer=True)
    av = IndexedVector(a, n)
    J = EntryMatrix(Derivative(a[r], z[s]), r, s, n)
    d.goal(J, sp.DiagMatrix(av) - av * av.T, title="matrix form", tag="matrix",
           title_zh="矩阵形式")
    d.step(EntryMatrix(a[r] * (KroneckerDelta(r, s) - a[s]), r, s, n),
           because("previous_result", "∂a_r/∂z_s = a_r(δ_rs − a_s) (first part), entry by entry",
                   "逐元素使用 ∂a_r/∂z_s = a_r(δ_rs − a_s)（第一部分）"))
    d.step(EntryMatrix(a[r] * KroneckerDelta(r, s), r, s, n) - EntryMatrix(a[r] * a[s], r, s, n),
           because("sum_split", "split each entry into two matrices", "每个元素拆成两个矩阵"))
    d.step(sp.DiagMatrix(av) - av * av.T,
           because("index_form", "(diag(a))_rs = a_r δ_rs and (a aᵀ)_rs = a_r a_s",
                   "(diag(a))_rs = a_r δ_rs，(a aᵀ)_rs = a_r a_s"))
    d.note("J is symmetric, and J·1 = a − a(aᵀ1) = 0 because Σ a = 1: shifting every z by the "
           "same amount does not change a (see softmax_properties).",
           "J 是对称矩阵，且由于 Σ a = 1，J·1 = a − a(aᵀ1) = 0：所有 z 加同一常数不改变 a"
           "（见 softmax_properties）。")
