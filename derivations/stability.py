"""Numerically stable forms of the formulas the code generator prints.

Each entry proves that a form which cannot overflow equals the textbook one;
``symbp.codegen`` prints the stable right-hand side, citing the step.

* ``stable_sigmoid``: σ(z) = (1 + tanh(z/2))/2 — no exponential at all, so no
  overflow for any z (tanh saturates to ±1).
* ``log_sigmoid``: ln σ(z) = −ln(1 + e^{−z}) = −softplus(−z); softplus is
  printed as ``np.logaddexp(0, ·)``, finite for every z.
* ``bce_from_logits``: the binary cross-entropy of a sigmoid output written in
  the weighted input, ℓ = ln(1 + e^{z}) − y z: no ln of a saturated σ.
* ``softmax_shift``: softmax is unchanged by subtracting any m from every z_i;
  the generated code takes m = max_i z_i, so every exponent is ≤ 0.
* ``log_softmax``: ln a_k = (z_k − m) − ln Σ_i e^{z_i − m} (log-sum-exp shift);
  cross-entropy is computed from it, never from ln of a rounded a_k.

``STABLE_FORMS`` (data, read by the generator) says which part of which entry
replaces which formula.
"""

import sympy as sp
from sympy import Function, Sum, exp, log

from derivations._notation import a, k, n, y
from derivations._notation import z as zi
from symbp.catalog import derivation
from symbp.core.expr import fresh
from symbp.core.justify import because
from symbp.nn.activations import sigma, tanh_f, z

m = sp.Symbol("m", real=True)  # the shift of the log-sum-exp trick (any real number)
yv = sp.Symbol("y", real=True)
softplus = Function("softplus", real=True)

#: what the generator substitutes, as data:
#: role -> (derivation name, part tag).  The part's goal is ``lhs = stable rhs``.
STABLE_FORMS = {
    # an elementwise rewrite applied to every activation expression (pattern: lhs in z)
    "elementwise": [("stable_sigmoid", "sigmoid")],
    # the softmax output activation a_k in terms of z_k, z_i and the shift m
    "softmax": ("softmax_shift", "softmax"),
    # per-sample loss of an (output, loss) pair, computed from z (and the shift m)
    "loss": {("softmax", "ce"): ("log_softmax", "ce"),
             ("sigmoid", "bce"): ("bce_from_logits", "bce")},
}
#: the shift the code takes for ``m`` (any value is exact; this one prevents overflow)
SHIFT = (m, "max")


@derivation("stable_sigmoid", "σ(z) = (1 + tanh(z/2))/2: the logistic sigmoid without exp",
            group="stability", title="Sigmoid without overflow: σ(z) = (1 + tanh(z/2))/2",
            title_zh="无溢出的 sigmoid：σ(z) = (1 + tanh(z/2))/2",
            summary_zh="σ(z) = (1 + tanh(z/2))/2：不含 exp 的 logistic sigmoid")
def stable_sigmoid(d):
    """1/(1+e^{−z}) = e^{z/2}/(e^{z/2}+e^{−z/2}) = ½(1 + tanh(z/2))."""
    u = sp.Symbol("u", real=True)
    d.define(sigma(z), 1 / (1 + exp(-z)), "logistic sigmoid")
    d.define(tanh_f(u), (exp(u) - exp(-u)) / (exp(u) + exp(-u)), "hyperbolic tangent")
    d.domain(z, -30.0, 30.0)
    h = exp(z / 2)
    d.goal(sigma(z), (1 + tanh_f(z / 2)) / 2, title="stable sigmoid", tag="sigmoid",
           title_zh="稳定的 sigmoid")
    d.step(1 / (1 + exp(-z)), because("definition", "σ(z) = 1/(1 + e^{−z})",
                                      "σ(z) = 1/(1 + e^{−z})"))
    d.step(h / (h + 1 / h), because("algebra", "multiply numerator and denominator by e^{z/2}",
                                    "分子分母同乘 e^{z/2}"))
    d.step((1 + (h - 1 / h) / (h + 1 / h)) / 2,
           because("algebra", "x/(x + 1/x) = ½(1 + (x − 1/x)/(x + 1/x))",
                   "x/(x + 1/x) = ½(1 + (x − 1/x)/(x + 1/x))"))
    d.step((1 + tanh_f(z / 2)) / 2, because("definition", "tanh u = (e^u − e^{−u})/(e^u + e^{−u})",
                                          "tanh u = (e^u − e^{−u})/(e^u + e^{−u})"))


