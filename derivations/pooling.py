"""Backpropagation through pooling (max, average; s × s windows, stride s) and flatten.

x is N × C × H × W with H = s·H_o, W = s·W_o; the pooled output y is N × C × H_o × W_o; the
input entry x[n,c,s i+p, s j+q] (0 ≤ p, q < s) lies in exactly one window, (i, j).  As in
``conv2d``, the loss is used to first order, L = Σ δ y with δ = ∂L/∂y held fixed, so the
gradient of this linear function is the gradient of the true loss.

* ``maxpool``  ∂L/∂x[n,c,2i+p,2j+q] = δ[n,c,i,j] · ∂y[n,c,i,j]/∂x[n,c,2i+p,2j+q], and
  ∂ max(a_0, …, a_3)/∂a_0 = H(a_0 − max(a_1, a_2, a_3)): δ goes to the position of the
  maximum of its window and nowhere else.  At a tie max is not differentiable; the code
  takes the first maximum in window order (``np.argmax``, as PyTorch does).
* ``avgpool``  ∂L/∂x[n,c,s i+p,s j+q] = δ[n,c,i,j]/s² (for any s: the symbolic witness proves
  it on explicit instances with s = 2, 3).
* ``flatten``  f[n, (c H + h) W + w] = x[n,c,h,w]: the gradient is the same reshape of ∂L/∂f.
"""

from __future__ import annotations

from functools import cache

import mpmath
import sympy as sp
from sympy import Derivative, Heaviside, KroneckerDelta, Max, Mod, Sum, floor
from sympy.core.function import UndefinedFunction

from symbp.catalog import derivation
from symbp.core.expr import fresh, index, size
from symbp.core.justify import because

N, C = size("N"), size("C")
Ho, Wo = size("H_o"), size("W_o")
Hs, Ws = size("H"), size("W")
s = size("s")
n, c, i, j, p, q = (index(t) for t in "ncijpq")
h, w = index("h"), index("w")
kk = index("k")

x = sp.IndexedBase("x", real=True)
y = sp.IndexedBase("y", real=True)
f = sp.IndexedBase("f", real=True)
delta = sp.IndexedBase("delta", real=True)
g = sp.IndexedBase("g", real=True)
L = sp.Symbol("L", real=True)


def _argmax_indicator(t):
    def imp(*xs):
        return mpmath.mpf(1) if all(xs[t] > xs[k] for k in range(len(xs)) if k != t) \
            else mpmath.mpf(0)
    return imp


@cache
def window_max(size: int):
    """max of a window of ``size`` entries: symbolically an unknown function whose partial
    derivatives are unknown functions ∂_t max; numerically (``_imp_``) the maximum and the
    indicator of its position."""
    partials = [UndefinedFunction(f"max_{t}", real=True, _imp_=staticmethod(_argmax_indicator(t)))
                for t in range(size)]
    return UndefinedFunction("max", real=True, _imp_=staticmethod(lambda *xs: max(xs)),
                             fdiff=lambda self, argindex=1: partials[argindex - 1](*self.args))

SOURCE = "Goodfellow, Bengio, Courville, Deep Learning, §9.3"
SOURCE_ZH = "Goodfellow、Bengio、Courville，《深度学习》§9.3"

FIRST_ORDER = (("L = Σ δ y is the loss to first order around the current point, with "
                "δ = ∂L/∂y held fixed (dL = Σ δ dy defines δ)."),
               "L = Σ δ y 是损失在当前点的一阶近似，δ = ∂L/∂y 固定（dL = Σ δ dy 即 δ 的定义）。")


