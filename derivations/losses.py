"""Output-layer errors δ^L = ∂C/∂z^L for the standard output/cost pairs, and facts about the costs.

The output-delta API used by the code generator, ``output_delta_derivation(output, loss)``
and ``output_delta_result(output, loss)``, lives in :mod:`derivations._output_delta`
(documented there) and is re-exported here; softmax_ce, sigmoid_bce, sigmoid_mse and
linear_mse are built on its ``build_output_delta`` (one derivation logic for every pair).

Catalog entries here: softmax_ce, sigmoid_bce, sigmoid_mse, linear_mse (Nielsen ch. 3),
binary_entropy, ce_form, sigmoid_not_normalized (exercises on the costs).
"""

from __future__ import annotations

import sympy as sp
from sympy import Derivative, KroneckerDelta, Sum, exp, log

from derivations._notation import al, b, j, k, n, w, y, z, zl
from derivations._output_delta import (
    SOFTMAX,
    build_output_delta,
    output_delta_derivation,
    output_delta_result,
    resolve_output,
)
from symbp.catalog import derivation
from symbp.core.context import Assumption
from symbp.core.expr import fresh
from symbp.core.justify import because
from symbp.nn import activations as _acts
from symbp.nn.activations import ACTIVATIONS
from symbp.nn.losses import LOSSES
from symbp.notation.text_out import text

__all__ = ["SOFTMAX", "build_output_delta", "output_delta_derivation", "output_delta_result",
           "resolve_output"]

# --- catalog entries ---------------------------------------------------------
_SOURCE = "Nielsen, Neural Networks and Deep Learning, ch. 3"
_SOURCE_ZH = "Nielsen，《Neural Networks and Deep Learning》第 3 章"


@derivation("softmax_ce",
            "δ_k = ∂C/∂z_k = a_k − y_k for a softmax output with the log-likelihood cost",
            group="losses", title="Softmax with log-likelihood: δ = a − y",
            title_zh="Softmax 与对数似然代价：δ = a − y",
            source="Nielsen, Neural Networks and Deep Learning, ch. 3 (softmax), eq. (81)",
            summary_zh="softmax 输出层配合对数似然代价时，δ_k = ∂C/∂z_k = a_k − y_k",
            source_zh=_SOURCE_ZH + "（softmax 一节），式 (81)")
def softmax_ce(d):
    """C = −Σ_i y_i ln a_i, a_i = e^{z_i}/Σ_m e^{z_m}, Σ_i y_i = 1  ⇒  ∂C/∂z_k = a_k − y_k."""
    build_output_delta(d, SOFTMAX, "ce", k)


@derivation("sigmoid_bce", "δ_j = a_j − y_j for sigmoid outputs with binary cross-entropy",
            group="losses", title="Sigmoid with binary cross-entropy: δ = a − y",
            title_zh="Sigmoid 与二元交叉熵：δ = a − y", source=_SOURCE + ", eq. (57)–(61)",
            summary_zh="sigmoid 输出配合二元交叉熵时，δ_j = a_j − y_j",
            source_zh=_SOURCE_ZH + "，式 (57)–(61)")
def sigmoid_bce(d):
    """C = −Σ_j [y_j ln a_j + (1−y_j) ln(1−a_j)], a_j = σ(z_j) ⇒ δ_j = a_j − y_j: σ′ cancels."""
    build_output_delta(d, "sigmoid", "bce")


@derivation("linear_mse", "δ_j = a_j − y_j for a linear output layer with the quadratic cost",
            group="losses", title="Linear output with quadratic cost: δ = a − y",
            title_zh="线性输出与二次代价：δ = a − y", source=_SOURCE + ", problem in §3.1",
            summary_zh="线性输出层配合二次代价时，δ_j = a_j − y_j",
            source_zh=_SOURCE_ZH + "，§3.1 的问题")
def linear_mse(d):
    """a_j = z_j, C = ½Σ_j (a_j − y_j)² ⇒ δ_j = a_j − y_j (f′ = 1: no learning slowdown)."""
    build_output_delta(d, "linear", "mse")


