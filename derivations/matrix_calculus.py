"""Matrix differentials and trace identities (the toolkit of the matrix backprop derivation).

A differential ``d f`` with respect to ``(X, dX)`` is the directional derivative
d/dt f(X + t·dX)|_{t=0} (:func:`symbp.core.matrixcalc.differential`).  Each rule
is derived from that definition: perturb, expand in t, take the t-coefficient.
The witnesses write everything out on random matrices of distinct shapes (square
ones for the inverse and the determinant), so a wrong rule such as
d(XY) = X dY + Y dX is caught (see tests/test_catalog_matrix.py).
"""

from __future__ import annotations

import sympy as sp

from derivations.backprop import GENERIC_SIGMA_NOTE, T, dsig, had, mm, sig, sigma  # noqa: F401
from symbp.catalog import derivation
from symbp.core.expr import size
from symbp.core.justify import because
from symbp.core.matrixcalc import EntrySum, Grad, at_zero, differential

m, n, p = size("m"), size("n"), size("p")
q = size("q")  # side of the square matrices (inverse, determinant)
t = sp.Symbol("t", real=True)
X, dX = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("dX", m, n)
Y, dY = sp.MatrixSymbol("Y", m, n), sp.MatrixSymbol("dY", m, n)
P, dP = sp.MatrixSymbol("Y", n, p), sp.MatrixSymbol("dY", n, p)  # right factor of XY
S, dS = sp.MatrixSymbol("X", q, q), sp.MatrixSymbol("dX", q, q)  # square
I_n = sp.Identity(q)


def _taylor(d, at_t, title):
    d.step(at_t, because("definition", f"{title}: dF = d/dt F(X + t dX)|_(t=0)",
                         "dF = d/dt F(X + t dX)|_(t=0)"))


@derivation("matrix_differentials",
            "d(X±Y), d(XY) = dX Y + X dY, d(Xᵀ) = (dX)ᵀ, d tr X = tr dX, d(X⊙Y), "
            "dσ(X) = σ′(X)⊙dX, dX⁻¹ = −X⁻¹ dX X⁻¹, d|X| = |X| tr(X⁻¹dX)",
            group="matrix", title="Rules of matrix differentials", title_zh="矩阵微分法则",
            source="course notes: matrix differentials (Magnus & Neudecker)",
            summary_zh="d(X±Y)，d(XY) = dX Y + X dY，d(Xᵀ) = (dX)ᵀ，d tr X = tr dX，d(X⊙Y)，"
                       "dσ(X) = σ′(X)⊙dX，dX⁻¹ = −X⁻¹ dX X⁻¹，d|X| = |X| tr(X⁻¹dX)",
            source_zh="课程讲义：矩阵微分（Magnus 与 Neudecker）")