def _pool_setup(d, pooled, cand_s=None, small=False):
    # max pooling: every instance differentiates max over each window; one sample and one
    # channel keep the exact instances fast (n and c only select the window, like i and j)
    d.size(N, *((1,) if small else (1, 2)))
    d.size(C, *((1,) if small else (1, 2)))
    d.size(Ho, 1, 2)
    d.size(Wo, 2, 1)
    if cand_s:
        d.size(s, *cand_s)
    for t, hi in ((n, N - 1), (c, C - 1), (i, Ho - 1), (j, Wo - 1)):
        d.index(t, 0, hi)
    n1, c1, i1, j1 = fresh("n"), fresh("c"), fresh("i"), fresh("j")
    d.define(L, Sum(delta[n1, c1, i1, j1] * y[n1, c1, i1, j1], (n1, 0, N - 1), (c1, 0, C - 1),
                    (i1, 0, Ho - 1), (j1, 0, Wo - 1)),
             "first-order change of the loss, δ = ∂L/∂y held fixed")
    d.define(y[n, c, i, j], pooled, "pooling layer")
    d.note(*FIRST_ORDER)


def _route(d, size_, target, title, title_zh, tag):
    """The three steps that send δ back to the one window containing an input entry."""
    n1, c1, i1, j1 = fresh("n"), fresh("c"), fresh("i"), fresh("j")
    batch = ((n1, 0, N - 1), (c1, 0, C - 1), (i1, 0, Ho - 1), (j1, 0, Wo - 1))
    xin = x[n, c, size_ * i + p, size_ * j + q]
    d.goal(Derivative(L, xin), target, title=title, tag=tag, title_zh=title_zh)
    d.step(Sum(delta[n1, c1, i1, j1] * Derivative(y[n1, c1, i1, j1], xin), *batch),
           because("sum_rule", "δ is held fixed; differentiate Σ δ y term by term",
                   "δ 固定；对 Σ δ y 逐项求导"))
    i2, j2 = fresh("i"), fresh("j")
    d.step(Sum(delta[n, c, i2, j2] * KroneckerDelta(i2, i) * KroneckerDelta(j2, j)
               * Derivative(y[n, c, i, j], xin), (i2, 0, Ho - 1), (j2, 0, Wo - 1)),
           because("kronecker_delta", "y[n′,c′,i′,j′] reads only its own window: it depends "
                   "on x[n,c,s i+p,s j+q] only if n′ = n, c′ = c and (i′, j′) = (i, j), "
                   "because 0 ≤ p, q < s",
                   "y[n′,c′,i′,j′] 只读取自己的窗口：仅当 n′ = n, c′ = c 且 (i′, j′) = (i, j) 时"
                   "才依赖 x[n,c,s i+p,s j+q]（因为 0 ≤ p, q < s）"))
    return xin


