"""Backpropagation in matrix form, by the chain rule on matrix gradients.

Every ``∂f/∂X`` below is a :class:`symbp.core.matrixcalc.Grad`, checked by the
witnesses on explicit matrices (entry by entry), at several distinct shapes.
A derivative by an intermediate variable (∂CE/∂Z2, ∂J/∂z1) is taken with that
variable held independent and evaluated at its forward-pass value
(:mod:`symbp.core.intermediate`).

For the code generator: each part's goal right-hand side is a clean matrix
formula (MatMul → @, Transpose → .T, HadamardProduct → *, σ′(·) is an
``ElementwiseApplyFunction`` of ``Derivative(sigma(x), x)``, ``OneMatrix(1, B)``
on the left is a sum over the batch, ``OneMatrix(B, 1)`` times a row vector is
broadcasting).  Symbols, per entry:

``three_layer_net`` (rows layout, batch × features; ``Z1 = X W1 + 1 b1``,
``H = σ(Z1)``, ``Z2 = H W2 + 1 b2``, ``Yhat = softmax_rows(Z2)``,
``CE = −tr(Yᵀ log Yhat)`` summed over the batch):
    X (B×n0), W1 (n0×n1), b1 (1×n1), Z1, H (B×n1), W2 (n1×n2), b2 (1×n2),
    Z2, Yhat, Y (B×n2).
    tag ``delta2``: ∂CE/∂Z2 = Yhat − Y
    tag ``dW2``:    ∂CE/∂W2 = Hᵀ (Yhat − Y)
    tag ``db2``:    ∂CE/∂b2 = 1ᵀ (Yhat − Y)            (1 = OneMatrix(1, B))
    tag ``delta1``: ∂CE/∂Z1 = ((Yhat − Y) W2ᵀ) ⊙ σ′(Z1)
    tag ``dW1``:    ∂CE/∂W1 = Xᵀ (((Yhat − Y) W2ᵀ) ⊙ σ′(Z1))
    tag ``db1``:    ∂CE/∂b1 = 1ᵀ (((Yhat − Y) W2ᵀ) ⊙ σ′(Z1))

``backprop_matrix`` (columns layout; ``z1 = W1 a0 + b1``, ``a1 = σ(z1)``,
``z2 = W2 a1 + b2``, ``a2 = σ(z2)``, ``J = ½‖a2 − y‖²``; layer 1 plays a
hidden layer l, layer 2 the output layer l + 1 = L):
    a0 (n0×1), W1 (n1×n0), b1, z1, a1 (n1×1), W2 (n2×n1), b2, z2, a2, y (n2×1).
    tag ``BP1``: ∂J/∂z2 = (a2 − y) ⊙ σ′(z2)
    tag ``jacobian``: ∂z2/∂z1 = W2 diag(σ′(z1))
    tag ``BP2``: ∂J/∂z1 = (W2ᵀ ((a2 − y) ⊙ σ′(z2))) ⊙ σ′(z1)
    tag ``BP3``: ∂J/∂b1 = (W2ᵀ ((a2 − y) ⊙ σ′(z2))) ⊙ σ′(z1)
    tag ``BP4``: ∂J/∂W1 = ((W2ᵀ ((a2 − y) ⊙ σ′(z2))) ⊙ σ′(z1)) a0ᵀ
"""

from __future__ import annotations

import mpmath
import sympy as sp
from sympy.core.function import UndefinedFunction
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from symbp.catalog import derivation
from symbp.core.expr import size
from symbp.core.justify import because
from symbp.core.matrixcalc import Grad, RowSoftmax, rows_sum_to_one


def _logistic(x):
    return 1 / (1 + mpmath.exp(-x))


# A generic activation σ: symbolically an undefined function whose derivative is the
# undefined σ′ (so the symbolic witness proves each step for every differentiable σ);
# numerically (``_imp_``) the logistic sigmoid and its derivative σ(1 − σ).
sigma_prime = UndefinedFunction("sigma'", real=True, finite=True,
                                _imp_=staticmethod(lambda x: _logistic(x) * (1 - _logistic(x))))
sigma = UndefinedFunction("sigma", real=True, finite=True, _imp_=staticmethod(_logistic),
                          fdiff=lambda self, argindex=1: sigma_prime(self.args[0]))

GENERIC_SIGMA_NOTE = (
    "σ is a generic differentiable activation: the symbolic witness treats σ and σ′ as "
    "unknown functions (so each step is proved for every σ); the numeric witness evaluates "
    "them as the logistic sigmoid and its derivative.",
    "σ 为一般的可微激活函数：符号验证把 σ 与 σ′ 视为未知函数（故每一步对任意 σ 成立）；"
    "数值验证用 logistic sigmoid 及其导数代入。")