@derivation("log_sigmoid", "ln σ(z) = −softplus(−z) = −ln(1 + e^{−z})",
            group="stability", title="Log-sigmoid: ln σ(z) = −softplus(−z)",
            title_zh="对数 sigmoid：ln σ(z) = −softplus(−z)",
            summary_zh="ln σ(z) = −softplus(−z) = −ln(1 + e^{−z})")
def log_sigmoid(d):
    """ln σ(z) = ln 1 − ln(1 + e^{−z}) = −softplus(−z); printed with logaddexp."""
    d.define(sigma(z), 1 / (1 + exp(-z)), "logistic sigmoid")
    d.define(softplus(z), log(1 + exp(z)), "softplus")
    d.domain(z, -30.0, 30.0)
    d.goal(log(sigma(z)), -softplus(-z), title="log-sigmoid", tag="log_sigmoid",
           title_zh="对数 sigmoid")
    d.step(log(1 / (1 + exp(-z))), because("definition", "σ(z) = 1/(1 + e^{−z})",
                                           "σ(z) = 1/(1 + e^{−z})"))
    d.step(-log(1 + exp(-z)), because("log_rules", "ln(1/x) = −ln x", "ln(1/x) = −ln x"))
    d.step(-softplus(-z), because("definition", "softplus(u) = ln(1 + e^u) at u = −z",
                                  "softplus(u) = ln(1 + e^u)，取 u = −z"))


@derivation("bce_from_logits",
            "−[y ln σ(z) + (1−y) ln(1−σ(z))] = ln(1 + e^z) − y z: BCE from the weighted input",
            group="stability", title="Binary cross-entropy from z: ℓ = softplus(z) − y z",
            title_zh="由 z 计算二元交叉熵：ℓ = softplus(z) − y z",
            summary_zh="−[y ln σ(z) + (1−y) ln(1−σ(z))] = ln(1 + e^z) − y z：由加权输入计算二元交叉熵")
def bce_from_logits(d):
    """Uses ln σ(z) = −ln(1+e^{−z}) (log_sigmoid), ln(1−σ(z)) = −ln(1+e^{z}), and
    ln(1 + e^{−z}) = ln(1 + e^z) − z."""
    d.define(sigma(z), 1 / (1 + exp(-z)), "logistic sigmoid")
    d.domain(z, -20.0, 20.0)
    d.domain(yv, 0.0, 1.0)
    lhs = -(yv * log(sigma(z)) + (1 - yv) * log(1 - sigma(z)))
    d.goal(lhs, log(1 + exp(z)) - yv * z, title="BCE in z", tag="bce",
           title_zh="以 z 表示的二元交叉熵")
    d.step(-(yv * log(1 / (1 + exp(-z))) + (1 - yv) * log(1 - 1 / (1 + exp(-z)))),
           because("definition", "σ(z) = 1/(1 + e^{−z})", "σ(z) = 1/(1 + e^{−z})"))
    d.step(-(yv * log(1 / (1 + exp(-z))) + (1 - yv) * log(1 / (1 + exp(z)))),
           because("algebra", "1 − σ(z) = e^{−z}/(1 + e^{−z}) = 1/(1 + e^{z})",
                   "1 − σ(z) = e^{−z}/(1 + e^{−z}) = 1/(1 + e^{z})"))
    d.step(yv * log(1 + exp(-z)) + (1 - yv) * log(1 + exp(z)),
           because("log_rules", "ln(1/x) = −ln x", "ln(1/x) = −ln x"))
    d.step(yv * (log(1 + exp(z)) - z) + (1 - yv) * log(1 + exp(z)),
           because("log_rules", "ln(1 + e^{−z}) = ln(e^{−z}(e^{z} + 1)) = ln(1 + e^z) − z",
                   "ln(1 + e^{−z}) = ln(e^{−z}(e^{z} + 1)) = ln(1 + e^z) − z"))
    d.step(log(1 + exp(z)) - yv * z, because("algebra", "collect ln(1 + e^z)",
                                             "合并 ln(1 + e^z)"))


@derivation("softmax_shift", "a_k = e^{z_k}/Σ_i e^{z_i} = e^{z_k − m}/Σ_i e^{z_i − m} for any m",
            group="stability", title="Softmax is shift-invariant (max subtraction)",
            title_zh="Softmax 的平移不变性（减去最大值）",
            summary_zh="对任意 m，a_k = e^{z_k}/Σ_i e^{z_i} = e^{z_k − m}/Σ_i e^{z_i − m}")
