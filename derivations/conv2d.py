"""Backpropagation through a 2-D convolution layer (cross-correlation, stride 1, valid).

The layer maps x (N samples × C channels × H × W) to
z[n,o,i,j] = Σ_{c,p,q} K[o,c,p,q] x[n,c,i+p,j+q] + b[o] with a kernel K of O × C × k_h × k_w,
so the output is N × O × H_o × W_o with H = H_o + k_h − 1, W = W_o + k_w − 1.  Every index
counts from 0, as in the generated NumPy code.

The loss L depends on the layer through z; near the current point it changes to first order
as Σ_{n,o,i,j} δ[n,o,i,j] dz[n,o,i,j] with δ = ∂L/∂z held fixed (the definition of the
gradient), so the gradient with respect to K, b or x is that of the linear function
L = Σ δ z: this is the identification used by ``dense_layer_rows`` for a dense layer.

Parts (tags used by :mod:`symbp.codegen.conv`):

* ``dK``      ∂L/∂K[o,c,p,q] = Σ_{n,i,j} δ[n,o,i,j] x[n,c,i+p,j+q]
* ``db``      ∂L/∂b[o] = Σ_{n,i,j} δ[n,o,i,j]
* ``dx``      ∂L/∂x[n,c,u,v] = Σ_{o,p,q} δ̃[n,o,u+p,v+q] K̃[o,c,p,q]: the cross-correlation of
  δ zero-padded by k_h − 1, k_w − 1 (δ̃) with the flipped kernel K̃ — a full convolution
* ``im2col``  z = X^col K^mat + 1 b: the layer as one matrix product (rows m = (n,i,j),
  columns r = (c,p,q)), the form the code computes
* ``dK_im2col``, ``db_im2col``, ``dx_im2col``: the three gradients as matrix products of the
  same kind: X^colᵀ D^mat, 1ᵀ D^mat, G^col F^mat

SymPy cannot reduce sums over k_h × k_w windows with symbolic sizes; the symbolic witness
proves each step exactly on explicit instances (every size fixed, symbolic entries) of
several sizes, and says so in its evidence.
"""

from __future__ import annotations

import sympy as sp
from sympy import Derivative, KroneckerDelta, Max, Min, Mod, Piecewise, Sum, floor

from symbp.catalog import derivation
from symbp.core.expr import fresh, index, size
from symbp.core.justify import because

# sizes: batch, input channels, output channels, kernel height/width, output height/width
N, C, O = size("N"), size("C"), size("O")
kh, kw = size("k_h"), size("k_w")
Ho, Wo = size("H_o"), size("W_o")
H, W = Ho + kh - 1, Wo + kw - 1  # input height and width (valid convolution)

# free indices
n, o, c = index("n"), index("o"), index("c")
i, j, p, q = index("i"), index("j"), index("p"), index("q")
u, v = index("u"), index("v")
m_, r_ = index("m"), index("r")  # row and column of an im2col matrix

x = sp.IndexedBase("x", real=True)          # layer input
K = sp.IndexedBase("K", real=True)          # kernel
b = sp.IndexedBase("b", real=True)          # bias, one per output channel
z = sp.IndexedBase("z", real=True)          # layer output (weighted input)
delta = sp.IndexedBase("delta", real=True)  # δ = ∂L/∂z
dpad = sp.IndexedBase("deltatilde", real=True)  # δ zero-padded by k_h − 1, k_w − 1
kflip = sp.IndexedBase("Ktilde", real=True)    # the kernel flipped in both spatial axes
xcol = sp.IndexedBase("X^{col}", real=True)     # im2col of x: (N H_o W_o) × (C k_h k_w)
kmat = sp.IndexedBase("K^{mat}", real=True)     # K as a (C k_h k_w) × O matrix
dmat = sp.IndexedBase("D^{mat}", real=True)     # δ as an (N H_o W_o) × O matrix
dcol = sp.IndexedBase("G^{col}", real=True)     # im2col of δ̃: (N H W) × (O k_h k_w)
kfmat = sp.IndexedBase("F^{mat}", real=True)  # K̃ as an (O k_h k_w) × C matrix
L = sp.Symbol("L", real=True)

SIZES = {N: (1, 2), C: (2, 1), O: (1, 2), kh: (2, 3), kw: (2, 1), Ho: (2, 1), Wo: (1, 2)}


def row(n_, i_, j_, rows, cols):
    """Row of sample n_, position (i_, j_) in an im2col matrix: (n_·rows + i_)·cols + j_."""
    return (n_ * rows + i_) * cols + j_


