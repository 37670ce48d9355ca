"""The softmax a_j = e^{z_j}/Σ_i e^{z_i}: Jacobian, properties, temperature (Nielsen ch. 3).

Catalog entries, all for general n (index form; the matrix statement and the
limits are checked on explicit instances n = 2, 3 by both witnesses):

* ``softmax_jacobian``: ∂a_j/∂z_k = a_j(δ_jk − a_k) by the quotient rule, the
  cases k = j (a_j(1 − a_j)) and k ≠ j (−a_j a_k), and J = diag(a) − a aᵀ;
* ``softmax_properties``: Σ_j a_j = 1; a(z + c) = a(z); z_j = ln a_j + C;
  ∂a_j/∂z_m = −e^{z_j}e^{z_m}/(Σ_i e^{z_i})² ≠ 0 for m ≠ j;
* ``softmax_temperature``: with e^{c z_j}, Σ_j a_j = 1 for every c > 0, and as
  c → ∞ the largest input's output tends to 1 while every other a_j decays like
  e^{−c(z_max − z_j)}.  The inputs are labelled so that z_1 is the largest
  (:class:`LargestFirst`: the symbolic witness writes z_i = z_1 − g_i with
  g_i > 0, the numeric one samples only such z).

The case k ≠ j is a :class:`Distinct` assumption: the symbolic witness sets
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
SOURCE_ZH = "Nielsen，《Neural Networks and Deep Learning》第 3 章（softmax 一节）"
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
        return "𝐚" if str(self.args[0]) == "a" else f"vec({self.args[0]})"

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
            source=SOURCE, summary_zh="∂a_j/∂z_k = a_j(δ_jk − a_k)；J = diag(a) − a aᵀ",
            source_zh=SOURCE_ZH)
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


# --- softmax_properties ---------------------------------------------------------
@derivation("softmax_properties",
            "Σ_j a_j = 1; a(z + c) = a(z), so z_j = ln a_j + C; ∂a_j/∂z_m ≠ 0 for every m ≠ j",
            group="softmax", title="Softmax: a probability distribution that depends on all z",
            title_zh="Softmax：依赖于全部 z 的概率分布", source=SOURCE,
            summary_zh="Σ_j a_j = 1；a(z + c) = a(z)，故 z_j = ln a_j + C；"
                       "对每个 m ≠ j 都有 ∂a_j/∂z_m ≠ 0",
            source_zh=SOURCE_ZH)
def softmax_properties(d):
    """Normalisation, shift invariance, recovering z up to a constant, coupling."""
    i, S = _softmax(d)
    d.index(m, 1, n)
    d.assume(distinct(j, m))
    ll = fresh("l")
    d.goal(Sum(a[ll], (ll, 1, n)), 1, title="the outputs sum to 1", tag="sum",
           title_zh="输出之和为 1")
    d.step(Sum(exp(z[ll]) / S, (ll, 1, n)),
           because("definition", "a_l = exp(z_l)/S with S = Σ_i exp(z_i)",
                   "a_l = exp(z_l)/S，S = Σ_i exp(z_i)"))
    d.step(Sum(exp(z[ll]), (ll, 1, n)) / S,
           because("linearity", "S does not depend on l: take 1/S out of the sum",
                   "S 与 l 无关：把 1/S 提到求和之外"))
    d.step(1, because("algebra", "numerator and denominator are the same sum",
                      "分子与分母是同一个和"))

    c = sp.Symbol("c", real=True)
    d.goal(exp(z[j] + c) / Sum(exp(z[i] + c), (i, 1, n)), a[j],
           title="shift invariance: adding c to every z_i leaves a unchanged", tag="shift",
           title_zh="平移不变性：每个 z_i 加上 c，a 不变")
    d.step(exp(c) * exp(z[j]) / Sum(exp(c) * exp(z[i]), (i, 1, n)),
           because("exp_rules", "exp(z + c) = exp(c)·exp(z)", "exp(z + c) = exp(c)·exp(z)"))
    d.step(exp(z[j]) / S, because("linearity", "exp(c) comes out of the sum and cancels",
                                  "exp(c) 提到求和之外并约去"))
    d.step(a[j], because("definition", "a_j = exp(z_j)/S", "a_j = exp(z_j)/S"))

    C0 = sp.Symbol("C", real=True)
    d.define(C0, log(S), "log-normaliser")
    d.goal(z[j], log(a[j]) + C0, title="z_j = ln a_j + C with C the same for every j",
           tag="inverse", title_zh="z_j = ln a_j + C，C 对所有 j 相同")
    d.step(sp.Add(z[j] - log(S), log(S), evaluate=False),
           because("algebra", "subtract and add ln S", "减去再加上 ln S"))
    d.step(log(exp(z[j]) / S) + log(S),
           because("log_rules", "z_j − ln S = ln exp(z_j) − ln S = ln(exp(z_j)/S)",
                   "z_j − ln S = ln exp(z_j) − ln S = ln(exp(z_j)/S)"))
    d.step(log(a[j]) + log(S), because("definition", "exp(z_j)/S = a_j", "exp(z_j)/S = a_j"))
    d.step(log(a[j]) + C0, because("definition", "C = ln S, the same for every j",
                                   "C = ln S，对所有 j 相同"))

    d.goal(Derivative(a[j], z[m]), -exp(z[j]) * exp(z[m]) / S**2,
           title="a_j depends on every z_m: the derivative for m ≠ j is never 0", tag="coupling",
           title_zh="a_j 依赖于每个 z_m：m ≠ j 时导数从不为 0")
    _quotient(d, m, S, i)
    d.step(-exp(z[j]) * exp(z[m]) / S**2,
           because("exp_derivative", "exp(z_j) does not depend on z_m (m ≠ j); ∂S/∂z_m = "
                   "exp(z_m)", "exp(z_j) 与 z_m 无关（m ≠ j）；∂S/∂z_m = exp(z_m)"))
    d.note("C = ln Σ_i exp(z_i) is one number for all j, so the outputs a determine z only up "
           "to a common constant — exactly the shift invariance above.",
           "C = ln Σ_i exp(z_i) 对所有 j 是同一个数，因此 a 只在相差一个公共常数的意义下确定 z，"
           "这正是上面的平移不变性。")
    d.note("−exp(z_j)exp(z_m)/S² = −a_j a_m < 0 because exponentials are positive: raising any "
           "other input z_m lowers a_j, so every output depends on every input (unlike "
           "sigmoid outputs, which are unit-wise).",
           "−exp(z_j)exp(z_m)/S² = −a_j a_m < 0（指数为正）：增大任一其他输入 z_m 都会降低 a_j，"
           "每个输出依赖于所有输入（与逐单元的 sigmoid 不同）。")


# --- softmax_temperature ----------------------------------------------------------
@dataclass(frozen=True)
class LargestFirst(Assumption):
    """z_1 > z_i for every i ≥ 2 (relabel so the largest input comes first).

    Symbolically each concrete z_i (i ≥ 2) is written z_1 − g_i with a positive
    symbol g_i; numeric samples are shifted so z_1 exceeds every other z_i.
    """

    base: sp.IndexedBase | None = None


def largest_first(zz) -> LargestFirst:
    def is_other(e):
        return (isinstance(e, sp.Indexed) and e.base == zz and e.indices[0].is_Integer
                and e.indices[0] >= 2)

    def rewrite(e):
        e = e.replace(is_other, lambda x: zz[1] - sp.Symbol(f"g{x.indices[0]}", positive=True))
        # exact algebra inside limits, so SymPy's limit sees exp(c z_1) cancel
        return e.replace(lambda x: isinstance(x, sp.Limit) and not x.args[0].has(sp.Sum),
                         lambda x: sp.Limit(sp.cancel(sp.expand(x.args[0])), *x.args[1:]))

    def constrain(values, sizes):
        others = [v for key, v in values.items() if is_other(key)]
        if others and zz[1] in values:
            values[zz[1]] = max(others) + abs(values[zz[1]]) + sp.Rational(1, 10)
        return values

    return LargestFirst("z_1 > z_i for i ≥ 2 (the largest input first)",
                        r"z_1 > z_i \ (i \ge 2)", rewrite, constrain, name="largest_first",
                        base=zz)


@derivation("softmax_temperature",
            "a_j = e^{c z_j}/Σ_i e^{c z_i}: sums to 1 for c > 0; as c → ∞, a → 1 at the largest "
            "z and 0 elsewhere",
            group="softmax", title="Softmax with a temperature: the limit c → ∞ is argmax",
            title_zh="带温度的 softmax：c → ∞ 的极限是 argmax", source=SOURCE,
            summary_zh="a_j = e^{c z_j}/Σ_i e^{c z_i}：对 c > 0 其和为 1；c → ∞ 时，"
                       "最大的 z 处 a → 1，其余各处 a → 0",
            source_zh=SOURCE_ZH)
def softmax_temperature(d):
    """a_j^c = e^{c z_j}/Σ_i e^{c z_i}; with z_1 the largest and g_i = z_1 − z_i > 0,
    a_1^c = 1/(1 + Σ_{i≥2} e^{−c g_i}) → 1 and e^{c g_k} a_k^c → 1, so a_k^c → 0."""
    c = sp.Symbol("c", positive=True)
    i, ll = fresh("i"), fresh("l")
    g = sp.IndexedBase("g", real=True)
    d.size(n, 2, 3, 4)
    d.index(j, 1, n)
    d.index(k, 2, n)
    S = Sum(exp(c * z[i]), (i, 1, n))
    d.define(a[j], exp(c * z[j]) / S, "softmax with inverse temperature c")
    d.define(g[i], z[1] - z[i], "gap to the largest input")
    d.assume(largest_first(z))

    d.goal(Sum(a[ll], (ll, 1, n)), 1, title="still sums to 1 for every c > 0", tag="sum",
           title_zh="对任意 c > 0 仍然和为 1")
    d.step(Sum(exp(c * z[ll]) / S, (ll, 1, n)),
           because("definition", "a_l = exp(c z_l)/S with S = Σ_i exp(c z_i)",
                   "a_l = exp(c z_l)/S，S = Σ_i exp(c z_i)"))
    d.step(Sum(exp(c * z[ll]), (ll, 1, n)) / S,
           because("linearity", "S does not depend on l", "S 与 l 无关"))
    d.step(1, because("algebra", "numerator and denominator are the same sum",
                      "分子与分母是同一个和"))

    rest = Sum(exp(c * z[i]), (i, 2, n))
    tail = Sum(exp(-c * g[i]), (i, 2, n))
    d.goal(a[1], 1 / (1 + tail), title="the largest input's output, divided through by "
           "exp(c z_1)", tag="largest_form", title_zh="最大输入的输出（分子分母同除以 exp(c z_1)）")
    d.step(exp(c * z[1]) / (exp(c * z[1]) + rest),
           because("sum_split", "definition of a_1; the term i = 1 split off the sum",
                   "a_1 的定义；从和中拆出 i = 1 项"))
    d.step(1 / (1 + Sum(exp(c * (z[i] - z[1])), (i, 2, n))),
           because("algebra", "divide numerator and denominator by exp(c z_1)",
                   "分子分母同除以 exp(c z_1)"))
    d.step(1 / (1 + tail), because("definition", "z_i − z_1 = −g_i", "z_i − z_1 = −g_i"))

    d.goal(exp(c * g[k]) * a[k], 1 / (1 + tail),
           title="every other output, scaled by exp(c g_k)", tag="others_form",
           title_zh="其余输出乘以 exp(c g_k)")
    d.step(exp(c * g[k]) * exp(c * z[k]) / (exp(c * z[1]) + rest),
           because("sum_split", "definition of a_k; the term i = 1 split off the sum",
                   "a_k 的定义；从和中拆出 i = 1 项"))
    d.step(sp.Mul(exp(c * g[k]), exp(-c * g[k]), 1 / (1 + tail), evaluate=False),
           because("algebra", "divide numerator and denominator by exp(c z_1); "
                   "z_i − z_1 = −g_i", "分子分母同除以 exp(c z_1)；z_i − z_1 = −g_i"))
    d.step(1 / (1 + tail),
           because("exp_rules", "exp(c g_k)·exp(−c g_k) = 1", "exp(c g_k)·exp(−c g_k) = 1"))

    for lhs, tag, what, what_zh in (
            (a[1], "largest", "the largest input's output tends to 1", "最大输入对应的输出趋于 1"),
            (exp(c * g[k]) * a[k], "others",
             "every other output decays like exp(−c(z_1 − z_k)) → 0",
             "其余输出像 exp(−c(z_1 − z_k)) 一样衰减到 0")):
        d.goal(Limit(lhs, c, oo), 1, title=what, tag=tag, title_zh=what_zh)
        d.step(Limit(1 / (1 + tail), c, oo),
               because("previous_result", "the form divided through by exp(c z_1) (above)",
                       "上面分子分母同除以 exp(c z_1) 的形式"))
        d.step(1, because("limit", "exp(−c g_i) → 0 as c → ∞, because g_i > 0",
                          "c → ∞ 时 exp(−c g_i) → 0，因为 g_i > 0"))
    d.note("So a_k = exp(−c g_k)·(a factor tending to 1) → 0 for every k ≥ 2: as c → ∞ the "
           "softmax tends to the one-hot vector of the largest input (a 'hard max'). This needs "
           "a unique largest input; with ties the limit shares 1 equally among them.",
           "因此对每个 k ≥ 2，a_k = exp(−c g_k)·(趋于 1 的因子) → 0：c → ∞ 时 softmax 趋于最大输入"
           "处的独热向量（“硬最大”）。这要求最大输入唯一；若有并列，极限在并列者之间平分 1。")
