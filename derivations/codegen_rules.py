"""Whole-batch matrix rules of one dense layer, in the forms the code generator prints.

A layer maps the previous activations A (one sample per row, rows layout) to
Z = A W + 1 b (b a row broadcast over the batch, 1 the column of ones), and
a = f(Z) elementwise.  The batch loss is L = (1/N) Σ_n C_n.  Each part proves
one line of the generated backward pass by *identification*: near the current
point, L changes to first order as tr(Δᵀ dZ) with Δ = ∂L/∂Z (the definition of
the gradient), so the gradient with respect to W, b or A is the derivative of
tr(Δᵀ Z) with Δ held fixed; likewise the elementwise activation changes as
F′ ⊙ dZ, with F′ = f′(Z) held fixed.

Parts (tags used by :mod:`symbp.codegen.plan`):

* ``mean``   ∂/∂Z (1/N) tr(Dᵀ Z) = D/N        — per-sample deltas D to the mean's Δ
* ``dW``     ∂/∂W tr(Δᵀ (A W + 1 b)) = Aᵀ Δ
* ``db``     ∂/∂b tr(Δᵀ (A W + 1 b)) = 1ᵀ Δ   — the column sums of Δ
* ``dA``     ∂/∂A tr(Δᵀ (A W + 1 b)) = Δ Wᵀ
* ``hadamard`` ∂/∂Z tr(Gᵀ (F′ ⊙ Z)) = G ⊙ F′ — through the activation of the layer below

``dense_layer_columns`` is the same in the course's column convention
Z = W A + b 1ᵀ (one sample per column).
"""

import sympy as sp
from sympy import Derivative, HadamardProduct, MatrixSymbol, OneMatrix, Trace

from symbp.catalog import derivation
from symbp.core.justify import because

N = sp.Symbol("N", integer=True, positive=True)  # batch size
p = sp.Symbol("p", integer=True, positive=True)  # units of the layer below
q = sp.Symbol("q", integer=True, positive=True)  # units of this layer


def _sizes(d):
    d.size(N, 2, 3)
    d.size(p, 2, 3)
    d.size(q, 2, 3)


@derivation("dense_layer_rows",
            "∂L/∂W = AᵀΔ, ∂L/∂b = 1ᵀΔ, ∂L/∂A = ΔWᵀ, Δ_below = (ΔWᵀ) ⊙ f′(Z_below), Δ = D/N",
            group="matrix", title="One dense layer, whole batch (rows: Z = A W + 1 b)",
            title_zh="整批数据上的全连接层（行布局：Z = A W + 1 b）",
            summary_zh="∂L/∂W = AᵀΔ，∂L/∂b = 1ᵀΔ，∂L/∂A = ΔWᵀ，Δ_below = (ΔWᵀ) ⊙ f′(Z_below)，"
                       "Δ = D/N")
def dense_layer_rows(d):
    """The backward pass of Z = A W + 1 b by first-order identification."""
    _sizes(d)
    A = MatrixSymbol("A", N, p)
    W = MatrixSymbol("W", p, q)
    b = MatrixSymbol("b", 1, q)
    Delta = MatrixSymbol("Delta", N, q)
    D = MatrixSymbol("D", N, q)
    Zs = MatrixSymbol("Z", N, q)
    G = MatrixSymbol("G", N, p)
    Fp = MatrixSymbol("Fp", N, p)
    Zb = MatrixSymbol("Z_below", N, p)
    ones = OneMatrix(N, 1)
    Z = A * W + ones * b
    d.define(MatrixSymbol("Z_layer", N, q), Z, "dense layer")

    d.goal(Derivative(Trace(D.T * Zs) / N, Zs), D / N, title="gradient of the batch mean",
           tag="mean", title_zh="批均值的梯度")
    d.step(D / N, because("differential_identification",
                          "d tr(Dᵀ Z)/N = tr((D/N)ᵀ dZ)", "d tr(Dᵀ Z)/N = tr((D/N)ᵀ dZ)"))

    d.goal(Derivative(Trace(Delta.T * Z), W), A.T * Delta, title="weight gradient", tag="dW",
           title_zh="权重梯度")
    d.step(Derivative(Trace(Delta.T * A * W), W),
           because("trace_linear", "1 b does not depend on W", "1 b 与 W 无关"))
    d.step(A.T * Delta, because("differential_identification",
                                "d tr(ΔᵀA W) = tr((AᵀΔ)ᵀ dW)", "d tr(ΔᵀA W) = tr((AᵀΔ)ᵀ dW)"))

    d.goal(Derivative(Trace(Delta.T * Z), b), ones.T * Delta, title="bias gradient", tag="db",
           title_zh="偏置梯度")
    d.step(Derivative(Trace(Delta.T * ones * b), b),
           because("trace_linear", "A W does not depend on b", "A W 与 b 无关"))
    d.step(ones.T * Delta, because("differential_identification",
                                   "d tr(Δᵀ1 b) = tr((1ᵀΔ)ᵀ db): the column sums of Δ",
                                   "d tr(Δᵀ1 b) = tr((1ᵀΔ)ᵀ db)：Δ 的列和"))

    d.goal(Derivative(Trace(Delta.T * Z), A), Delta * W.T,
           title="gradient passed to the layer below", tag="dA", title_zh="传给下一层的梯度")
    d.step(Derivative(Trace(Delta.T * A * W), A),
           because("trace_linear", "1 b does not depend on A", "1 b 与 A 无关"))
    d.step(Delta * W.T, because("differential_identification",
                                "d tr(Δᵀ dA W) = tr((ΔWᵀ)ᵀ dA)", "d tr(Δᵀ dA W) = tr((ΔWᵀ)ᵀ dA)"))

    d.goal(Derivative(Trace(G.T * HadamardProduct(Fp, Zb)), Zb), HadamardProduct(G, Fp),
           title="through the activation below", tag="hadamard", title_zh="穿过下一层的激活")
    d.step(HadamardProduct(G, Fp), because("hadamard_trace",
                                           "tr(Gᵀ(F′ ⊙ dZ)) = tr((G ⊙ F′)ᵀ dZ)",
                                           "tr(Gᵀ(F′ ⊙ dZ)) = tr((G ⊙ F′)ᵀ dZ)"))
    d.note("Z = A W + 1 b is the definition of the layer; the code computes it as "
           "`A @ W + b` (NumPy broadcasts the row b over the batch).",
           "Z = A W + 1 b 是该层的定义；代码以 `A @ W + b` 计算（NumPy 将行向量 b 广播到整批）。")