def maxpool_derivation_fn(size_: int):
    """The catalog function of max pooling with size_ × size_ windows, stride size_."""

    def build(d):
        window = [x[n, c, size_ * i + a, size_ * j + bb] for a in range(size_)
                  for bb in range(size_)]
        args = [sp.Symbol(f"a_{t}", real=True) for t in range(size_ * size_)]
        _pool_setup(d, window_max(size_ * size_)(*window), small=True)
        d.note("In the routing steps max is the window maximum kept as an unknown function of "
               "the window: the symbolic witness proves them for any pooling function of the "
               "window alone; the numeric witness evaluates max and its partial derivatives "
               "(1 at the position of the maximum, 0 elsewhere).",
               "在传递步骤中 max（窗口最大值）作为窗口的未知函数：符号验证对任意只依赖窗口的"
               "池化函数证明这些步骤；数值验证计算 max 及其偏导数（最大值位置为 1，其余为 0）。")
        d.index(p, 0, size_ - 1)
        d.index(q, 0, size_ - 1)
        xin = _route(d, size_, delta[n, c, i, j] * Derivative(y[n, c, i, j],
                                                             x[n, c, size_ * i + p,
                                                               size_ * j + q]),
                     "δ goes back to its window", "δ 回到其所在窗口", "route")
        d.step(delta[n, c, i, j] * Derivative(y[n, c, i, j], xin),
               because("kronecker_sum", "the sums over i′, j′ keep i′ = i, j′ = j "
                       "(0 ≤ i < H_o, 0 ≤ j < W_o)",
                       "对 i′, j′ 的求和只保留 i′ = i, j′ = j"))
        a = args
        d.goal(Derivative(Max(*a), a[0]), Heaviside(a[0] - Max(*a[1:])),
               title="the derivative of the window maximum", tag="max_derivative",
               title_zh="窗口最大值的导数")
        d.step(Heaviside(a[0] - Max(*a[1:])),
               because("derivative", "max(a_0, m) with m = max of the other entries is a_0 "
                       "where a_0 > m (derivative 1) and m where a_0 < m (derivative 0): "
                       "H(a_0 − m)", "max(a_0, m)（m 为其余元素的最大值）在 a_0 > m 处等于 a_0"
                       "（导数 1），在 a_0 < m 处等于 m（导数 0）：H(a_0 − m)"))
        d.note("So δ[n,c,i,j] goes to the position of the maximum of window (i, j) and "
               "nowhere else; every entry a_t of the window plays the part of a_0.  At a tie "
               "(two entries equal to the maximum) max is not differentiable and H(0) is a "
               "convention, not a derivative: the generated code routes δ to the first maximum "
               "in window order (row by row; np.argmax), as PyTorch does: one element of the "
               "subdifferential.  Off ties this is exactly H(a_t − max_{s≠t} a_s).",
               "因此 δ[n,c,i,j] 只传给窗口 (i, j) 中最大值所在的位置；窗口中每个元素 a_t 都可扮演 "
               "a_0 的角色。出现并列最大值时 max 不可导，H(0) 只是约定而非导数：生成的代码把 δ "
               "传给窗口中按行顺序的第一个最大值（np.argmax，与 PyTorch 相同），这是次微分中的"
               "一个元素。无并列时它正是 H(a_t − max_{s≠t} a_s)。")
    return build


maxpool = derivation(
    "maxpool", "∂L/∂x[n,c,2i+p,2j+q] = δ[n,c,i,j]·∂y[n,c,i,j]/∂x[n,c,2i+p,2j+q], "
    "∂max(a)/∂a_t = H(a_t − max_{s≠t} a_s): δ goes to the maximum of its window",
    group="conv", title="Max pooling (2 × 2 windows, stride 2)",
    title_zh="最大池化（2 × 2 窗口，步长 2）",
    summary_zh="∂L/∂x[n,c,2i+p,2j+q] = δ[n,c,i,j]·∂y[n,c,i,j]/∂x[n,c,2i+p,2j+q]，"
               "∂max(a)/∂a_t = H(a_t − max_{s≠t} a_s)：δ 只传给窗口中的最大值",
    source=SOURCE, source_zh=SOURCE_ZH)(maxpool_derivation_fn(2))


@derivation("avgpool", "∂L/∂x[n,c,s i+p,s j+q] = δ[n,c,i,j]/s²: δ spread evenly over its window",
            group="conv", title="Average pooling (s × s windows, stride s)",
            title_zh="平均池化（s × s 窗口，步长 s）",
            summary_zh="∂L/∂x[n,c,s i+p,s j+q] = δ[n,c,i,j]/s²：δ 平均分给窗口中的每个元素",
            source=SOURCE, source_zh=SOURCE_ZH)