@derivation("sigmoid_mse",
            "δ_j = (a_j − y_j)σ′(z_j) and ∂C/∂w^L_jk = a^{L−1}_k (a_j − y_j)σ′(z_j) "
            "for sigmoid outputs with the quadratic cost",
            group="losses", title="Sigmoid with quadratic cost: δ = (a − y)σ′(z)",
            title_zh="Sigmoid 与二次代价：δ = (a − y)σ′(z)", source=_SOURCE + ", eq. (55)–(56)",
            summary_zh="sigmoid 输出配合二次代价时，δ_j = (a_j − y_j)σ′(z_j)，且 "
                       "∂C/∂w^L_jk = a^{L−1}_k (a_j − y_j)σ′(z_j)",
            source_zh=_SOURCE_ZH + "，式 (55)–(56)")
def sigmoid_mse(d):
    """δ_j = (a_j − y_j)σ′(z_j) (shared chain), then the weight gradient by the chain rule
    through z^L_i = Σ_q w^L_iq a^{L−1}_q + b^L_i (Nielsen eq. 55; BP4 for the last layer)."""
    build_output_delta(d, "sigmoid", "mse")
    L = sp.Symbol("L", integer=True, positive=True)
    m = d.size(sp.Symbol("m", integer=True, positive=True), 2)
    d.size(n, 2, 3)  # numeric instances of the weight part are costly (σ of a sum, per instance)
    d.index(k, 1, m)
    i, q = fresh("i"), fresh("q")
    d.define(zl[L, i], Sum(w[L, i, q] * al[L - 1, q], (q, 1, m)) + b[L, i],
             "weighted input of the output layer")
    sig = _acts.sigma
    x = sp.Symbol("x", real=True)

    def sigma_prime(arg):  # σ′(arg), printed σ′(z^L_j)
        return sp.Subs(Derivative(sig(x), x), x, arg)

    r = d.index(sp.Symbol("r", integer=True), 1, n)
    d.goal(Derivative(zl[L, r], w[L, j, k]), KroneckerDelta(r, j) * al[L - 1, k], tag="rows",
           title="z^L_r depends on w^L_jk only for r = j",
           title_zh="z^L_r 仅当 r = j 时依赖 w^L_jk")
    d.step(Derivative(Sum(w[L, r, q] * al[L - 1, q], (q, 1, m)) + b[L, r], w[L, j, k]),
           because("definition", "z^L_r = Σ_q w^L_rq a^{L−1}_q + b^L_r",
                   "z^L_r = Σ_q w^L_rq a^{L−1}_q + b^L_r"))
    d.step(Sum(KroneckerDelta(r, j) * KroneckerDelta(q, k) * al[L - 1, q], (q, 1, m)),
           because("linearity", "∂w^L_rq/∂w^L_jk = δ_rj δ_qk; b^L_r does not depend on w",
                   "∂w^L_rq/∂w^L_jk = δ_rj δ_qk；b^L_r 与 w 无关"))
    d.step(KroneckerDelta(r, j) * al[L - 1, k],
           because("kronecker_sum", "Σ_q δ_qk a^{L−1}_q = a^{L−1}_k, since 1 ≤ k ≤ m",
                   "Σ_q δ_qk a^{L−1}_q = a^{L−1}_k，因为 1 ≤ k ≤ m"))
    unit = (sig(zl[L, j]) - y[j]) ** 2 / 2
    d.note("By the part 'rows', only the j-th term ½(a^L_j − y_j)² of C = Σ_r C_r depends on "
           "w^L_jk, so ∂C/∂w^L_jk = ∂C_j/∂w^L_jk. "
           "Here a^L_j = σ(z^L_j) is written out, so that C_j depends on w^L_jk through "
           "z^L_j = Σ_q w^L_jq a^{L−1}_q + b^L_j.",
           "C 中只有第 j 项 ½(a^L_j − y_j)² 依赖 w^L_jk，故 ∂C/∂w^L_jk = ∂C_j/∂w^L_jk；"
           "此处写出 a^L_j = σ(z^L_j)，使 C_j 通过 z^L_j 依赖 w^L_jk。")
    d.goal(Derivative(unit, w[L, j, k]),
           al[L - 1, k] * (sig(zl[L, j]) - y[j]) * sigma_prime(zl[L, j]), tag="weight",
           title="weight gradient ∂C/∂w^L_jk", title_zh="权重梯度 ∂C/∂w^L_jk")
    d.step((sig(zl[L, j]) - y[j]) * sigma_prime(zl[L, j]) * Derivative(zl[L, j], w[L, j, k]),
           because("chain_rule", "∂C/∂z^L_j = (a_j − y_j)σ′(z^L_j) = δ_j (part 1), "
                   "times ∂z^L_j/∂w^L_jk", "∂C/∂z^L_j = (a_j − y_j)σ′(z^L_j) = δ_j（第一部分），"
                   "乘以 ∂z^L_j/∂w^L_jk"))
    d.step((sig(zl[L, j]) - y[j]) * sigma_prime(zl[L, j])
           * Sum(KroneckerDelta(q, k) * al[L - 1, q], (q, 1, m)),
           because("definition", "z^L_j = Σ_q w^L_jq a^{L−1}_q + b^L_j: ∂w^L_jq/∂w^L_jk = δ_qk",
                   "z^L_j = Σ_q w^L_jq a^{L−1}_q + b^L_j：∂w^L_jq/∂w^L_jk = δ_qk"))
    d.step(al[L - 1, k] * (sig(zl[L, j]) - y[j]) * sigma_prime(zl[L, j]),
           because("kronecker_sum", "Σ_q δ_qk a^{L−1}_q = a^{L−1}_k, since 1 ≤ k ≤ m",
                   "Σ_q δ_qk a^{L−1}_q = a^{L−1}_k，因为 1 ≤ k ≤ m"))