_x = sp.Dummy("x", real=True)
SIGMA = sp.Lambda(_x, sigma(_x))
DSIGMA = sp.Lambda(_x, sp.Derivative(sigma(_x), _x))


def sig(M):
    """σ applied elementwise."""
    return ElementwiseApplyFunction(SIGMA, M)


def dsig(M):
    """σ′ applied elementwise."""
    return ElementwiseApplyFunction(DSIGMA, M)


def elementwise(f, M):
    return ElementwiseApplyFunction(sp.Lambda(_x, f(_x)), M)


def mm(*args):
    return sp.MatMul(*args)


def T(M):
    return sp.Transpose(M)


def had(*args):
    return sp.HadamardProduct(*args)


# ---------------------------------------------------------------------------
# rows layout: the three-layer network of the course notes
# ---------------------------------------------------------------------------
B, n0, n1, n2 = size("B"), size("n_0"), size("n_1"), size("n_2")
X = sp.MatrixSymbol("X", B, n0)
W1, b1 = sp.MatrixSymbol("W1", n0, n1), sp.MatrixSymbol("b1", 1, n1)
Z1, H = sp.MatrixSymbol("Z1", B, n1), sp.MatrixSymbol("H", B, n1)
W2, b2 = sp.MatrixSymbol("W2", n1, n2), sp.MatrixSymbol("b2", 1, n2)
Z2, Yhat, Y = (sp.MatrixSymbol(s, B, n2) for s in ("Z2", "Yhat", "Y"))
CE = sp.Symbol("CE", real=True)
ONES_B = sp.OneMatrix(B, 1)
SUM_B = sp.OneMatrix(1, B)  # 1ᵀ: sums over the batch


@derivation("three_layer_net",
            "row-vector network X→σ→softmax with CE: ∂CE/∂W2 = Hᵀ(Ŷ − Y), ∂CE/∂W1 = "
            "Xᵀ((Ŷ − Y)W2ᵀ ⊙ σ′(Z1)), and the bias gradients",
            group="backprop", title="Gradients of a three-layer network (rows layout)",
            title_zh="三层网络的梯度（行布局）",
            source="course notes: z1 = xW1 + b1, h = σ(z1), z2 = hW2 + b2, ŷ = softmax(z2)")