@derivation("dense_layer_columns",
            "∂L/∂W = ΔAᵀ, ∂L/∂b = Δ1, ∂L/∂A = WᵀΔ, Δ_below = (WᵀΔ) ⊙ f′(Z_below), Δ = D/N",
            group="matrix", title="One dense layer, whole batch (columns: Z = W A + b 1ᵀ)",
            title_zh="整批数据上的全连接层（列布局：Z = W A + b 1ᵀ）",
            summary_zh="∂L/∂W = ΔAᵀ，∂L/∂b = Δ1，∂L/∂A = WᵀΔ，Δ_below = (WᵀΔ) ⊙ f′(Z_below)，"
                       "Δ = D/N")
def dense_layer_columns(d):
    """The column convention of the course notes, one sample per column."""
    _sizes(d)
    A = MatrixSymbol("A", p, N)
    W = MatrixSymbol("W", q, p)
    b = MatrixSymbol("b", q, 1)
    Delta = MatrixSymbol("Delta", q, N)
    D = MatrixSymbol("D", q, N)
    Zs = MatrixSymbol("Z", q, N)
    G = MatrixSymbol("G", p, N)
    Fp = MatrixSymbol("Fp", p, N)
    Zb = MatrixSymbol("Z_below", p, N)
    ones = OneMatrix(N, 1)
    Z = W * A + b * ones.T
    d.define(MatrixSymbol("Z_layer", q, N), Z, "dense layer")

    d.goal(Derivative(Trace(D.T * Zs) / N, Zs), D / N, title="gradient of the batch mean",
           tag="mean", title_zh="批均值的梯度")
    d.step(D / N, because("differential_identification",
                          "d tr(Dᵀ Z)/N = tr((D/N)ᵀ dZ)", "d tr(Dᵀ Z)/N = tr((D/N)ᵀ dZ)"))

    d.goal(Derivative(Trace(Delta.T * Z), W), Delta * A.T, title="weight gradient", tag="dW",
           title_zh="权重梯度")
    d.step(Derivative(Trace(Delta.T * W * A), W),
           because("trace_linear", "b 1ᵀ does not depend on W", "b 1ᵀ 与 W 无关"))
    d.step(Delta * A.T, because("differential_identification",
                                "d tr(Δᵀ dW A) = tr((ΔAᵀ)ᵀ dW)", "d tr(Δᵀ dW A) = tr((ΔAᵀ)ᵀ dW)"))

    d.goal(Derivative(Trace(Delta.T * Z), b), Delta * ones, title="bias gradient", tag="db",
           title_zh="偏置梯度")
    d.step(Derivative(Trace(Delta.T * b * ones.T), b),
           because("trace_linear", "W A does not depend on b", "W A 与 b 无关"))
    d.step(Delta * ones, because("differential_identification",
                                 "d tr(Δᵀ db 1ᵀ) = tr((Δ1)ᵀ db): the row sums of Δ",
                                 "d tr(Δᵀ db 1ᵀ) = tr((Δ1)ᵀ db)：Δ 的行和"))

    d.goal(Derivative(Trace(Delta.T * Z), A), W.T * Delta,
           title="gradient passed to the layer below", tag="dA", title_zh="传给下一层的梯度")
    d.step(Derivative(Trace(Delta.T * W * A), A),
           because("trace_linear", "b 1ᵀ does not depend on A", "b 1ᵀ 与 A 无关"))
    d.step(W.T * Delta, because("differential_identification",
                                "d tr(ΔᵀW dA) = tr((WᵀΔ)ᵀ dA)", "d tr(ΔᵀW dA) = tr((WᵀΔ)ᵀ dA)"))

    d.goal(Derivative(Trace(G.T * HadamardProduct(Fp, Zb)), Zb), HadamardProduct(G, Fp),
           title="through the activation below", tag="hadamard", title_zh="穿过下一层的激活")
    d.step(HadamardProduct(G, Fp), because("hadamard_trace",
                                           "tr(Gᵀ(F′ ⊙ dZ)) = tr((G ⊙ F′)ᵀ dZ)",
                                           "tr(Gᵀ(F′ ⊙ dZ)) = tr((G ⊙ F′)ᵀ dZ)"))