# --- facts about the costs ---------------------------------------------------
_a, _y = sp.symbols("a y", real=True)  # one output and its target, as in symbp.nn.losses


def _open_unit_interval(*symbols) -> Assumption:
    """0 < x < 1 for each symbol: x = t/(1+t) with t > 0 for sign analysis (symbolic only;
    numeric samples come from the declared domains)."""
    ts = {s: sp.Dummy(f"t_{s}", positive=True) for s in symbols}
    names = ", ".join(str(s) for s in symbols)

    def rewrite(e):
        if e.has(Derivative, sp.Subs):
            e = e.doit()  # the substitution must reach inside evaluated derivatives
        if e.has(Derivative, sp.Subs, sp.Limit):
            return e
        return e.xreplace({s: t / (1 + t) for s, t in ts.items()})

    return Assumption(f"0 < {names} < 1", rf"0 < {names} < 1", rewrite, name="unit_interval")


@derivation("binary_entropy",
            "the cross-entropy −[y ln a + (1−y) ln(1−a)] is minimised at a = y; "
            "its minimum is the binary entropy",
            group="losses", title="The cross-entropy is minimised at a = y",
            title_zh="交叉熵在 a = y 处取最小值", source=_SOURCE + ", exercise in §3.1",
            summary_zh="交叉熵 −[y ln a + (1−y) ln(1−a)] 在 a = y 处取最小值，最小值为二元熵",
            source_zh=_SOURCE_ZH + "，§3.1 的练习")