def three_layer_net(d):
    """Rows layout (one example per row); every gradient by the chain rule on Z2, H, Z1."""
    d.size(B, 2)
    d.size(n0, 1)
    d.size(n1, 3)
    d.size(n2, 2)
    d.note(*GENERIC_SIGMA_NOTE)
    d.define(Z1, mm(X, W1) + mm(ONES_B, b1), "hidden pre-activation (bias broadcast)")
    d.define(H, sig(Z1), "hidden activation")
    d.define(Z2, mm(H, W2) + mm(ONES_B, b2), "output pre-activation")
    d.define(Yhat, RowSoftmax(Z2), "softmax of each row")
    d.define(CE, -sp.Trace(mm(T(Y), elementwise(sp.log, Yhat))), "cross-entropy, summed over the batch")
    d.assume(rows_sum_to_one(Y))
    d.domain(Y, 0.0, 1.0)
    d.note("Each row of X is one example; 1 is a column of ones, so 1 b broadcasts the bias "
           "to every row and 1ᵀ M sums M over the batch.",
           "X 的每一行是一个样本；1 为全 1 列向量，1 b 把偏置广播到每一行，1ᵀ M 对批次求和。")
    d.note("∂CE/∂Z2, ∂CE/∂H, ∂CE/∂Z1 are taken with that intermediate matrix held "
           "independent and evaluated at its forward-pass value.",
           "∂CE/∂Z2、∂CE/∂H、∂CE/∂Z1 视该中间矩阵为自变量求导，再取前向传播的值。")

    err = Yhat - Y
    ones_n2 = sp.OneMatrix(n2, 1)
    lse = elementwise(sp.log, mm(elementwise(sp.exp, Z2), ones_n2))  # log Σ_j e^{Z2_bj}

    d.goal(Grad(CE, Z2), err, title="output error ∂CE/∂Z2", tag="delta2",
           title_zh="输出层误差 ∂CE/∂Z2")
    d.step(Grad(-sp.Trace(mm(T(Y), elementwise(sp.log, Yhat))), Z2),
           because("definition", "CE = −tr(Yᵀ log Ŷ)", "CE = −tr(Yᵀ log Ŷ)"))
    d.step(Grad(-sp.Trace(mm(T(Y), Z2)) + sp.Trace(mm(T(Y), lse, T(ones_n2))), Z2),
           because("log_rules", "log Ŷ_bj = Z2_bj − log Σ_k e^{Z2_bk}, i.e. log Ŷ = Z2 − "
                   "log(e^{Z2} 1) 1ᵀ", "log Ŷ_bj = Z2_bj − log Σ_k e^{Z2_bk}"))
    d.step(Grad(-sp.Trace(mm(T(Y), Z2)) + sp.Trace(mm(SUM_B, lse)), Z2),
           because("assumption", "every row of Y sums to 1: tr(Yᵀ s 1ᵀ) = (Y1)ᵀ s = 1ᵀ s",
                   "Y 的每一行和为 1：tr(Yᵀ s 1ᵀ) = (Y1)ᵀ s = 1ᵀ s"))
    d.step(err, because("derivative", "∂tr(YᵀZ)/∂Z = Y; ∂/∂Z_bj Σ_b log Σ_k e^{Z_bk} = "
                        "e^{Z_bj}/Σ_k e^{Z_bk} = Ŷ_bj",
                        "∂tr(YᵀZ)/∂Z = Y；∂/∂Z_bj Σ_b log Σ_k e^{Z_bk} = Ŷ_bj"))

    d.goal(Grad(CE, W2), mm(T(H), err), title="∂CE/∂W2", tag="dW2", title_zh="∂CE/∂W2")
    d.step(mm(T(H), Grad(CE, Z2)),
           because("chain_rule", "Z2 = H W2 + 1 b2: dZ2 = H dW2, so dCE = tr((∂CE/∂Z2)ᵀ H dW2) "
                   "= tr((Hᵀ ∂CE/∂Z2)ᵀ dW2)", "Z2 = H W2 + 1 b2：dZ2 = H dW2"))
    d.step(mm(T(H), err), because("previous_result", "∂CE/∂Z2 = Ŷ − Y (delta2)",
                                  "∂CE/∂Z2 = Ŷ − Y（delta2）"))

    d.goal(Grad(CE, b2), mm(SUM_B, err), title="∂CE/∂b2", tag="db2", title_zh="∂CE/∂b2")
    d.step(mm(SUM_B, Grad(CE, Z2)),
           because("chain_rule", "dZ2 = 1 db2, so dCE = tr((∂CE/∂Z2)ᵀ 1 db2) = "
                   "tr((1ᵀ ∂CE/∂Z2)ᵀ db2)", "dZ2 = 1 db2"))
    d.step(mm(SUM_B, err), because("previous_result", "∂CE/∂Z2 = Ŷ − Y (delta2)",
                                   "∂CE/∂Z2 = Ŷ − Y（delta2）"))

    delta1 = had(mm(err, T(W2)), dsig(Z1))
    d.goal(Grad(CE, Z1), delta1, title="hidden error ∂CE/∂Z1", tag="delta1",
           title_zh="隐藏层误差 ∂CE/∂Z1")
    d.step(had(Grad(CE, H), dsig(Z1)),
           because("chain_rule", "H = σ(Z1) elementwise: dH = σ′(Z1) ⊙ dZ1",
                   "H = σ(Z1) 逐元素：dH = σ′(Z1) ⊙ dZ1"))
    d.step(had(mm(Grad(CE, Z2), T(W2)), dsig(Z1)),
           because("chain_rule", "Z2 = H W2 + 1 b2: dZ2 = dH W2, so ∂CE/∂H = (∂CE/∂Z2) W2ᵀ",
                   "dZ2 = dH W2，故 ∂CE/∂H = (∂CE/∂Z2) W2ᵀ"))
    d.step(delta1, because("previous_result", "∂CE/∂Z2 = Ŷ − Y (delta2)",
                           "∂CE/∂Z2 = Ŷ − Y（delta2）"))

    d.goal(Grad(CE, W1), mm(T(X), delta1), title="∂CE/∂W1", tag="dW1", title_zh="∂CE/∂W1")
    d.step(mm(T(X), Grad(CE, Z1)),
           because("chain_rule", "Z1 = X W1 + 1 b1: dZ1 = X dW1", "dZ1 = X dW1"))
    d.step(mm(T(X), delta1), because("previous_result", "∂CE/∂Z1 (delta1)", "∂CE/∂Z1（delta1）"))

    d.goal(Grad(CE, b1), mm(SUM_B, delta1), title="∂CE/∂b1", tag="db1", title_zh="∂CE/∂b1")
    d.step(mm(SUM_B, Grad(CE, Z1)), because("chain_rule", "dZ1 = 1 db1", "dZ1 = 1 db1"))
    d.step(mm(SUM_B, delta1), because("previous_result", "∂CE/∂Z1 (delta1)",
                                      "∂CE/∂Z1（delta1）"))
