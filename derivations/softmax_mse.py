"""Output error of a softmax layer with a per-unit cost: the quadratic cost (Nielsen ch. 3).

With a = softmax(z) every output a_i depends on every z_k, so δ_k = ∂C/∂z_k is not
ℓ′(a_k)·f′(z_k): the softmax Jacobian ∂a_i/∂z_k = a_i(δ_ik − a_k) (catalog entry
``softmax_jacobian``) couples the units.  For C = Σ_i ℓ(a_i, y_i):

    δ_k = Σ_i ℓ′(a_i) a_i(δ_ik − a_k) = a_k [ℓ′(a_k) − Σ_i a_i ℓ′(a_i)],

and for the quadratic cost ℓ = ½(a − y)², ℓ′ = a − y:

    δ_k = a_k [(a_k − y_k) − Σ_i a_i (a_i − y_i)].

:func:`softmax_chain` records these steps for any registry loss (ℓ′ by ``sympy.diff``
of the registry's ℓ); :mod:`derivations._output_delta` dispatches softmax + mse here.
The result keeps the sum over the output units as a ``Sum`` over a bound index, which
the code generator prints as a row-wise (rows layout) / column-wise sum.

Catalog entry: ``softmax_mse``.
"""

from __future__ import annotations

from sympy import Derivative, KroneckerDelta, Sum, exp

from derivations._notation import C, a, k, n, y, z
from symbp.catalog import derivation
from symbp.core.expr import fresh
from symbp.core.justify import because
from symbp.nn import losses as _losses
from symbp.nn.losses import Loss
from symbp.notation.text_out import text


def _unit(expr, i):
    """ℓ(a, y) of the registry at unit i: a → a_i, y → y_i."""
    return expr.xreplace({_losses.a: a[i], _losses.y: y[i]})


def softmax_chain(d, loss: Loss, jj) -> list:
    """Steps of δ_jj = ∂C/∂z_jj for a softmax output and C = Σ_i ℓ(a_i, y_i).

    Returns ``[(rhs, justification), …]`` (the last rhs is δ_jj); definitions, domains
    are declared on builder ``d``.  Definition → sum rule → chain rule (ℓ′ from the registry) →
    softmax Jacobian (``softmax_jacobian``) → split the sum → Kronecker sum → factor a_jj.
    """
    i, m = fresh("i"), fresh("m")
    d.define(a[i], exp(z[i]) / Sum(exp(z[m]), (m, 1, n)), "softmax")
    d.define(C, Sum(_unit(loss.per_unit, i), (i, 1, n)), f"cost: {loss.description}")
    d.domain(y, *loss.y_domain)
    d.domain(z, -4.0, 4.0)
    la = _losses_derivative(loss)
    g = _unit(la, i)  # ℓ′(a_i, y_i)
    g_j = _unit(la, jj)
    total = Sum(a[i] * g, (i, 1, n))
    return [
        (Derivative(Sum(_unit(loss.per_unit, i), (i, 1, n)), z[jj]),
         because("definition", f"C = Σ_i ℓ(a_i, y_i), ℓ = {text(loss.per_unit)}",
                 f"C = Σ_i ℓ(a_i, y_i)，ℓ = {text(loss.per_unit)}")),
        (Sum(Derivative(_unit(loss.per_unit, i), z[jj]), (i, 1, n)),
         because("sum_rule", "differentiate the sum term by term", "逐项求导")),
        (Sum(g * Derivative(a[i], z[jj]), (i, 1, n)),
         because("chain_rule", f"∂ℓ/∂a = {text(la)}; every a_i depends on z_{jj} (through "
                 "the softmax denominator), so no term drops out",
                 f"∂ℓ/∂a = {text(la)}；每个 a_i 都（通过 softmax 的分母）依赖 z_{jj}，"
                 "没有项消失")),
        (Sum(g * a[i] * (KroneckerDelta(i, jj) - a[jj]), (i, 1, n)),
         because("previous_result", f"softmax Jacobian ∂a_i/∂z_{jj} = a_i(δ_i{jj} − a_{jj}) "
                 "(catalog entry 'softmax_jacobian')",
                 f"softmax 雅可比矩阵 ∂a_i/∂z_{jj} = a_i(δ_i{jj} − a_{jj})（见推导 softmax_jacobian）")),
        (Sum(g * a[i] * KroneckerDelta(i, jj), (i, 1, n)) - a[jj] * total,
         because("sum_split", f"split the sum; a_{jj} does not depend on i",
                 f"a_{jj} 与 i 无关，可提到求和号外")),
        (g_j * a[jj] - a[jj] * total,
         because("kronecker_sum", f"Σ_i g_i δ_i{jj} = g_{jj}, since 1 ≤ {jj} ≤ n",
                 f"Σ_i g_i δ_i{jj} = g_{jj}，因为 1 ≤ {jj} ≤ n")),
        (a[jj] * (g_j - total),
         because("factor", f"a_{jj} taken out", f"提出 a_{jj}")),
    ]


def _losses_derivative(loss: Loss):
    """ℓ′(a) = ∂ℓ/∂a of the registry's per-unit loss (e.g. a − y for mse)."""
    import sympy as sp

    return sp.diff(loss.per_unit, _losses.a)


@derivation("softmax_mse",
            "δ_k = ∂C/∂z_k = a_k[(a_k − y_k) − Σ_j a_j(a_j − y_j)] for a softmax output "
            "with the quadratic cost",
            group="losses", title="Softmax with quadratic cost: δ_k = a_k[(a_k − y_k) − Σ_j a_j(a_j − y_j)]",
            title_zh="Softmax 与二次代价：δ_k = a_k[(a_k − y_k) − Σ_j a_j(a_j − y_j)]",
            source="Nielsen, Neural Networks and Deep Learning, ch. 3 (softmax; quadratic cost "
                   "eq. (6)); Jacobian from softmax_jacobian",
            summary_zh="softmax 输出层配合二次代价时，"
                       "δ_k = ∂C/∂z_k = a_k[(a_k − y_k) − Σ_j a_j(a_j − y_j)]",
            source_zh="Nielsen，《Neural Networks and Deep Learning》第 3 章（softmax 一节；"
                      "二次代价见式 (6)）；雅可比矩阵取自 softmax_jacobian")
def softmax_mse(d):
    """C = ½Σ_j (a_j − y_j)², a = softmax(z) ⇒ δ_k = Σ_j (a_j − y_j) a_j(δ_jk − a_k)
    = a_k[(a_k − y_k) − Σ_j a_j(a_j − y_j)] (no cancellation: the units stay coupled)."""
    from derivations._output_delta import SOFTMAX, build_output_delta

    build_output_delta(d, SOFTMAX, "mse", k)