def softmax_shift(d):
    """Multiply numerator and denominator by e^{−m}; with m = max_i z_i no exponent is positive."""
    d.size(n, 2, 3, 4)
    d.index(k, 1, n)
    i = fresh("i")
    d.define(a[k], exp(zi[k]) / Sum(exp(zi[i]), (i, 1, n)), "softmax")
    d.domain(m, -5.0, 5.0)
    d.goal(a[k], exp(zi[k] - m) / Sum(exp(zi[i] - m), (i, 1, n)), title="shifted softmax",
           tag="softmax", title_zh="平移后的 softmax")
    d.step(exp(zi[k]) / Sum(exp(zi[i]), (i, 1, n)),
           because("definition", "softmax", "softmax 的定义"))
    d.step(exp(-m) * exp(zi[k]) / (exp(-m) * Sum(exp(zi[i]), (i, 1, n))),
           because("algebra", "multiply numerator and denominator by e^{−m} ≠ 0",
                   "分子分母同乘 e^{−m} ≠ 0"))
    d.step(exp(zi[k] - m) / Sum(exp(zi[i] - m), (i, 1, n)),
           because("exp_rules", "e^{−m} e^{z} = e^{z − m}, inside the sum by linearity",
                   "e^{−m} e^{z} = e^{z − m}，由线性性移入求和"))
    d.note("Any real m gives the same value; the generated code takes m = max_i z_i, so "
           "every exponent is ≤ 0 and e^{z_i − m} cannot overflow.",
           "任意实数 m 结果相同；生成的代码取 m = max_i z_i，使指数均 ≤ 0，e^{z_i − m} 不会溢出。")


@derivation("log_softmax",
            "−Σ_j y_j ln a_j = −Σ_j y_j ((z_j − m) − ln Σ_i e^{z_i − m}): CE via log-softmax",
            group="stability", title="Cross-entropy through the log-sum-exp shift",
            title_zh="通过对数-求和-指数平移计算交叉熵",
            summary_zh="−Σ_j y_j ln a_j = −Σ_j y_j ((z_j − m) − ln Σ_i e^{z_i − m})："
                       "由对数 softmax 计算交叉熵")
def log_softmax(d):
    """ln a_k = z_k − ln Σ_i e^{z_i} = (z_k − m) − ln Σ_i e^{z_i − m}; the cost follows."""
    d.size(n, 2, 3, 4)
    d.index(k, 1, n)
    i = fresh("i")
    j = fresh("j")
    d.define(a[k], exp(zi[k]) / Sum(exp(zi[i]), (i, 1, n)), "softmax")
    d.domain(m, -5.0, 5.0)
    d.domain(y, 0.0, 1.0)
    lse = log(Sum(exp(zi[i] - m), (i, 1, n)))
    d.goal(log(a[k]), (zi[k] - m) - lse, title="log-softmax", tag="log_softmax",
           title_zh="对数 softmax")
    d.step(log(exp(zi[k]) / Sum(exp(zi[i]), (i, 1, n))),
           because("definition", "softmax", "softmax 的定义"))
    d.step(zi[k] - log(Sum(exp(zi[i]), (i, 1, n))),
           because("log_rules", "ln(e^{z_k}/S) = z_k − ln S", "ln(e^{z_k}/S) = z_k − ln S"))
    d.step(zi[k] - log(exp(m) * Sum(exp(zi[i] - m), (i, 1, n))),
           because("exp_rules", "e^{z_i} = e^{m} e^{z_i − m}", "e^{z_i} = e^{m} e^{z_i − m}"))
    d.step((zi[k] - m) - lse, because("log_rules", "ln(e^m S′) = m + ln S′",
                                      "ln(e^m S′) = m + ln S′"))
    d.goal(-Sum(y[j] * log(a[j]), (j, 1, n)),
           -Sum(y[j] * ((zi[j] - m) - lse), (j, 1, n)),
           title="cross-entropy from the log-softmax", tag="ce",
           title_zh="由对数 softmax 计算交叉熵")
    d.step(-Sum(y[j] * ((zi[j] - m) - lse), (j, 1, n)),
           because("previous_result", "ln a_j = (z_j − m) − ln Σ_i e^{z_i − m} (log-softmax, "
                   "above) in every term", "每一项代入对数 softmax（上式）"))