def binary_entropy(d):
    """C(a) = −[y ln a + (1−y) ln(1−a)] on 0 < a, y < 1: C′(a) = (a − y)/(a(1−a)) vanishes only
    at a = y, C″ > 0, and C(a) − C(y) is the Kullback–Leibler divergence."""
    Cf = sp.Function("C", real=True)
    ell = LOSSES.get("bce").per_unit  # −[y ln a + (1−y) ln(1−a)]
    d.define(Cf(_a), ell, "cross-entropy of one output (registry loss 'bce')")
    d.domain(_a, 0.05, 0.95)
    d.domain(_y, 0.05, 0.95)
    d.assume(_open_unit_interval(_a, _y))
    first = -_y / _a + (1 - _y) / (1 - _a)
    d.goal(Derivative(Cf(_a), _a), (_a - _y) / (_a * (1 - _a)), tag="derivative",
           title="C′(a) vanishes only at a = y", title_zh="C′(a) 仅在 a = y 处为零")
    d.step(Derivative(ell, _a), because("definition", "C(a) = −[y ln a + (1−y) ln(1−a)]",
                                        "C(a) = −[y ln a + (1−y) ln(1−a)]"))
    d.step(first, because("log_derivative", "d ln a/da = 1/a, d ln(1−a)/da = −1/(1−a)",
                          "d ln a/da = 1/a，d ln(1−a)/da = −1/(1−a)"))
    d.step((-_y * (1 - _a) + (1 - _y) * _a) / (_a * (1 - _a)),
           because("algebra", "common denominator a(1−a)", "通分 a(1−a)"))
    d.step((_a - _y) / (_a * (1 - _a)),
           because("algebra", "−y + ay + a − ay = a − y; a(1−a) > 0, so C′(a) = 0 ⇔ a = y",
                   "−y + ay + a − ay = a − y；a(1−a) > 0，故 C′(a) = 0 ⇔ a = y"))

    scale = _a ** 2 * (1 - _a) ** 2
    d.goal(scale * Derivative(Cf(_a), _a, 2), 0, rel=">", tag="convex",
           title="C″(a) > 0: the stationary point a = y is the minimum",
           title_zh="C″(a) > 0：驻点 a = y 是最小值点")
    d.step(scale * Derivative(first, _a), because("previous_result", "C′(a) from part 1",
                                                  "第一部分求得的 C′(a)"))
    d.step(scale * (_y / _a ** 2 + (1 - _y) / (1 - _a) ** 2),
           because("derivative", "d(1/a)/da = −1/a², d(1/(1−a))/da = 1/(1−a)²",
                   "d(1/a)/da = −1/a²，d(1/(1−a))/da = 1/(1−a)²"))
    d.step(_y * (1 - _a) ** 2 + (1 - _y) * _a ** 2, because("algebra", "cancel a²(1−a)²",
                                                           "约去 a²(1−a)²"))
    d.step(sp.Integer(0), because("inequality", "y, 1−y > 0 and a², (1−a)² > 0 for 0 < a, y < 1; "
                                  "a²(1−a)² > 0, so C″(a) > 0",
                                  "0 < a, y < 1 时 y, 1−y, a², (1−a)² 均为正，故 C″(a) > 0"),
           rel=">")

    kl = _y * log(_y / _a) + (1 - _y) * log((1 - _y) / (1 - _a))
    d.goal(Cf(_a) - Cf(_y), kl, tag="excess",
           title="C(a) − C(y) is the Kullback–Leibler divergence KL(y‖a)",
           title_zh="C(a) − C(y) 是 KL 散度 KL(y‖a)")
    d.step(ell - ell.xreplace({_a: _y}), because("definition", "C at a and at y",
                                                 "C 在 a 处与在 y 处的值"))
    d.step(_y * (log(_y) - log(_a)) + (1 - _y) * (log(1 - _y) - log(1 - _a)),
           because("algebra", "collect the y and the 1−y terms", "合并 y 项与 1−y 项"))
    d.step(kl, because("log_rules", "ln u − ln v = ln(u/v)", "ln u − ln v = ln(u/v)"))

    d.goal(Cf(_y), -(_y * log(_y) + (1 - _y) * log(1 - _y)), tag="minimum",
           title="the minimum value is the binary entropy H(y)", title_zh="最小值为二元熵 H(y)")
    d.step(sp.Subs(ell, _a, _y), because("definition", "C(a) at a = y", "C(a) 在 a = y 处的值"))
    d.step(-(_y * log(_y) + (1 - _y) * log(1 - _y)), because("evaluation", "a = y", "代入 a = y"))
    d.note("C is strictly convex on (0, 1) (part 2) with its only stationary point at a = y "
           "(part 1), so a = y is the global minimum and the minimum value is the binary entropy "
           "H(y) (part 4); part 3 says the excess C(a) − H(y) is KL(y‖a).",
           "C 在 (0, 1) 上严格凸（第二部分），唯一驻点为 a = y（第一部分），故 a = y 为全局最小点，"
           "最小值为二元熵 H(y)（第四部分）；第三部分表明超出部分为 KL(y‖a)。")


@derivation("ce_form",
            "−[y ln a + (1−y) ln(1−a)] is defined for targets y ∈ {0, 1}; "
            "the swapped −[a ln y + (1−a) ln(1−y)] is not (it diverges as y → 0 or 1)",
            group="losses", title="Why the cross-entropy is −[y ln a + (1−y) ln(1−a)]",
            title_zh="为何交叉熵取 −[y ln a + (1−y) ln(1−a)]", source=_SOURCE + ", exercise in §3.1",
            summary_zh="对目标 y ∈ {0, 1}，−[y ln a + (1−y) ln(1−a)] 有定义；交换后的 "
                       "−[a ln y + (1−a) ln(1−y)] 则不然（y → 0 或 1 时发散）",
            source_zh=_SOURCE_ZH + "，§3.1 的练习")
