"""Output-layer errors δ^L = ∂C/∂z^L for the standard output/cost pairs (Nielsen ch. 3)."""

from sympy import Derivative, KroneckerDelta, Sum, exp, log

from derivations._notation import C, a, j, k, n, y, z
from symbp.catalog import derivation
from symbp.core.context import sum_equals_one
from symbp.core.expr import fresh
from symbp.core.justify import because


@derivation("softmax_ce",
            "δ_k = ∂C/∂z_k = a_k − y_k for a softmax output with the log-likelihood cost",
            group="losses", title="Softmax with log-likelihood: δ = a − y",
            title_zh="Softmax 与对数似然代价：δ = a − y",
            source="Nielsen, Neural Networks and Deep Learning, ch. 3 (softmax), eq. (81)")
def softmax_ce(d):
    """C = −Σ_j y_j ln a_j, a_j = e^{z_j}/Σ_i e^{z_i}, Σ_j y_j = 1  ⇒  ∂C/∂z_k = a_k − y_k."""
    d.size(n, 2, 3, 4)
    d.index(j, 1, n)
    d.index(k, 1, n)
    i = fresh("i")
    d.define(a[j], exp(z[j]) / Sum(exp(z[i]), (i, 1, n)), "softmax")
    d.define(C, -Sum(y[j] * log(a[j]), (j, 1, n)), "log-likelihood cost")
    d.assume(sum_equals_one(y, n))
    d.domain(y, 0.0, 1.0)

    d.goal(Derivative(C, z[k]), a[k] - y[k], title="output error")
    d.step(Derivative(-Sum(y[j] * log(a[j]), (j, 1, n)), z[k]),
           because("definition", "C = −Σ_j y_j ln a_j", "C = −Σ_j y_j ln a_j"))
    d.step(-Sum(y[j] * Derivative(log(a[j]), z[k]), (j, 1, n)),
           because("sum_rule", "differentiate the sum term by term; y_j does not depend on z_k",
                   "逐项求导；y_j 与 z_k 无关"))
    d.step(-Sum(y[j] / a[j] * Derivative(a[j], z[k]), (j, 1, n)),
           because("chain_rule", "∂ ln a_j/∂z_k = (1/a_j) ∂a_j/∂z_k",
                   "∂ ln a_j/∂z_k = (1/a_j) ∂a_j/∂z_k"))
    d.step(-Sum(y[j] * (KroneckerDelta(j, k) - a[k]), (j, 1, n)),
           because("previous_result",
                   "softmax Jacobian ∂a_j/∂z_k = a_j(δ_jk − a_k) (softmax_jacobian); a_j cancels",
                   "softmax 雅可比 ∂a_j/∂z_k = a_j(δ_jk − a_k)（softmax_jacobian）；a_j 约去"))
    d.step(-Sum(y[j] * KroneckerDelta(j, k), (j, 1, n)) + a[k] * Sum(y[j], (j, 1, n)),
           because("sum_split", "split the sum; a_k does not depend on j",
                   "拆分求和；a_k 与 j 无关"))
    d.step(-y[k] + a[k] * Sum(y[j], (j, 1, n)),
           because("kronecker_sum", "Σ_j y_j δ_jk = y_k, since 1 ≤ k ≤ n",
                   "Σ_j y_j δ_jk = y_k，因为 1 ≤ k ≤ n"))
    d.step(a[k] - y[k], because("assumption", "Σ_j y_j = 1", "Σ_j y_j = 1"))
