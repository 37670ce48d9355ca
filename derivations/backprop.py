"""Backpropagation in matrix form, by the chain rule on matrix gradients.

Every ``∂f/∂X`` below is a :class:`symbp.core.matrixcalc.Grad`, checked by the
witnesses on explicit matrices (entry by entry), at several distinct shapes.
A derivative by an intermediate variable (∂CE/∂Z2, ∂J/∂z1) is taken with that
variable held independent and evaluated at its forward-pass value
(:mod:`symbp.core.intermediate`).

For the code generator: each part's goal right-hand side is a clean matrix
formula (MatMul → @, Transpose → .T, HadamardProduct → *, ``OneMatrix(1, B)``
on the left is a sum over the batch, ``OneMatrix(B, 1)`` times a row vector is
broadcasting).  σ′(M) is ``ElementwiseApplyFunction(Lambda(x, Derivative(sigma(x), x)), M)``
with ``sigma`` = :data:`sigma` of this module, a *generic* activation (an undefined
function named "sigma"; its ``_imp_`` is the logistic sigmoid, used only by the
numeric witness): substitute the derivative of the activation you generate for.
Find the formulas with ``symbp.derive(name).part_result(tag)`` or
``derivation.parts[i].goal_rhs``.  Symbols, per entry:

``three_layer_net`` (rows layout, batch × features; ``Z1 = X W1 + 1 b1``,
``H = σ(Z1)``, ``Z2 = H W2 + 1 b2``, ``Yhat = softmax_rows(Z2)``,
``CE = −tr(Yᵀ log Yhat)`` summed over the batch):
    X (B×n0), W1 (n0×n1), b1 (1×n1), Z1, H (B×n1), W2 (n1×n2), b2 (1×n2),
    Z2, Yhat, Y (B×n2); witnesses use B = 2, n0 = 1, n1 = 2, n2 = 2.
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
from symbp.core.matrixcalc import ElemExp, ElemLog, Grad, RowSoftmax, rows_sum_to_one


def _logistic(x):
    return 1 / (1 + mpmath.exp(-x))


# A generic activation σ: symbolically an undefined function whose derivative is the
# undefined σ′ (so the symbolic witness proves each step for every differentiable σ);
# numerically (``_imp_``) the logistic sigmoid and its derivative σ(1 − σ).
def _logistic_derivative(order):
    """The order-th derivative of the logistic σ, as a polynomial in σ (mpmath)."""
    s = sp.Symbol("s")
    poly = s
    for _ in range(order):
        poly = sp.expand(sp.diff(poly, s) * s * (1 - s))  # dσ/dz = σ(1 − σ)
    f = sp.lambdify(s, poly, modules="mpmath")
    return lambda x: f(_logistic(x))


def _generic(order: int = 0, top: int = 4):
    """σ, σ′, σ″, … as undefined functions, each the derivative of the previous one."""
    name = "sigma" + "'" * order
    kwargs = {"_imp_": staticmethod(_logistic_derivative(order))}
    if order < top:
        nxt = _generic(order + 1, top)
        kwargs["fdiff"] = lambda self, argindex=1: nxt(self.args[0])
    return UndefinedFunction(name, real=True, finite=True, **kwargs)


sigma = _generic()
sigma_prime = sigma(sp.Symbol("x")).diff(sp.Symbol("x")).func

GENERIC_SIGMA_NOTE = (
    ("σ is a generic differentiable activation: the symbolic witness treats σ and σ′ as "
     "unknown functions (so each step is proved for every σ); the numeric witness evaluates "
     "them as the logistic sigmoid and its derivative."),
    ("σ 为一般的可微激活函数：符号验证把 σ 与 σ′ 视为未知函数（故每一步对任意 σ 成立）；"
     "数值验证用 logistic sigmoid 及其导数代入。"))

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
            source="course notes: z1 = xW1 + b1, h = σ(z1), z2 = hW2 + b2, ŷ = softmax(z2)",
            summary_zh="行向量布局的网络 X→σ→softmax，配合交叉熵 CE：∂CE/∂W2 = Hᵀ(Ŷ − Y)，"
                       "∂CE/∂W1 = Xᵀ((Ŷ − Y)W2ᵀ ⊙ σ′(Z1))，以及偏置的梯度",
            source_zh="课程讲义：z1 = xW1 + b1，h = σ(z1)，z2 = hW2 + b2，ŷ = softmax(z2)")
def three_layer_net(d):
    """Rows layout (one example per row); every gradient by the chain rule on Z2, H, Z1."""
    d.size(B, 2)
    d.size(n0, 1)
    d.size(n1, 2)
    d.size(n2, 2)
    d.note(*GENERIC_SIGMA_NOTE)
    d.define(Z1, mm(X, W1) + mm(ONES_B, b1), "hidden pre-activation (bias broadcast)")
    d.define(H, sig(Z1), "hidden activation")
    d.define(Z2, mm(H, W2) + mm(ONES_B, b2), "output pre-activation")
    d.define(Yhat, RowSoftmax(Z2), "softmax of each row")
    d.define(CE, -sp.Trace(mm(T(Y), ElemLog(Yhat))), "cross-entropy, summed over the batch")
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
    lse = ElemLog(mm(ElemExp(Z2), ones_n2))  # log Σ_j e^{Z2_bj}

    d.goal(Grad(CE, Z2), err, title="output error ∂CE/∂Z2", tag="delta2",
           title_zh="输出层误差 ∂CE/∂Z2")
    d.step(Grad(-sp.Trace(mm(T(Y), ElemLog(Yhat))), Z2),
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


# ---------------------------------------------------------------------------
# columns layout: BP1–BP4 by matrix calculus, quadratic loss
# ---------------------------------------------------------------------------
m0, m1, m2 = size("n_0"), size("n_1"), size("n_2")
a0 = sp.MatrixSymbol("a0", m0, 1)
V1, c1 = sp.MatrixSymbol("W1", m1, m0), sp.MatrixSymbol("b1", m1, 1)
z1, a1 = sp.MatrixSymbol("z1", m1, 1), sp.MatrixSymbol("a1", m1, 1)
V2, c2 = sp.MatrixSymbol("W2", m2, m1), sp.MatrixSymbol("b2", m2, 1)
z2, a2, yv = (sp.MatrixSymbol(s, m2, 1) for s in ("z2", "a2", "y"))
J = sp.Symbol("J", real=True)


@derivation("backprop_matrix",
            "BP1–BP4 in matrix form by matrix calculus: δ^L = (a^L − y) ⊙ σ′(z^L), "
            "∂z^{l+1}/∂z^l = W^{l+1} diag(σ′(z^l)), δ^l = (W^{l+1})ᵀδ^{l+1} ⊙ σ′(z^l), "
            "∂J/∂b^l = δ^l, ∂J/∂W^l = δ^l (a^{l−1})ᵀ",
            group="backprop", title="Backpropagation in matrix form (columns layout)",
            title_zh="矩阵形式的反向传播（列布局）",
            source="course notes: matrix differentials, J = ½‖a^L − y‖², z = W a + b",
            summary_zh="用矩阵微积分推导矩阵形式的 BP1–BP4：δ^L = (a^L − y) ⊙ σ′(z^L)，"
                       "∂z^{l+1}/∂z^l = W^{l+1} diag(σ′(z^l))，δ^l = (W^{l+1})ᵀδ^{l+1} ⊙ σ′(z^l)，"
                       "∂J/∂b^l = δ^l，∂J/∂W^l = δ^l (a^{l−1})ᵀ",
            source_zh="课程讲义：矩阵微分，J = ½‖a^L − y‖²，z = W a + b")
def backprop_matrix(d):
    """Columns layout; layer 1 is a hidden layer l, layer 2 the output layer l + 1 = L."""
    d.size(m0, 2)
    d.size(m1, 3)
    d.size(m2, 2)
    d.define(z1, mm(V1, a0) + c1, "hidden pre-activation z^l = W^l a^{l−1} + b^l")
    d.define(a1, sig(z1), "hidden activation")
    d.define(z2, mm(V2, a1) + c2, "output pre-activation")
    d.define(a2, sig(z2), "output activation")
    d.define(J, sp.Trace(mm(T(a2 - yv), a2 - yv)) / 2, "quadratic loss ½‖a^L − y‖²")
    d.note(*GENERIC_SIGMA_NOTE)
    d.note("Layer 1 plays a general hidden layer l (a0 = a^{l−1}) and layer 2 the next layer "
           "l + 1 = L.  The BP2 steps use only ∂J/∂z^{l+1} and z^{l+1} = W^{l+1}σ(z^l) + b^{l+1}, "
           "so they hold whatever comes after layer l + 1; the witnesses evaluate them with "
           "the quadratic loss directly after it.",
           "第 1 层代表一般隐藏层 l（a0 = a^{l−1}），第 2 层为 l + 1 = L。BP2 的步骤只用到 "
           "∂J/∂z^{l+1} 与 z^{l+1} = W^{l+1}σ(z^l) + b^{l+1}，故与其后各层无关；验证时其后直接接二次损失。")

    delta2 = had(a2 - yv, dsig(z2))
    d.goal(Grad(J, z2), delta2, title="BP1: output error δ^L", tag="BP1",
           title_zh="BP1：输出层误差 δ^L")
    d.step(had(Grad(J, a2), dsig(z2)),
           because("chain_rule", "a^L = σ(z^L) elementwise: da = σ′(z) ⊙ dz and "
                   "tr(gᵀ(s ⊙ dz)) = tr((g ⊙ s)ᵀ dz)", "a^L = σ(z^L) 逐元素：da = σ′(z) ⊙ dz"))
    d.step(had(Grad(sp.Trace(mm(T(a2 - yv), a2 - yv)) / 2, a2), dsig(z2)),
           because("definition", "J = ½ (a − y)ᵀ(a − y)", "J = ½ (a − y)ᵀ(a − y)"))
    d.step(delta2, because("differential", "dJ = ½ d((a − y)ᵀ(a − y)) = (a − y)ᵀ da",
                           "dJ = ½ d((a − y)ᵀ(a − y)) = (a − y)ᵀ da"))

    jac = mm(V2, sp.DiagMatrix(dsig(z1)))
    d.goal(Grad(z2, z1), jac, title="Jacobian ∂z^{l+1}/∂z^l", tag="jacobian",
           title_zh="雅可比矩阵 ∂z^{l+1}/∂z^l")
    d.step(Grad(mm(V2, a1) + c2, z1),
           because("definition", "z^{l+1} = W^{l+1} a^l + b^{l+1}", "z^{l+1} = W^{l+1} a^l + b^{l+1}"))
    d.step(mm(V2, Grad(a1, z1)), because("differential", "dz^{l+1} = W^{l+1} da^l",
                                         "dz^{l+1} = W^{l+1} da^l"))
    d.step(jac, because("chain_rule", "a^l = σ(z^l) elementwise: ∂a_i/∂z_j = σ′(z_i) δ_ij",
                        "a^l = σ(z^l) 逐元素：∂a_i/∂z_j = σ′(z_i) δ_ij"))

    delta1 = had(mm(T(V2), delta2), dsig(z1))
    d.goal(Grad(J, z1), delta1, title="BP2: δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)", tag="BP2",
           title_zh="BP2：δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)")
    d.step(mm(T(Grad(z2, z1)), Grad(J, z2)),
           because("chain_rule", "dJ = (∂J/∂z^{l+1})ᵀ dz^{l+1} = (∂J/∂z^{l+1})ᵀ (∂z^{l+1}/∂z^l) dz^l",
                   "dJ = (∂J/∂z^{l+1})ᵀ (∂z^{l+1}/∂z^l) dz^l"))
    d.step(mm(T(jac), Grad(J, z2)), because("previous_result", "the Jacobian (part 2)",
                                            "雅可比矩阵（第 2 部分）"))
    d.step(mm(sp.DiagMatrix(dsig(z1)), T(V2), Grad(J, z2)),
           because("transpose", "(AB)ᵀ = BᵀAᵀ and diag(s)ᵀ = diag(s)", "(AB)ᵀ = BᵀAᵀ，diag(s)ᵀ = diag(s)"))
    d.step(had(mm(T(V2), Grad(J, z2)), dsig(z1)),
           because("identity", "diag(s) v = s ⊙ v", "diag(s) v = s ⊙ v"))
    d.step(delta1, because("previous_result", "BP1: ∂J/∂z^{l+1} = δ^{l+1}", "BP1：∂J/∂z^{l+1} = δ^{l+1}"))

    d.goal(Grad(J, c1), delta1, title="BP3: ∂J/∂b^l = δ^l", tag="BP3", title_zh="BP3：∂J/∂b^l = δ^l")
    d.step(mm(T(Grad(z1, c1)), Grad(J, z1)),
           because("chain_rule", "dJ = (∂J/∂z^l)ᵀ (∂z^l/∂b^l) db^l", "dJ = (∂J/∂z^l)ᵀ (∂z^l/∂b^l) db^l"))
    d.step(Grad(J, z1), because("differential", "z^l = W^l a^{l−1} + b^l: ∂z^l/∂b^l = I",
                                "z^l = W^l a^{l−1} + b^l：∂z^l/∂b^l = I"))
    d.step(delta1, because("previous_result", "BP2", "BP2"))

    d.goal(Grad(J, V1), mm(delta1, T(a0)), title="BP4: ∂J/∂W^l = δ^l (a^{l−1})ᵀ", tag="BP4",
           title_zh="BP4：∂J/∂W^l = δ^l (a^{l−1})ᵀ")
    d.step(mm(Grad(J, z1), T(a0)),
           because("differential_identification",
                   "dz^l = dW^l a^{l−1}: dJ = tr((∂J/∂z^l)ᵀ dW^l a^{l−1}) = tr((∂J/∂z^l (a^{l−1})ᵀ)ᵀ dW^l)",
                   "dz^l = dW^l a^{l−1}：dJ = tr((∂J/∂z^l (a^{l−1})ᵀ)ᵀ dW^l)"))
    d.step(mm(delta1, T(a0)), because("previous_result", "BP2", "BP2"))