def ce_form(d):
    """Evaluate both forms at the targets of a classifier, y = 0 and y = 1 (0 < a < 1)."""
    Cf, Cs = sp.Function("C", real=True), sp.Function("C_swap", real=True)
    good = -(_y * log(_a) + (1 - _y) * log(1 - _a))
    swap = -(_a * log(_y) + (1 - _a) * log(1 - _y))
    d.define(Cf(_a, _y), good, "the cross-entropy")
    d.define(Cs(_a, _y), swap, "the swapped form")
    d.domain(_a, 0.05, 0.95)
    for target, value, title in ((1, -log(_a), "at y = 1 the cross-entropy is −ln a"),
                                 (0, -log(1 - _a), "at y = 0 the cross-entropy is −ln(1 − a)")):
        d.goal(Cf(_a, target), value, tag=f"y{target}", title=title + " (finite)",
               title_zh=f"y = {target} 时交叉熵为有限值")
        d.step(sp.Subs(good, _y, target), because("definition", f"C(a, y) at y = {target}",
                                                  f"C(a, y) 在 y = {target} 处的值"))
        d.step(value, because("evaluation", f"y = {target}: one term vanishes because its "
                              "coefficient is 0; ln a and ln(1−a) are finite for 0 < a < 1",
                              f"y = {target}：系数为 0 的项消失；0 < a < 1 时 ln a 与 ln(1−a) 有限"))
    for end, log_end, coeff, tag in ((0, -log(_y), _a, "swap0"),
                                     (1, -log(1 - _y), 1 - _a, "swap1")):
        direction = "+" if end == 0 else "-"
        other = (1 - _a) * log(1 - _y) if end == 0 else _a * log(_y)
        own = log(_y) if end == 0 else log(1 - _y)
        d.goal(sp.Limit(Cs(_a, _y) / log_end, _y, end, direction), coeff, tag=tag,
               title=f"the swapped form grows like ({text(coeff)})·({text(log_end)}) → ∞ "
                     f"as y → {end}",
               title_zh=f"y → {end} 时交换后的形式按 ({text(coeff)})·({text(log_end)}) 趋于 ∞")
        d.step(sp.Limit(swap / log_end, _y, end, direction),
               because("definition", "C_swap(a, y) = −[a ln y + (1−a) ln(1−y)]",
                       "C_swap(a, y) = −[a ln y + (1−a) ln(1−y)]"))
        d.step(sp.Limit(coeff + other / own, _y, end, direction),
               because("algebra", f"divide each term by {text(log_end)}",
                       f"逐项除以 {text(log_end)}"))
        d.step(coeff + sp.Limit(other / own, _y, end, direction),
               because("limit", "the limit of a sum; the first term does not depend on y",
                       "和的极限；第一项与 y 无关"))
        d.step(coeff, because("limit", f"{text(other)} → 0 while {text(own)} → −∞",
                              f"{text(other)} → 0，而 {text(own)} → −∞"))
    d.note("So C_swap(a, y) → +∞ as y → 0⁺ or y → 1⁻ for every output 0 < a < 1: at the "
           "targets y ∈ {0, 1} of a classifier the swapped form takes ln 0, and the "
           "convention 0·ln 0 = 0 does not rescue it because the coefficients a and 1 − a "
           "are not 0.  The cross-entropy −[y ln a + (1−y) ln(1−a)] only ever takes ln of the "
           "output 0 < a < 1 and is finite there (parts 1–2).",
           "因此对任意输出 0 < a < 1，y → 0⁺ 或 y → 1⁻ 时 C_swap(a, y) → +∞：在分类目标 "
           "y ∈ {0, 1} 处交换后的形式要取 ln 0，且系数 a 与 1 − a 非零，约定 0·ln 0 = 0 也无济于事。"
           "交叉熵只对输出 0 < a < 1 取对数，因而有限（第一、二部分）。")


@derivation("sigmoid_not_normalized",
            "sigmoid outputs need not sum to 1: σ(0) + σ(0) = 1 but σ(1) + σ(2) > 1, "
            "and ∂/∂z_k Σ_j σ(z_j) = σ′(z_k) > 0",
            group="losses", title="Sigmoid outputs are not a probability distribution",
            title_zh="Sigmoid 输出不构成概率分布", source=_SOURCE + " (softmax), exercise",
            summary_zh="sigmoid 输出之和不必为 1：σ(0) + σ(0) = 1，但 σ(1) + σ(2) > 1，"
                       "且 ∂/∂z_k Σ_j σ(z_j) = σ′(z_k) > 0",
            source_zh=_SOURCE_ZH + "（softmax 一节）的练习")