def avgpool(d):
    p1, q1 = fresh("p"), fresh("q")
    _pool_setup(d, Sum(x[n, c, s * i + p1, s * j + q1], (p1, 0, s - 1), (q1, 0, s - 1)) / s**2,
                cand_s=(2, 3))
    d.index(p, 0, s - 1)
    d.index(q, 0, s - 1)
    _route(d, s, delta[n, c, i, j] / s**2, "δ spread over its window",
                 "δ 平均分到窗口", "route")
    p2, q2 = fresh("p"), fresh("q")
    d.step(delta[n, c, i, j] * Sum(KroneckerDelta(p2, p) * KroneckerDelta(q2, q),
                                   (p2, 0, s - 1), (q2, 0, s - 1)) / s**2,
           because("kronecker_sum", "the sums over i′, j′ keep i′ = i, j′ = j; "
                   "∂x[n,c,s i+p′,s j+q′]/∂x[n,c,s i+p,s j+q] = δ_{p′p} δ_{q′q}",
                   "对 i′, j′ 的求和只保留 i′ = i, j′ = j；"
                   "∂x[n,c,s i+p′,s j+q′]/∂x[n,c,s i+p,s j+q] = δ_{p′p} δ_{q′q}"))
    d.step(delta[n, c, i, j] / s**2, because("kronecker_sum", "one term: p′ = p, q′ = q "
                                              "(0 ≤ p, q < s)", "只剩 p′ = p, q′ = q 一项"))


@derivation("flatten", "f[n, (c H + h) W + w] = x[n,c,h,w] ⇒ ∂L/∂x[n,c,h,w] = ∂L/∂f[n, (c H + h) W + w]",
            group="conv", title="Flatten (a reshape: the identity on entries)",
            title_zh="展平（重排：逐元素的恒等映射）",
            summary_zh="f[n, (c H + h) W + w] = x[n,c,h,w] ⇒ ∂L/∂x[n,c,h,w] = ∂L/∂f[n, (c H + h) W + w]",
            source="NumPy reshape in C order", source_zh="NumPy 按 C 顺序 reshape")
def flatten(d):
    d.size(N, 1, 2)
    d.size(C, 2, 1)
    d.size(Hs, 2, 1)
    d.size(Ws, 2, 3)
    for t, hi in ((n, N - 1), (c, C - 1), (h, Hs - 1), (w, Ws - 1), (kk, C * Hs * Ws - 1)):
        d.index(t, 0, hi)
    n1, k1 = fresh("n"), fresh("k")
    d.define(f[n, kk], x[n, floor(kk / (Hs * Ws)), Mod(floor(kk / Ws), Hs), Mod(kk, Ws)],
             "flatten (C order)")
    d.define(L, Sum(g[n1, k1] * f[n1, k1], (n1, 0, N - 1), (k1, 0, C * Hs * Ws - 1)),
             "first-order change of the loss, g = ∂L/∂f held fixed")
    d.note("L = Σ g f is the loss to first order, with g = ∂L/∂f held fixed.",
           "L = Σ g f 是损失的一阶近似，g = ∂L/∂f 固定。")
    pos = (c * Hs + h) * Ws + w
    d.goal(Derivative(L, x[n, c, h, w]), g[n, pos], title="the gradient is reshaped back",
           tag="dx", title_zh="梯度按原形状重排回去")
    d.step(Sum(g[n1, k1] * Derivative(f[n1, k1], x[n, c, h, w]), (n1, 0, N - 1),
               (k1, 0, C * Hs * Ws - 1)),
           because("sum_rule", "g is held fixed; differentiate Σ g f term by term",
                   "g 固定；对 Σ g f 逐项求导"))
    d.step(Sum(g[n1, k1] * KroneckerDelta(n1, n) * KroneckerDelta(k1, pos), (n1, 0, N - 1),
               (k1, 0, C * Hs * Ws - 1)),
           because("kronecker_delta", "f[n′,k] = x[n′, ⌊k/(HW)⌋, ⌊k/W⌋ mod H, k mod W] is "
                   "x[n,c,h,w] exactly when n′ = n and k = (c H + h) W + w",
                   "f[n′,k] 恰在 n′ = n 且 k = (c H + h) W + w 时等于 x[n,c,h,w]"))
    d.step(g[n, pos], because("kronecker_sum", "one term: n′ = n, k = (c H + h) W + w "
                              "(inside 0 … C H W − 1)", "只剩 n′ = n, k = (c H + h) W + w 一项"))
