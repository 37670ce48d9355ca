"""Justification kinds: the rule a step uses, with English and Chinese labels.

Declared once, as data; reports, the CLI and the JSON output read the labels
from here.  A :class:`Justification` names the kind and what it was applied to
(``chain rule`` applied to ``ln a_j``).
"""

from __future__ import annotations

from dataclasses import dataclass

# kind -> (English label, Chinese label)
KINDS: dict[str, tuple[str, str]] = {
    "definition": ("definition", "定义"),
    "substitution": ("substitution", "代入"),
    "chain_rule": ("chain rule", "链式法则"),
    "quotient_rule": ("quotient rule", "商的求导法则"),
    "product_rule": ("product rule", "乘积的求导法则"),
    "sum_rule": ("sum rule (linearity of the derivative)", "求导的线性性"),
    "linearity": ("linearity", "线性性"),
    "derivative": ("derivative of an elementary function", "基本初等函数的导数"),
    "log_derivative": ("derivative of the logarithm", "对数函数的导数"),
    "exp_derivative": ("derivative of the exponential", "指数函数的导数"),
    "kronecker_sum": ("Kronecker-delta sum", "克罗内克 δ 的筛选性质"),
    "kronecker_delta": ("Kronecker delta: ∂z_i/∂z_k = δ_ik", "克罗内克 δ：∂z_i/∂z_k = δ_ik"),
    "assumption": ("assumption", "假设"),
    "algebra": ("algebra (expand, collect, cancel)", "代数变形（展开、合并同类项、约分）"),
    "factor": ("factoring", "因式分解"),
    "case": ("case analysis", "分情况讨论"),
    "trace_cyclic": ("cyclic property of the trace", "迹的循环不变性"),
    "trace_transpose": ("trace of a transpose", "转置不改变迹"),
    "trace_linear": ("linearity of the trace", "迹的线性性"),
    "trace_scalar": ("a scalar equals its trace", "标量等于它自身的迹"),
    "hadamard_trace": ("Hadamard-product trace identity", "哈达玛积的迹恒等式"),
    "differential": ("matrix differential rule", "矩阵微分法则"),
    "differential_identification": (
        "identification: df = tr((∂f/∂X)ᵀ dX)", "由微分读出导数：df = tr((∂f/∂X)ᵀ dX)"),
    "transpose": ("transpose rules", "转置的运算法则"),
    "matrix_product": ("matrix product, entry by entry", "矩阵乘法（按分量写出）"),
    "limit": ("limit", "极限"),
    "evaluation": ("evaluation at a point", "代入数值计算"),
    "inequality": ("inequality", "不等式"),
    "square": ("completing the square", "配方"),
    "counterexample": ("counterexample", "反例"),
    "stationary_point": ("stationary point: derivative is zero", "驻点：导数为零"),
    "index_form": ("index form of a matrix expression", "矩阵表达式的分量形式"),
    "bp": ("backpropagation equation", "反向传播方程"),
    "previous_result": ("previous result", "已证结论"),
    "log_rules": ("rules of logarithms", "对数运算法则"),
    "exp_rules": ("rules of exponents", "指数运算法则"),
    "sum_split": ("splitting a sum", "和式拆分"),
    "identity": ("known identity", "已知恒等式"),
    "truth_table": ("truth table", "真值表"),
}


@dataclass(frozen=True)
class Justification:
    """Why a step holds: a rule ``kind`` and what it was applied to (``detail``)."""

    kind: str
    detail: str = ""
    detail_zh: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            from ..errors import DerivationError

            raise DerivationError(f"unknown justification kind '{self.kind}'",
                                  hint=f"use one of: {', '.join(sorted(KINDS))}")

    @property
    def label(self) -> str:
        return KINDS[self.kind][0]

    @property
    def label_zh(self) -> str:
        return KINDS[self.kind][1]

    def text(self, lang: str = "en") -> str:
        if lang == "zh":
            detail = self.detail_zh or self.detail
            return f"{self.label_zh}：{detail}" if detail else self.label_zh
        return f"{self.label}: {self.detail}" if self.detail else self.label


def because(kind: str, detail: str = "", zh: str = "") -> Justification:
    """Shorthand used by the catalog: ``because("chain_rule", "ln a_j")``."""
    return Justification(kind, detail, zh)