def matrix_differentials(d):
    """Each rule from dF = d/dt F(X + t dX)|_{t=0}."""
    d.size(m, 2)
    d.size(n, 3)
    d.size(p, 2)
    d.size(q, 2)
    d.note(*GENERIC_SIGMA_NOTE)
    d.note("dX, dY are arbitrary directions (matrices of the shape of X, Y); "
           "the inverse and the determinant need a square X and are checked where X is invertible.",
           "dX、dY 为任意方向（与 X、Y 同形）；逆与行列式要求 X 为方阵，在 X 可逆处验证。")
    wXY = [(X, dX), (Y, dY)]

    d.goal(differential(X + Y, *wXY), dX + dY, title="d(X + Y) = dX + dY", tag="sum",
           title_zh="d(X + Y) = dX + dY")
    _taylor(d, at_zero((X + t * dX) + (Y + t * dY), t), "definition")
    d.step(at_zero(X + Y + t * (dX + dY), t), because("algebra", "collect the terms in t",
                                                      "按 t 合并"))
    d.step(dX + dY, because("derivative", "d/dt (C + t D) = D", "d/dt (C + t D) = D"))

    d.goal(differential(X - Y, *wXY), dX - dY, title="d(X − Y) = dX − dY", tag="difference",
           title_zh="d(X − Y) = dX − dY")
    _taylor(d, at_zero((X + t * dX) - (Y + t * dY), t), "definition")
    d.step(at_zero(X - Y + t * (dX - dY), t), because("algebra", "collect the terms in t",
                                                      "按 t 合并"))
    d.step(dX - dY, because("derivative", "d/dt (C + t D) = D", "d/dt (C + t D) = D"))

    wXP = [(X, dX), (P, dP)]
    d.goal(differential(mm(X, P), *wXP), mm(dX, P) + mm(X, dP), title="d(XY) = dX Y + X dY",
           tag="product", title_zh="d(XY) = dX Y + X dY")
    _taylor(d, at_zero(mm(X + t * dX, P + t * dP), t), "definition")
    d.step(at_zero(mm(X, P) + t * (mm(dX, P) + mm(X, dP)) + t ** 2 * mm(dX, dP), t),
           because("algebra", "expand the product; the order of the factors is kept",
                   "展开乘积；保持因子顺序"))
    d.step(mm(dX, P) + mm(X, dP), because("derivative", "the coefficient of t",
                                          "t 的系数"))

    d.goal(differential(T(X), (X, dX)), T(dX), title="d(Xᵀ) = (dX)ᵀ", tag="transpose",
           title_zh="d(Xᵀ) = (dX)ᵀ")
    _taylor(d, at_zero(T(X + t * dX), t), "definition")
    d.step(at_zero(T(X) + t * T(dX), t), because("transpose", "(A + tB)ᵀ = Aᵀ + t Bᵀ",
                                                  "(A + tB)ᵀ = Aᵀ + t Bᵀ"))
    d.step(T(dX), because("derivative", "the coefficient of t", "t 的系数"))

    d.goal(differential(sp.Trace(S), (S, dS)), sp.Trace(dS), title="d tr X = tr dX",
           tag="trace", title_zh="d tr X = tr dX")
    _taylor(d, at_zero(sp.Trace(S + t * dS), t), "definition")
    d.step(at_zero(sp.Trace(S) + t * sp.Trace(dS), t), because("trace_linear", "tr(A + tB) = tr A + t tr B",
                                                               "tr(A + tB) = tr A + t tr B"))
    d.step(sp.Trace(dS), because("derivative", "the coefficient of t", "t 的系数"))

    d.goal(differential(had(X, Y), *wXY), had(dX, Y) + had(X, dY),
           title="d(X ⊙ Y) = dX ⊙ Y + X ⊙ dY", tag="hadamard",
           title_zh="d(X ⊙ Y) = dX ⊙ Y + X ⊙ dY")
    _taylor(d, at_zero(had(X + t * dX, Y + t * dY), t), "definition")
    d.step(at_zero(had(X, Y) + t * (had(dX, Y) + had(X, dY)) + t ** 2 * had(dX, dY), t),
           because("algebra", "expand the entrywise product", "展开逐元素乘积"))
    d.step(had(dX, Y) + had(X, dY), because("derivative", "the coefficient of t", "t 的系数"))

    d.goal(differential(sig(X), (X, dX)), had(dsig(X), dX), title="dσ(X) = σ′(X) ⊙ dX",
           tag="elementwise", title_zh="dσ(X) = σ′(X) ⊙ dX")
    _taylor(d, at_zero(sig(X + t * dX), t), "definition")
    d.step(had(dsig(X), dX),
           because("chain_rule", "entrywise: d/dt σ(X_ij + t dX_ij) = σ′(X_ij + t dX_ij) dX_ij, "
                   "at t = 0", "逐元素：d/dt σ(X_ij + t dX_ij) = σ′(X_ij + t dX_ij) dX_ij，取 t = 0"))

    Sinv = sp.Inverse(S)
    d.goal(differential(Sinv, (S, dS)), -mm(Sinv, dS, Sinv), title="dX⁻¹ = −X⁻¹ dX X⁻¹",
           tag="inverse", title_zh="dX⁻¹ = −X⁻¹ dX X⁻¹")
    d.step(mm(Sinv, S, differential(Sinv, (S, dS))),
           because("identity", "X⁻¹X = I", "X⁻¹X = I"))
    d.step(mm(Sinv, differential(mm(S, Sinv), (S, dS)) - mm(dS, Sinv)),
           because("product_rule", "d(X X⁻¹) = dX X⁻¹ + X dX⁻¹ (rule d(XY))",
                   "d(X X⁻¹) = dX X⁻¹ + X dX⁻¹（乘积的微分法则）"))
    d.step(-mm(Sinv, dS, Sinv), because("identity", "X X⁻¹ = I is constant, so d(X X⁻¹) = 0",
                                        "X X⁻¹ = I 为常数，故 d(X X⁻¹) = 0"))

    det = sp.Determinant(S)
    d.goal(differential(det, (S, dS)), det * sp.Trace(mm(Sinv, dS)),
           title="d|X| = |X| tr(X⁻¹ dX)", tag="determinant", title_zh="d|X| = |X| tr(X⁻¹ dX)")
    _taylor(d, at_zero(sp.Determinant(S + t * dS), t), "definition")
    d.step(at_zero(det * sp.Determinant(I_n + t * mm(Sinv, dS)), t),
           because("factor", "X + t dX = X (I + t X⁻¹dX) and |AB| = |A||B|",
                   "X + t dX = X (I + t X⁻¹dX)，|AB| = |A||B|"))
    d.step(det * sp.Trace(mm(Sinv, dS)),
           because("derivative", "d/dt |I + tA| at t = 0 is tr A (the t-coefficient of the "
                   "characteristic polynomial)", "d/dt |I + tA| 在 t = 0 处为 tr A"))