def sigmoid_not_normalized(d):
    """A counterexample (σ(1) + σ(2) ≠ 1) and the general reason (the sum is not constant)."""
    sig = _acts.sigma
    d.define(*ACTIVATIONS.get("sigmoid").definition(), "logistic sigmoid")
    e = sp.E
    d.goal(sp.Add(sig(0), sig(0), evaluate=False), 1, tag="equal", title="σ(0) + σ(0) = 1 (by coincidence)",
           title_zh="σ(0) + σ(0) = 1（巧合）")
    d.step(2 * sig(0), because("algebra", "σ(0) + σ(0) = 2σ(0)", "σ(0) + σ(0) = 2σ(0)"))
    d.step(sp.Integer(1), because("evaluation", "σ(0) = 1/(1 + e⁰) = 1/2", "σ(0) = 1/(1 + e⁰) = 1/2"))

    d.goal(sig(1) + sig(2) - 1, 0, rel=">", tag="counterexample",
           title="σ(1) + σ(2) > 1: the outputs do not sum to 1",
           title_zh="σ(1) + σ(2) > 1：输出之和不为 1")
    d.step(1 / (1 + 1 / e) + 1 / (1 + e ** -2) - 1,
           because("definition", "σ(z) = 1/(1 + e^{−z})", "σ(z) = 1/(1 + e^{−z})"))
    d.step(e / (1 + e) + e ** 2 / (1 + e ** 2) - 1,
           because("algebra", "multiply numerator and denominator by e^z", "分子分母同乘 e^z"))
    d.step((e ** 3 - 1) / ((1 + e) * (1 + e ** 2)),
           because("algebra", "common denominator: e(1+e²) + e²(1+e) − (1+e)(1+e²) = e³ − 1",
                   "通分：e(1+e²) + e²(1+e) − (1+e)(1+e²) = e³ − 1"))
    d.step(sp.Integer(0), because("counterexample", "e³ > 1: σ(1) + σ(2) ≈ 1.612 ≠ 1",
                                  "e³ > 1：σ(1) + σ(2) ≈ 1.612 ≠ 1"), rel=">")

    d.size(n, 2, 3, 4)
    d.index(k, 1, n)
    d.domain(z, -4.0, 4.0)
    i = fresh("i")
    total = Sum(sig(z[i]), (i, 1, n))
    d.goal(Derivative(total, z[k]), sig(z[k]) * (1 - sig(z[k])), tag="not_constant",
           title="the sum of sigmoid outputs changes with every z_k",
           title_zh="sigmoid 输出之和随每个 z_k 变化")
    d.step(Sum(Derivative(sig(z[i]), z[k]), (i, 1, n)),
           because("sum_rule", "differentiate term by term", "逐项求导"))
    d.step(Sum(KroneckerDelta(i, k) * Derivative(sig(z[k]), z[k]), (i, 1, n)),
           because("kronecker_delta", "σ(z_i) depends on z_k only if i = k",
                   "σ(z_i) 仅当 i = k 时依赖 z_k"))
    d.step(Derivative(sig(z[k]), z[k]),
           because("kronecker_sum", "Σ_i δ_ik = 1, since 1 ≤ k ≤ n", "Σ_i δ_ik = 1，因为 1 ≤ k ≤ n"))
    d.step(sig(z[k]) * (1 - sig(z[k])),
           because("previous_result", "σ′ = σ(1 − σ) (catalog entry 'sigmoid')",
                   "σ′ = σ(1 − σ)（见推导 sigmoid）"))
    d.goal(sig(z[k]) * (1 - sig(z[k])), 0, rel=">", tag="positive",
           title="σ′(z_k) > 0, so Σ_j σ(z_j) is not constant (softmax: Σ_j a_j = 1 always)",
           title_zh="σ′(z_k) > 0，故 Σ_j σ(z_j) 不是常数（softmax 恒有 Σ_j a_j = 1）")
    d.step(exp(-z[k]) / (1 + exp(-z[k])) ** 2,
           because("definition", "σ(1 − σ) = e^{−z}/(1 + e^{−z})²",
                   "σ(1 − σ) = e^{−z}/(1 + e^{−z})²"))
    d.step(sp.Integer(0), because("inequality", "e^{−z} > 0", "e^{−z} > 0"), rel=">")