def col(c_, p_, q_, channels=C):
    """Column of kernel offset (p_, q_), channel c_: (p_·k_w + q_)·C + c_ — C order of
    (k_h, k_w, C), so that in channels-last storage each row copies runs of k_w·C entries."""
    return (p_ * kw + q_) * channels + c_


def chan(r, channels=C):
    """(c, p, q) of column r (the inverse of :func:`col`)."""
    return Mod(r, channels), floor(r / (channels * kw)), Mod(floor(r / channels), kw)


def _setup(d):
    for s, cands in SIZES.items():
        d.size(s, *cands)
    cc, pp, qq = fresh("c"), fresh("p"), fresh("q")
    d.define(z[n, o, i, j], Sum(K[o, cc, pp, qq] * x[n, cc, i + pp, j + qq],
                                (cc, 0, C - 1), (pp, 0, kh - 1), (qq, 0, kw - 1)) + b[o],
             "convolution layer")
    nn_, oo, ii, jj = fresh("n"), fresh("o"), fresh("i"), fresh("j")
    d.define(L, Sum(delta[nn_, oo, ii, jj] * z[nn_, oo, ii, jj], (nn_, 0, N - 1),
                    (oo, 0, O - 1), (ii, 0, Ho - 1), (jj, 0, Wo - 1)),
             "first-order change of the loss, δ = ∂L/∂z held fixed")
    d.note("L = Σ δ z is the loss to first order around the current point, with "
           "δ[n,o,i,j] = ∂L/∂z[n,o,i,j] held fixed: dL = Σ δ dz is the definition of δ, so "
           "every gradient below is the gradient of the true loss.",
           "L = Σ δ z 是损失在当前点的一阶近似，δ[n,o,i,j] = ∂L/∂z[n,o,i,j] 固定："
           "dL = Σ δ dz 正是 δ 的定义，所以下面的梯度都是真实损失的梯度。")


def _im2col_definitions(d):
    """X^col, K^mat, D^mat, G^col, F^mat: the matrices of the im2col form, entry by entry."""
    hw = Ho * Wo
    # row m ↔ (n, i, j); column r ↔ (c, p, q); all in C (row-major) order
    cr, pr, qr = chan(r_)
    d.define(xcol[m_, r_], x[floor(m_ / hw), cr, Mod(floor(m_ / Wo), Ho) + pr,
                             Mod(m_, Wo) + qr], "im2col of x")
    d.define(kmat[r_, o], K[o, cr, pr, qr],
             "kernel matrix")
    d.define(dmat[m_, o], delta[floor(m_ / hw), o, Mod(floor(m_ / Wo), Ho), Mod(m_, Wo)],
             "delta matrix")
    hwin = H * W
    orr, por, qor = chan(r_, O)
    d.define(dcol[m_, r_], dpad[floor(m_ / hwin), orr, Mod(floor(m_ / W), H) + por,
                                Mod(m_, W) + qor], "im2col of the padded delta")
    d.define(kfmat[r_, c], kflip[orr, c, por, qor], "flipped kernel matrix")


@derivation("conv2d",
            "∂L/∂K[o,c,p,q] = Σ_{n,i,j} δ[n,o,i,j] x[n,c,i+p,j+q], ∂L/∂b[o] = Σ δ[n,o,i,j], "
            "∂L/∂x = δ (zero-padded) ⋆ flipped K; im2col: z = X^col K^mat + 1 b",
            group="conv", title="A 2-D convolution layer (stride 1, valid)",
            title_zh="二维卷积层（步长 1，无填充）",
            summary_zh="∂L/∂K[o,c,p,q] = Σ_{n,i,j} δ[n,o,i,j] x[n,c,i+p,j+q]，∂L/∂b[o] = Σ δ[n,o,i,j]，"
                       "∂L/∂x = 补零的 δ 与翻转核的互相关（完全卷积）；im2col：z = X^col K^mat + 1 b",
            source="Goodfellow, Bengio, Courville, Deep Learning, §9.5",
            source_zh="Goodfellow、Bengio、Courville，《深度学习》§9.5")