A, Bm = sp.MatrixSymbol("A", m, n), sp.MatrixSymbol("B", m, n)
Cm = sp.MatrixSymbol("C", m, n)
Q = sp.MatrixSymbol("B", n, m)  # the second factor of tr(AB)
K = sp.MatrixSymbol("K", m, m)
f = sp.Symbol("f", real=True)


@derivation("trace_identities",
            "df = tr((∂f/∂X)ᵀ dX), tr(AB) = tr(BA), tr((A⊙B)ᵀC) = tr(Aᵀ(B⊙C))",
            group="matrix", title="Trace identities", title_zh="迹恒等式",
            source="course notes: matrix differentials, identification theorem",
            summary_zh="df = tr((∂f/∂X)ᵀ dX)，tr(AB) = tr(BA)，tr((A⊙B)ᵀC) = tr(Aᵀ(B⊙C))",
            source_zh="课程讲义：矩阵微分，辨识定理")
def trace_identities(d):
    """Each identity through the sum of entries Σ_ij M_ij, with A, B non-square."""
    d.size(m, 2)
    d.size(n, 3)
    d.define(f, sp.Trace(mm(T(A), sig(X))) + sp.Trace(mm(T(X), K, X)),
             "a representative smooth scalar function of X")
    d.note(*GENERIC_SIGMA_NOTE)
    d.note("The identification step holds for every differentiable f (it is the chain rule "
           "along X + t dX); the witnesses check it for the representative "
           "f(X) = tr(Aᵀσ(X)) + tr(XᵀKX) with random A, K.",
           "辨识步骤对任意可微 f 成立（沿 X + t dX 的链式法则）；验证时取代表函数 "
           "f(X) = tr(Aᵀσ(X)) + tr(XᵀKX)，A、K 随机。")
    G = Grad(f, X)

    d.goal(differential(f, (X, dX)), sp.Trace(mm(T(G), dX)), title="df = tr((∂f/∂X)ᵀ dX)",
           tag="identification", title_zh="df = tr((∂f/∂X)ᵀ dX)")
    d.step(at_zero(sp.Trace(mm(T(A), sig(X + t * dX))) + sp.Trace(mm(T(X + t * dX), K, X + t * dX)), t),
           because("definition", "df = d/dt f(X + t dX)|_(t=0)", "df = d/dt f(X + t dX)|_(t=0)"))
    d.step(EntrySum(had(G, dX)),
           because("chain_rule", "d/dt f(X + t dX) = Σ_ij ∂f/∂X_ij · dX_ij",
                   "d/dt f(X + t dX) = Σ_ij ∂f/∂X_ij · dX_ij"))
    d.step(sp.Trace(mm(T(G), dX)), because("index_form", "Σ_ij G_ij H_ij = tr(Gᵀ H)",
                                            "Σ_ij G_ij H_ij = tr(Gᵀ H)"))

    d.goal(sp.Trace(mm(A, Q)), sp.Trace(mm(Q, A)), title="tr(AB) = tr(BA)", tag="cyclic",
           title_zh="tr(AB) = tr(BA)")
    d.step(EntrySum(had(A, T(Q))), because("index_form", "tr(AB) = Σ_i Σ_k A_ik B_ki",
                                           "tr(AB) = Σ_i Σ_k A_ik B_ki"))
    d.step(EntrySum(T(had(A, T(Q)))), because("transpose", "transposing does not change the sum "
                                              "of the entries", "转置不改变元素之和"))
    d.step(EntrySum(had(T(A), Q)), because("transpose", "(A ⊙ Bᵀ)ᵀ = Aᵀ ⊙ B",
                                           "(A ⊙ Bᵀ)ᵀ = Aᵀ ⊙ B"))
    d.step(sp.Trace(mm(Q, A)), because("index_form", "Σ_k Σ_i B_ki A_ik = tr(BA)",
                                       "Σ_k Σ_i B_ki A_ik = tr(BA)"))

    d.goal(sp.Trace(mm(T(had(A, Bm)), Cm)), sp.Trace(mm(T(A), had(Bm, Cm))),
           title="tr((A ⊙ B)ᵀ C) = tr(Aᵀ (B ⊙ C))", tag="hadamard_trace",
           title_zh="tr((A ⊙ B)ᵀ C) = tr(Aᵀ (B ⊙ C))")
    d.step(EntrySum(had(had(A, Bm), Cm)), because("index_form", "tr(GᵀH) = Σ_ij G_ij H_ij",
                                                  "tr(GᵀH) = Σ_ij G_ij H_ij"))
    d.step(EntrySum(had(A, had(Bm, Cm))), because("hadamard_trace",
                                                  "(A_ij B_ij) C_ij = A_ij (B_ij C_ij)",
                                                  "(A_ij B_ij) C_ij = A_ij (B_ij C_ij)"))
    d.step(sp.Trace(mm(T(A), had(Bm, Cm))), because("index_form", "Σ_ij G_ij H_ij = tr(GᵀH)",
                                                    "Σ_ij G_ij H_ij = tr(GᵀH)"))
