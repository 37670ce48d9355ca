"""The four equations of backpropagation, BP1–BP4, by the chain rule in index form.

Nielsen, ch. 2: with z^l_j = Σ_k w^l_{jk} a^{l−1}_k + b^l_j, a^l_j = σ(z^l_j) and
δ^l_j = ∂C/∂z^l_j,

* BP1  δ^L_j = ∂C/∂a^L_j · σ′(z^L_j)
* BP2  δ^l_j = (Σ_k w^{l+1}_{kj} δ^{l+1}_k) σ′(z^l_j)
* BP3  ∂C/∂b^l_j = δ^l_j
* BP4  ∂C/∂w^l_{jk} = a^{l−1}_k δ^l_j

Layer sizes are symbolic (n, m); σ is generic (see ``GENERIC_SIGMA_NOTE``).
Every ∂C/∂z or ∂C/∂a is a derivative by an intermediate variable, taken with
that layer held independent (:mod:`symbp.core.intermediate`).

What generality the witnesses establish: each step is a chain-rule step whose
truth depends on the cost only through its gradient at the current point.
The witnesses evaluate them with the quadratic cost C = ½ Σ_i (a_i − y_i)²
right after the layer in question; since y is arbitrary, that gradient a − y
ranges over every vector, which is why the check is representative.
"""

from __future__ import annotations

import sympy as sp

from derivations._notation import b, w, y
from derivations.backprop import GENERIC_SIGMA_NOTE, sigma
from symbp.catalog import derivation
from symbp.core.expr import LayerLabel, fresh, index, size
from symbp.core.justify import because

_FAMILIES: dict[tuple[str, str], sp.IndexedBase] = {}


def family(name: str, layer: str) -> sp.IndexedBase:
    """A layered family for one layer only (z^l vs z^{l+1}): prints as ``name``, and a
    definition of one layer's family never matches another layer's."""
    key = (name, layer)
    if key not in _FAMILIES:
        label_cls = type(f"Layer_{name}_{layer}", (LayerLabel,), {})
        _FAMILIES[key] = sp.IndexedBase(label_cls(name, real=True))
    return _FAMILIES[key]


l, L = sp.Symbol("l", integer=True), sp.Symbol("L", integer=True)
n, m = size("n"), size("m")
j, k = index("j"), index("k")
C = sp.Symbol("C", real=True)
NIELSEN = "Nielsen, Neural Networks and Deep Learning, ch. 2"
NIELSEN_ZH = "Nielsen，《Neural Networks and Deep Learning》第 2 章"


def dsig(x):
    """σ′(x) written as dσ/dx (printed σ′(x))."""
    return sp.Derivative(sigma(x), x)


def _quadratic(d, a_out, layer, length):
    i = fresh("i")
    d.define(C, sp.Sum((a_out[layer, i] - y[i]) ** 2, (i, 1, length)) / 2,
             "quadratic cost (representative; see the note)")
    d.note(*GENERIC_SIGMA_NOTE)
    d.note("The steps hold for any cost C that depends on this layer only through the layers "
           "above it; the witnesses use C = ½ Σ_i (a_i − y_i)² with arbitrary y, whose "
           "gradient a − y takes every value, and every step depends on C only through "
           "that gradient (chain rule).",
           "各步骤对任意只通过上层依赖本层的代价 C 成立；验证时取 C = ½ Σ_i (a_i − y_i)²，"
           "y 任意，其梯度 a − y 可取任意向量，而每一步只通过该梯度依赖 C（链式法则）。")


@derivation("bp1", "BP1: δ^L_j = ∂C/∂a^L_j · σ′(z^L_j) (output error)", group="backprop",
            title="BP1: the error in the output layer", title_zh="BP1：输出层误差",
            source=f"{NIELSEN}, eq. (BP1)",
            summary_zh="BP1：δ^L_j = ∂C/∂a^L_j · σ′(z^L_j)（输出层误差）",
            source_zh=f"{NIELSEN_ZH}，式 (BP1)")
def bp1(d):
    zL, aL, dL = family("z", "L"), family("a", "L"), family("delta", "L")
    d.size(n, 2)
    d.index(j, 1, n)
    kk = fresh("k")
    d.define(aL[L, j], sigma(zL[L, j]), "a^L_j = σ(z^L_j)")
    _quadratic(d, aL, L, n)
    d.define(dL[L, j], sp.Derivative(C, zL[L, j]), "δ^L_j = ∂C/∂z^L_j")
    d.goal(dL[L, j], sp.Derivative(C, aL[L, j]) * dsig(zL[L, j]), title="BP1", tag="BP1",
           title_zh="BP1")
    d.step(sp.Derivative(C, zL[L, j]), because("definition", "δ^L_j = ∂C/∂z^L_j",
                                               "δ^L_j = ∂C/∂z^L_j"))
    d.step(sp.Sum(sp.Derivative(C, aL[L, kk]) * sp.Derivative(aL[L, kk], zL[L, j]), (kk, 1, n)),
           because("chain_rule", "C depends on z^L through a^L_1, …, a^L_n",
                   "C 通过 a^L_1, …, a^L_n 依赖 z^L"))
    d.step(sp.Sum(sp.Derivative(C, aL[L, kk]) * dsig(zL[L, kk]) * sp.KroneckerDelta(kk, j),
                  (kk, 1, n)),
           because("chain_rule", "a^L_k = σ(z^L_k) depends on z^L_j only if k = j",
                   "a^L_k = σ(z^L_k) 仅当 k = j 时依赖 z^L_j"))
    d.step(sp.Derivative(C, aL[L, j]) * dsig(zL[L, j]),
           because("kronecker_sum", "Σ_k f_k δ_kj = f_j, since 1 ≤ j ≤ n",
                   "Σ_k f_k δ_kj = f_j，因为 1 ≤ j ≤ n"))