def conv2d(d):
    _setup(d)
    for s, lo, hi in ((n, 0, N - 1), (o, 0, O - 1), (c, 0, C - 1), (p, 0, kh - 1),
                      (q, 0, kw - 1), (i, 0, Ho - 1), (j, 0, Wo - 1), (u, 0, H - 1),
                      (v, 0, W - 1)):
        d.index(s, lo, hi)
    d.define(dpad[n, o, u, v],
             Piecewise((delta[n, o, u - kh + 1, v - kw + 1],
                        (u >= kh - 1) & (u <= Ho + kh - 2) & (v >= kw - 1) & (v <= Wo + kw - 2)),
                       (0, True)),
             "zero-padded delta")
    d.define(kflip[o, c, p, q], K[o, c, kh - 1 - p, kw - 1 - q], "flipped kernel")
    _im2col_definitions(d)
    n1, o1, i1, j1 = fresh("n"), fresh("o"), fresh("i"), fresh("j")
    c1, p1, q1 = fresh("c"), fresh("p"), fresh("q")
    batch = ((n1, 0, N - 1), (o1, 0, O - 1), (i1, 0, Ho - 1), (j1, 0, Wo - 1))
    window = ((c1, 0, C - 1), (p1, 0, kh - 1), (q1, 0, kw - 1))

    # ∂L/∂K -----------------------------------------------------------------------
    ni, ii, ji = fresh("n"), fresh("i"), fresh("j")
    dK = Sum(delta[ni, o, ii, ji] * x[ni, c, ii + p, ji + q],
             (ni, 0, N - 1), (ii, 0, Ho - 1), (ji, 0, Wo - 1))
    d.goal(Derivative(L, K[o, c, p, q]), dK, title="kernel gradient", tag="dK",
           title_zh="卷积核的梯度")
    d.step(Sum(delta[n1, o1, i1, j1] * Derivative(z[n1, o1, i1, j1], K[o, c, p, q]), *batch),
           because("sum_rule", "δ is held fixed; differentiate Σ δ z term by term",
                   "δ 固定；对 Σ δ z 逐项求导"))
    d.step(Sum(delta[n1, o1, i1, j1] * Sum(
        KroneckerDelta(o1, o) * KroneckerDelta(c1, c) * KroneckerDelta(p1, p)
        * KroneckerDelta(q1, q) * x[n1, c1, i1 + p1, j1 + q1], *window), *batch),
        because("kronecker_delta", "∂K[o′,c′,p′,q′]/∂K[o,c,p,q] = δ_{o′o} δ_{c′c} δ_{p′p} δ_{q′q}; "
                "b does not depend on K",
                "∂K[o′,c′,p′,q′]/∂K[o,c,p,q] = δ_{o′o} δ_{c′c} δ_{p′p} δ_{q′q}；b 与 K 无关"))
    d.step(dK, because("kronecker_sum", "the sums over o′, c′, p′, q′ keep the terms o′ = o, "
                       "c′ = c, p′ = p, q′ = q (each inside its range 0 ≤ o < O, …)",
                       "对 o′, c′, p′, q′ 的求和只保留 o′ = o, c′ = c, p′ = p, q′ = q 的项"))

    # ∂L/∂b -----------------------------------------------------------------------
    db = Sum(delta[ni, o, ii, ji], (ni, 0, N - 1), (ii, 0, Ho - 1), (ji, 0, Wo - 1))
    d.goal(Derivative(L, b[o]), db, title="bias gradient", tag="db", title_zh="偏置的梯度")
    d.step(Sum(delta[n1, o1, i1, j1] * Derivative(z[n1, o1, i1, j1], b[o]), *batch),
           because("sum_rule", "δ is held fixed; differentiate Σ δ z term by term",
                   "δ 固定；对 Σ δ z 逐项求导"))
    d.step(Sum(delta[n1, o1, i1, j1] * KroneckerDelta(o1, o), *batch),
           because("kronecker_delta", "∂z[n,o′,i,j]/∂b[o] = δ_{o′o}", "∂z[n,o′,i,j]/∂b[o] = δ_{o′o}"))
    d.step(db, because("kronecker_sum", "the sum over o′ keeps o′ = o (0 ≤ o < O)",
                       "对 o′ 的求和只保留 o′ = o（0 ≤ o < O）"))

    # ∂L/∂x -----------------------------------------------------------------------
    oo, pp, qq = fresh("o"), fresh("p"), fresh("q")
    full = Sum(dpad[n, oo, u + pp, v + qq] * kflip[oo, c, pp, qq],
               (oo, 0, O - 1), (pp, 0, kh - 1), (qq, 0, kw - 1))
    d.goal(Derivative(L, x[n, c, u, v]), full, title="input gradient: full convolution with "
           "the flipped kernel", tag="dx", title_zh="输入的梯度：与翻转核的完全卷积")
    d.step(Sum(delta[n1, o1, i1, j1] * Derivative(z[n1, o1, i1, j1], x[n, c, u, v]), *batch),
           because("sum_rule", "δ is held fixed; differentiate Σ δ z term by term",
                   "δ 固定；对 Σ δ z 逐项求导"))
    d.step(Sum(delta[n1, o1, i1, j1] * Sum(
        K[o1, c1, p1, q1] * KroneckerDelta(n1, n) * KroneckerDelta(c1, c)
        * KroneckerDelta(i1 + p1, u) * KroneckerDelta(j1 + q1, v), *window), *batch),
        because("kronecker_delta", "∂x[n′,c′,i+p,j+q]/∂x[n,c,u,v] = δ_{n′n} δ_{c′c} δ_{i+p,u} "
                "δ_{j+q,v}", "∂x[n′,c′,i+p,j+q]/∂x[n,c,u,v] = δ_{n′n} δ_{c′c} δ_{i+p,u} δ_{j+q,v}"))
    clipped = Sum(delta[n, oo, u - pp, v - qq] * K[oo, c, pp, qq], (oo, 0, O - 1),
                  (pp, Max(0, u - Ho + 1), Min(kh - 1, u)),
                  (qq, Max(0, v - Wo + 1), Min(kw - 1, v)))
    d.step(clipped, because(
        "kronecker_sum", "n′ = n, c′ = c, i = u − p, j = v − q; i = u − p lies in 0 … H_o − 1 "
        "only for max(0, u − H_o + 1) ≤ p ≤ min(k_h − 1, u) (likewise q): at the borders the "
        "other terms vanish",
        "n′ = n，c′ = c，i = u − p，j = v − q；i = u − p 在 0 … H_o − 1 之内仅当 "
        "max(0, u − H_o + 1) ≤ p ≤ min(k_h − 1, u)（q 同理）：边界处其余各项为零"))
    d.step(Sum(dpad[n, oo, u + kh - 1 - pp, v + kw - 1 - qq] * K[oo, c, pp, qq],
               (oo, 0, O - 1), (pp, 0, kh - 1), (qq, 0, kw - 1)),
           because("definition", "δ̃ is δ padded with k_h − 1 rows and k_w − 1 columns of "
                   "zeros on each side: δ̃[n,o,u+k_h−1−p, v+k_w−1−q] = δ[n,o,u−p,v−q] inside, 0 "
                   "outside, so p and q may run over the whole kernel",
                   "δ̃ 是在每侧补 k_h − 1 行、k_w − 1 列零的 δ：内部 δ̃[n,o,u+k_h−1−p, v+k_w−1−q] "
                   "= δ[n,o,u−p,v−q]，外部为 0，故 p、q 可遍历整个卷积核"))
    d.step(full, because("substitution", "p ↦ k_h − 1 − p, q ↦ k_w − 1 − q; "
                         "K̃[o,c,p,q] = K[o,c,k_h−1−p,k_w−1−q] is the flipped kernel",
                         "p ↦ k_h − 1 − p，q ↦ k_w − 1 − q；K̃[o,c,p,q] = K[o,c,k_h−1−p,k_w−1−q] "
                         "为翻转的卷积核"))

    # the matrix (im2col) forms the generated code computes ----------------------------
    rr = fresh("r")
    R = C * kh * kw
    forward = Sum(xcol[row(n, i, j, Ho, Wo), rr] * kmat[rr, o], (rr, 0, R - 1)) + b[o]
    d.goal(z[n, o, i, j], forward, title="the layer as one matrix product (im2col)",
           tag="im2col", title_zh="把卷积层写成一次矩阵乘法（im2col）")
    d.step(Sum(K[o, c1, p1, q1] * x[n, c1, i + p1, j + q1], *window) + b[o],
           because("definition", "z[n,o,i,j] = Σ_{c,p,q} K[o,c,p,q] x[n,c,i+p,j+q] + b[o]",
                   "z[n,o,i,j] = Σ_{c,p,q} K[o,c,p,q] x[n,c,i+p,j+q] + b[o]"))
    cr, pr, qr = chan(rr)
    d.step(Sum(K[o, cr, pr, qr] * x[n, cr, i + pr, j + qr],
               (rr, 0, R - 1)) + b[o],
           because("substitution", "r = (p k_w + q) C + c runs once over 0 … C k_h k_w − 1 "
                   "as (p, q, c) runs over the window (C order), with c = r mod C, "
                   "p = ⌊r/(C k_w)⌋, q = ⌊r/C⌋ mod k_w",
                   "r = (p k_w + q) C + c 在 (p, q, c) 遍历窗口时恰好遍历 0 … C k_h k_w − 1 "
                   "一次（C 顺序）"))
    d.step(forward, because("matrix_product", "X^col[(n H_o + i) W_o + j, r] = "
                            "x[n,c,i+p,j+q] (a sliding-window view of x) and K^mat[r,o] = "
                            "K[o,c,p,q]: row (n,i,j) of X^col K^mat",
                            "X^col[(n H_o + i) W_o + j, r] = x[n,c,i+p,j+q]（x 的滑动窗口视图），"
                            "K^mat[r,o] = K[o,c,p,q]：X^col K^mat 的第 (n,i,j) 行"))

    mm = fresh("m")
    M = N * Ho * Wo
    dK_mat = Sum(xcol[mm, col(c, p, q)] * dmat[mm, o], (mm, 0, M - 1))
    d.goal(dK, dK_mat, title="kernel gradient as a matrix product: X^colᵀ D^mat", tag="dK_im2col",
           title_zh="卷积核梯度的矩阵形式：X^colᵀ D^mat")
    d.step(Sum(x[floor(mm / (Ho * Wo)), c, Mod(floor(mm / Wo), Ho) + p, Mod(mm, Wo) + q]
               * delta[floor(mm / (Ho * Wo)), o, Mod(floor(mm / Wo), Ho), Mod(mm, Wo)],
               (mm, 0, M - 1)),
           because("substitution", "m = (n H_o + i) W_o + j runs once over 0 … N H_o W_o − 1",
                   "m = (n H_o + i) W_o + j 恰好遍历 0 … N H_o W_o − 1 一次"))
    d.step(dK_mat, because("matrix_product", "entry (r, o) of X^colᵀ D^mat with "
                           "D^mat[m,o] = δ[n,o,i,j] and r = (p k_w + q) C + c",
                           "X^colᵀ D^mat 的 (r, o) 元素，其中 D^mat[m,o] = δ[n,o,i,j]，r = (p k_w + q) C + c"))

    db_mat = Sum(dmat[mm, o], (mm, 0, M - 1))
    d.goal(db, db_mat, title="bias gradient as column sums: 1ᵀ D^mat", tag="db_im2col",
           title_zh="偏置梯度的矩阵形式：1ᵀ D^mat")
    d.step(Sum(delta[floor(mm / (Ho * Wo)), o, Mod(floor(mm / Wo), Ho), Mod(mm, Wo)],
               (mm, 0, M - 1)),
           because("substitution", "m = (n H_o + i) W_o + j runs once over 0 … N H_o W_o − 1",
                   "m = (n H_o + i) W_o + j 恰好遍历 0 … N H_o W_o − 1 一次"))
    d.step(db_mat, because("matrix_product", "column o of D^mat summed: entry o of 1ᵀ D^mat",
                           "D^mat 第 o 列之和：1ᵀ D^mat 的第 o 个元素"))

    R2 = O * kh * kw
    dx_mat = Sum(dcol[row(n, u, v, H, W), rr] * kfmat[rr, c], (rr, 0, R2 - 1))
    d.goal(full, dx_mat, title="input gradient as a matrix product: G^col F^mat",
           tag="dx_im2col", title_zh="输入梯度的矩阵形式：G^col F^mat")
    orr, por, qor = chan(rr, O)
    d.step(Sum(dpad[n, orr, u + por, v + qor] * kflip[orr, c, por, qor],
               (rr, 0, R2 - 1)),
           because("substitution", "r = (p k_w + q) O + o runs once over 0 … O k_h k_w − 1",
                   "r = (p k_w + q) O + o 恰好遍历 0 … O k_h k_w − 1 一次"))
    d.step(dx_mat, because("matrix_product", "G^col = im2col of δ̃ (rows (n,u,v)), "
                           "F^mat[r,c] = K̃[o,c,p,q]: the same im2col product as the forward "
                           "pass, with the roles of o and c exchanged",
                           "G^col 为 δ̃ 的 im2col（行 (n,u,v)），F^mat[r,c] = K̃[o,c,p,q]："
                           "与前向相同的 im2col 乘积，o 与 c 的角色互换"))