@derivation("bp2", "BP2: δ^l_j = (Σ_k w^{l+1}_{kj} δ^{l+1}_k) σ′(z^l_j), i.e. "
            "δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)", group="backprop",
            title="BP2: the error of a layer from the next one",
            title_zh="BP2：由下一层误差求本层误差",
            source=f"{NIELSEN}, eq. (BP2)",
            summary_zh="BP2：δ^l_j = (Σ_k w^{l+1}_{kj} δ^{l+1}_k) σ′(z^l_j)，即 "
                       "δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)",
            source_zh=f"{NIELSEN_ZH}，式 (BP2)")
def bp2(d):
    z0, a0, d0 = family("z", "l"), family("a", "l"), family("delta", "l")
    z1, a1, d1 = family("z", "l+1"), family("a", "l+1"), family("delta", "l+1")
    d.size(n, 2)
    d.size(m, 3)
    d.index(j, 1, n)
    d.index(k, 1, m)
    i, kk = fresh("i"), fresh("k")
    d.define(a0[l, j], sigma(z0[l, j]), "a^l_j = σ(z^l_j)")
    d.define(z1[l + 1, k], sp.Sum(w[l + 1, k, i] * a0[l, i], (i, 1, n)) + b[l + 1, k],
             "z^{l+1}_k = Σ_i w^{l+1}_{ki} a^l_i + b^{l+1}_k")
    d.define(a1[l + 1, k], sigma(z1[l + 1, k]), "a^{l+1}_k = σ(z^{l+1}_k)")
    _quadratic(d, a1, l + 1, m)
    d.define(d0[l, j], sp.Derivative(C, z0[l, j]), "δ^l_j = ∂C/∂z^l_j")
    d.define(d1[l + 1, k], sp.Derivative(C, z1[l + 1, k]), "δ^{l+1}_k = ∂C/∂z^{l+1}_k")

    goal = sp.Sum(w[l + 1, kk, j] * d1[l + 1, kk], (kk, 1, m)) * dsig(z0[l, j])
    d.goal(d0[l, j], goal, title="BP2", tag="BP2", title_zh="BP2")
    d.step(sp.Derivative(C, z0[l, j]), because("definition", "δ^l_j = ∂C/∂z^l_j",
                                               "δ^l_j = ∂C/∂z^l_j"))
    d.step(sp.Sum(sp.Derivative(C, z1[l + 1, kk]) * sp.Derivative(z1[l + 1, kk], z0[l, j]),
                  (kk, 1, m)),
           because("chain_rule", "C depends on z^l through z^{l+1}_1, …, z^{l+1}_m",
                   "C 通过 z^{l+1}_1, …, z^{l+1}_m 依赖 z^l"))
    d.step(sp.Sum(d1[l + 1, kk] * sp.Derivative(z1[l + 1, kk], z0[l, j]), (kk, 1, m)),
           because("definition", "δ^{l+1}_k = ∂C/∂z^{l+1}_k", "δ^{l+1}_k = ∂C/∂z^{l+1}_k"))
    d.step(sp.Sum(d1[l + 1, kk] * sp.Sum(w[l + 1, kk, i] * dsig(z0[l, i])
                                         * sp.KroneckerDelta(i, j), (i, 1, n)), (kk, 1, m)),
           because("chain_rule", "∂/∂z^l_j (Σ_i w^{l+1}_{ki} σ(z^l_i) + b^{l+1}_k) = "
                   "Σ_i w^{l+1}_{ki} σ′(z^l_i) δ_ij",
                   "∂/∂z^l_j (Σ_i w^{l+1}_{ki} σ(z^l_i) + b^{l+1}_k) = Σ_i w^{l+1}_{ki} σ′(z^l_i) δ_ij"))
    d.step(sp.Sum(d1[l + 1, kk] * w[l + 1, kk, j] * dsig(z0[l, j]), (kk, 1, m)),
           because("kronecker_sum", "Σ_i f_i δ_ij = f_j, since 1 ≤ j ≤ n",
                   "Σ_i f_i δ_ij = f_j，因为 1 ≤ j ≤ n"))
    d.step(goal, because("linearity", "σ′(z^l_j) does not depend on k; "
                         "Σ_k w^{l+1}_{kj} δ^{l+1}_k = ((W^{l+1})ᵀ δ^{l+1})_j",
                         "σ′(z^l_j) 与 k 无关；Σ_k w^{l+1}_{kj} δ^{l+1}_k = ((W^{l+1})ᵀ δ^{l+1})_j"))


def _layer_l(d):
    """z^l_j = Σ_k w^l_{jk} a^{l−1}_k + b^l_j, a^l = σ(z^l), C after layer l, δ^l = ∂C/∂z^l."""
    zl, al, dl, ap = family("z", "l"), family("a", "l"), family("delta", "l"), family("a", "l-1")
    d.size(n, 2)
    d.size(m, 3)
    d.index(j, 1, n)
    d.index(k, 1, m)
    p = fresh("p")
    d.define(zl[l, j], sp.Sum(w[l, j, p] * ap[l - 1, p], (p, 1, m)) + b[l, j],
             "z^l_j = Σ_k w^l_{jk} a^{l−1}_k + b^l_j")
    d.define(al[l, j], sigma(zl[l, j]), "a^l_j = σ(z^l_j)")
    _quadratic(d, al, l, n)
    d.define(dl[l, j], sp.Derivative(C, zl[l, j]), "δ^l_j = ∂C/∂z^l_j")
    return zl, dl, ap


@derivation("bp3", "BP3: ∂C/∂b^l_j = δ^l_j", group="backprop",
            title="BP3: the gradient of a bias", title_zh="BP3：偏置的梯度",
            source=f"{NIELSEN}, eq. (BP3)",
            summary_zh="BP3：∂C/∂b^l_j = δ^l_j（偏置的梯度等于该单元的误差）",
            source_zh=f"{NIELSEN_ZH}，式 (BP3)")
def bp3(d):
    zl, dl, _ = _layer_l(d)
    i = fresh("i")
    d.goal(sp.Derivative(C, b[l, j]), dl[l, j], title="BP3", tag="BP3", title_zh="BP3")
    d.step(sp.Sum(sp.Derivative(C, zl[l, i]) * sp.Derivative(zl[l, i], b[l, j]), (i, 1, n)),
           because("chain_rule", "C depends on b^l only through z^l_1, …, z^l_n",
                   "C 只通过 z^l_1, …, z^l_n 依赖 b^l"))
    d.step(sp.Sum(dl[l, i] * sp.Derivative(zl[l, i], b[l, j]), (i, 1, n)),
           because("definition", "δ^l_i = ∂C/∂z^l_i", "δ^l_i = ∂C/∂z^l_i"))
    d.step(sp.Sum(dl[l, i] * sp.KroneckerDelta(i, j), (i, 1, n)),
           because("kronecker_delta", "∂z^l_i/∂b^l_j = δ_ij", "∂z^l_i/∂b^l_j = δ_ij"))
    d.step(dl[l, j], because("kronecker_sum", "Σ_i δ^l_i δ_ij = δ^l_j, since 1 ≤ j ≤ n",
                             "Σ_i δ^l_i δ_ij = δ^l_j，因为 1 ≤ j ≤ n"))


@derivation("bp4", "BP4: ∂C/∂w^l_{jk} = a^{l−1}_k δ^l_j", group="backprop",
            title="BP4: the gradient of a weight", title_zh="BP4：权重的梯度",
            source=f"{NIELSEN}, eq. (BP4)",
            summary_zh="BP4：∂C/∂w^l_{jk} = a^{l−1}_k δ^l_j（权重梯度）",
            source_zh=f"{NIELSEN_ZH}，式 (BP4)")
def bp4(d):
    zl, dl, ap = _layer_l(d)
    i = fresh("i")
    d.goal(sp.Derivative(C, w[l, j, k]), ap[l - 1, k] * dl[l, j], title="BP4", tag="BP4",
           title_zh="BP4")
    d.step(sp.Sum(sp.Derivative(C, zl[l, i]) * sp.Derivative(zl[l, i], w[l, j, k]), (i, 1, n)),
           because("chain_rule", "C depends on w^l only through z^l_1, …, z^l_n",
                   "C 只通过 z^l_1, …, z^l_n 依赖 w^l"))
    d.step(sp.Sum(dl[l, i] * sp.Derivative(zl[l, i], w[l, j, k]), (i, 1, n)),
           because("definition", "δ^l_i = ∂C/∂z^l_i", "δ^l_i = ∂C/∂z^l_i"))
    d.step(sp.Sum(dl[l, i] * sp.KroneckerDelta(i, j) * ap[l - 1, k], (i, 1, n)),
           because("chain_rule", "∂z^l_i/∂w^l_{jk} = ∂/∂w^l_{jk} Σ_p w^l_{ip} a^{l−1}_p = "
                   "δ_ij a^{l−1}_k", "∂z^l_i/∂w^l_{jk} = δ_ij a^{l−1}_k"))
    d.step(ap[l - 1, k] * dl[l, j],
           because("kronecker_sum", "Σ_i δ^l_i δ_ij = δ^l_j, since 1 ≤ j ≤ n",
                   "Σ_i δ^l_i δ_ij = δ^l_j，因为 1 ≤ j ≤ n"))
