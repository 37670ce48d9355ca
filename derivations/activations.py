"""Activation derivatives, derived step by step from the registry's expressions.

Public API (used by the code generator, reports and the catalog below)::

    activation_derivation(act, name=None) -> symbp.core.proof.Derivation
    activation_derivative_result(act) -> (f′ in z, f′ in a or None)
    OUTPUT  # the Symbol a (a := f(z)) in which the second result is written

``act`` is any :class:`symbp.nn.activations.Activation` — a registry entry
(``ACTIVATIONS.get("sigmoid")``) or a user's own
(``custom("softsign", z/(1 + Abs(z)))``).  The derivation defines
``f(z) := act.expr`` and has

* a part tagged ``"derivative"``: ``d f(z)/dz = f′(z)``, one differentiation
  rule per step (sum, linearity, quotient, product, chain rule), then the
  elementary derivatives, then simplification — all produced by SymPy
  operations on ``act.expr`` (:mod:`derivations._calculus`), none typed per
  activation;
* when one exists, a part tagged ``"in_terms_of_output"``:
  ``d f(z)/dz = g(a)`` with ``a := f(z)``, found by solving ``a = f(z)`` for a
  subexpression of f (e.g. e^{−z} = (1 − a)/a for the sigmoid) and
  substituting.  A candidate is kept only if both witnesses confirm
  ``g(f(z)) = f′(z)``; otherwise the part is omitted (ReLU: H(max(0, z)) ≠ H(z)
  for z < 0; softsign).

:func:`activation_derivative_result` verifies that derivation and returns its
goals; it raises :class:`symbp.errors.DerivationError` if any step fails, so
generated code only ever uses verified derivatives.

The catalog entries ``sigmoid``, ``tanh``, ``tanh_scaled``, ``relu`` and
``softplus`` are built on :func:`build_activation` and add their own parts
(σ′ ≤ 1/4, the ReLU kink, softplus′ = σ, …).
"""

from __future__ import annotations

import functools

import sympy as sp

from derivations._calculus import derivative_moves, output_forms
from symbp.catalog import derivation
from symbp.core.context import Context, Definition
from symbp.core.justify import because
from symbp.core.proof import Builder, Derivation
from symbp.core.verdict import Verdict
from symbp.core.witness import check_equation
from symbp.errors import DerivationError
from symbp.nn.activations import ACTIVATIONS, Activation, sigma, z
from symbp.notation.text_out import text

OUTPUT = sp.Symbol("a", real=True)  # a := f(z), the unit's output


def build_activation(d: Builder, act: Activation) -> dict:
    """Record ``f(z) := expr`` and the generic parts in ``d``.

    Returns ``{"fz": f(z), "fprime": f′(z), "ga": g(a) or None}`` for entries
    that add parts of their own.
    """
    fz = act.applied
    d.define(fz, act.expr, act.name)
    d.domain(z, *act.domain)
    lhs = sp.Derivative(fz, z)
    moves = derivative_moves(act.expr, z)
    fprime = moves[-1].rhs if moves else sp.diff(act.expr, z)
    d.goal(lhs, fprime, title=f"derivative of {act.name}", tag="derivative",
           title_zh=f"{act.name} 的导数")
    d.step(sp.Derivative(act.expr, z),
           because("definition", f"{text(fz)} = {text(act.expr)}",
                   f"{text(fz)} = {text(act.expr)}"))
    for m in moves:
        d.step(m.rhs, because(m.kind, m.detail, m.detail_zh))
    if not moves:
        raise DerivationError(f"activation '{act.name}': SymPy could not differentiate it",
                              hint="give an expression in z that SymPy can differentiate")
    d.define(OUTPUT, fz, "output")
    ga = _output_part(d, act, fz, fprime)
    return {"fz": fz, "fprime": fprime, "ga": ga}


def _output_part(d: Builder, act: Activation, fz, fprime):
    """The ``in_terms_of_output`` part, if a verified g(a) exists (else None)."""
    ctx = Context(definitions=[Definition(fz, act.expr)], domains={"z": act.domain})
    for s, k, raw, g in output_forms(act.expr, fprime, z, OUTPUT):
        check = check_equation(fprime, g.xreplace({OUTPUT: fz}), ctx, timeout=2.0)
        if check.verdict is not Verdict.TRUE:
            continue
        d.goal(sp.Derivative(fz, z), g, title=f"derivative of {act.name} in terms of its output",
               tag="in_terms_of_output", title_zh=f"用输出 a 表示的 {act.name} 导数")
        d.step(fprime, because("previous_result", f"the derivative of {act.name} (part 1)",
                               f"{act.name} 的导数（第 1 部分）"))
        detail = (f"a = {text(act.expr)} solved for {text(s)}: {text(s)} = {text(k)}")
        detail_zh = f"由 a = {text(act.expr)} 解出 {text(s)}：{text(s)} = {text(k)}"
        if raw != fprime:
            d.step(raw, because("substitution", detail, detail_zh))
        if g != raw:
            d.step(g, because("algebra", "simplify", "化简"))
        return g
    return None


def activation_derivation(act: Activation, name: str | None = None) -> Derivation:
    """The derivation of ``act``'s derivative (see the module docstring)."""
    d = Builder(name or act.name)
    build_activation(d, act)
    return d.build(f"Derivative of {act.name}", f"f′(z) for f(z) = {text(act.expr)}",
                   "activations", f"{act.name} 的导数")


@functools.lru_cache(maxsize=64)
def activation_derivative_result(act: Activation) -> tuple[sp.Expr, sp.Expr | None]:
    """``(f′(z), g(a) or None)`` taken from the *verified* derivation of ``act``.

    ``g`` is written in :data:`OUTPUT` (the Symbol ``a``).  Raises
    DerivationError naming the failing step if the derivation does not verify.
    """
    from symbp.api import verify

    v = verify(activation_derivation(act))
    if not v.verified:
        bad = ", ".join(f"({r.index}) {r.step.because.text()}" for r in v.failures)
        raise DerivationError(f"the derivative of activation '{act.name}' could not be verified: "
                              f"step(s) {bad}",
                              hint="simplify the activation's expression or check it is "
                                   "differentiable")
    fprime = v.part_result("derivative")[2]
    try:
        ga = v.part_result("in_terms_of_output")[2]
    except KeyError:
        ga = None
    return fprime, ga


# --------------------------------------------------------------------------
# Catalog entries: the generic parts above, then what each function adds.
# --------------------------------------------------------------------------

NIELSEN = "Nielsen, Neural Networks and Deep Learning"
NIELSEN_ZH = "Nielsen，《Neural Networks and Deep Learning》"
HALF = sp.Rational(1, 2)


def _unevaluated(*factors):
    return sp.Mul(*factors, evaluate=False)


@derivation("sigmoid", "σ′(z) = σ(z)(1 − σ(z)); its maximum is 1/4, at z = 0",
            group="activations", title="Sigmoid: σ′ = σ(1 − σ) ≤ 1/4",
            title_zh="Sigmoid：σ′ = σ(1 − σ) ≤ 1/4", source=f"{NIELSEN}, ch. 1 and ch. 5",
            summary_zh="σ′(z) = σ(z)(1 − σ(z))；其最大值 1/4 在 z = 0 处取到",
            source_zh=f"{NIELSEN_ZH}第 1 章与第 5 章")
def sigmoid_entry(d):
    """σ′ = σ(1 − σ) (generic parts), then 1/4 − σ(1 − σ) = (σ − 1/2)² ≥ 0,
    σ′(0) = 1/4 and σ″ = σ′(1 − 2σ)."""
    build_activation(d, ACTIVATIONS.get("sigmoid"))
    s, ds = sigma(z), sp.Derivative(sigma(z), z)
    d.goal(ds, sp.Rational(1, 4), title="upper bound", rel="<=", tag="bound",
           title_zh="上界")
    d.step(s * (1 - s), because("previous_result", "σ′ = σ(1 − σ) (part 2 with a = σ(z))",
                                "σ′ = σ(1 − σ)（第 2 部分，a = σ(z)）"))
    d.step(sp.Rational(1, 4) - (s - HALF)**2,
           because("square", "σ(1 − σ) = 1/4 − (σ − 1/2)²", "σ(1 − σ) = 1/4 − (σ − 1/2)²"))
    d.step(sp.Rational(1, 4), because("inequality", "(σ − 1/2)² ≥ 0", "(σ − 1/2)² ≥ 0"),
           rel="<=")

    d.goal(sp.Subs(ds, z, 0), sp.Rational(1, 4), title="the bound is attained at z = 0",
           tag="maximum", title_zh="z = 0 处取到上界")
    d.step(sigma(0) * (1 - sigma(0)), because("previous_result", "σ′ = σ(1 − σ) at z = 0",
                                              "σ′ = σ(1 − σ)，取 z = 0"))
    d.step(_unevaluated(HALF, sp.Add(1, -HALF, evaluate=False)),
           because("evaluation", "σ(0) = 1/(1 + e⁰) = 1/2", "σ(0) = 1/(1 + e⁰) = 1/2"))
    d.step(sp.Rational(1, 4), because("algebra", "(1/2)(1/2) = 1/4", "(1/2)(1/2) = 1/4"))

    d.goal(sp.Derivative(s, (z, 2)), ds * (1 - 2 * s), title="second derivative",
           tag="second_derivative", title_zh="二阶导数")
    d.step(sp.Derivative(s * (1 - s), z),
           because("previous_result", "differentiate σ′ = σ(1 − σ) once more",
                   "对 σ′ = σ(1 − σ) 再求一次导"))
    d.step(ds * (1 - s) - s * ds,
           because("product_rule", "(σ·(1 − σ))′ = σ′(1 − σ) + σ·(−σ′)",
                   "(σ·(1 − σ))′ = σ′(1 − σ) + σ·(−σ′)"))
    d.step(ds * (1 - 2 * s), because("factor", "σ′ taken out", "提出 σ′"))
    d.note("σ″(0) = σ′(0)(1 − 2σ(0)) = (1/4)(1 − 2·1/2) = 0: z = 0 is where σ′ is largest.",
           "σ″(0) = σ′(0)(1 − 2σ(0)) = (1/4)(1 − 2·1/2) = 0：σ′ 在 z = 0 处最大。")
    d.note("Why deep sigmoid networks learn slowly: by BP2 the error of layer l is "
           "δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l), so every layer multiplies the gradient by "
           "factors σ′ ≤ 1/4; unless the weights are large, the gradient shrinks at least "
           "4-fold per layer (vanishing gradient), and saturated units (|z| large, σ′ ≈ 0) "
           "hardly learn at all.",
           "深层 sigmoid 网络学习缓慢的原因：由 BP2，δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)，"
           "每经过一层梯度都要乘以 σ′ ≤ 1/4 的因子；除非权重很大，梯度每层至少缩小 4 倍"
           "（梯度消失），饱和单元（|z| 大，σ′ ≈ 0）几乎不学习。")


@derivation("tanh", "tanh′(z) = 1 − tanh²(z), also from tanh = sinh/cosh",
            group="activations", title="tanh: tanh′ = 1 − tanh²",
            title_zh="tanh：tanh′ = 1 − tanh²", source=f"{NIELSEN}, ch. 3 (other neurons)",
            summary_zh="tanh′(z) = 1 − tanh²(z)，也可由 tanh = sinh/cosh 推出",
            source_zh=f"{NIELSEN_ZH}第 3 章（其他神经元模型）")
def tanh_entry(d):
    """Generic parts, then tanh = sinh/cosh and the quotient rule: (cosh² − sinh²)/cosh²."""
    act = ACTIVATIONS.get("tanh")
    build_activation(d, act)
    fz = act.applied
    sh, ch = sp.sinh(z), sp.cosh(z)
    d.goal(sp.Derivative(fz, z), 1 - sp.tanh(z)**2, title="from tanh = sinh/cosh",
           tag="quotient", title_zh="由 tanh = sinh/cosh 推导")
    d.step(sp.Derivative(sh / ch, z),
           because("definition", "tanh z = sinh z / cosh z", "tanh z = sinh z / cosh z"))
    d.step((ch * sp.Derivative(sh, z) - sh * sp.Derivative(ch, z)) / ch**2,
           because("quotient_rule", "p = sinh z, q = cosh z", "p = sinh z，q = cosh z"))
    d.step((ch * ch - sh * sh) / ch**2,
           because("derivative", "sinh′ = cosh, cosh′ = sinh", "sinh′ = cosh，cosh′ = sinh"))
    d.step(1 - (sh / ch)**2, because("algebra", "split the fraction", "拆分分式"))
    d.step(1 - sp.tanh(z)**2, because("definition", "sinh z / cosh z = tanh z",
                                      "sinh z / cosh z = tanh z"))


A_, B_ = sp.Symbol("A", positive=True), sp.Symbol("B", positive=True)


@derivation("tanh_scaled", "f(z) = 1.7159·tanh(2z/3): f′ = 1.7159·(2/3)·(1 − a²/1.7159²)",
            group="activations", title="Scaled tanh: f′ in terms of the output a",
            title_zh="缩放 tanh：用输出 a 表示 f′",
            source="LeCun et al., Efficient BackProp (1998); the course's tanh_opt",
            summary_zh="f(z) = 1.7159·tanh(2z/3)：用输出 a 表示，f′ = 1.7159·(2/3)·(1 − a²/1.7159²)",
            source_zh="LeCun 等，Efficient BackProp（1998）；即课程中的 tanh_opt")
def tanh_scaled_entry(d):
    """Generic parts, then the course's form A·B·(1 − a²/A²) with A = 1.7159, B = 2/3."""
    act = ACTIVATIONS.get("tanh_scaled")
    build_activation(d, act)
    fz = act.applied
    d.define(A_, sp.Rational(17159, 10000), "amplitude")
    d.define(B_, sp.Rational(2, 3), "slope")
    t = sp.tanh(B_ * z)
    d.goal(sp.Derivative(fz, z), A_ * B_ * (1 - OUTPUT**2 / A_**2),
           title="the course's form, with A = 1.7159 and B = 2/3", tag="course_form",
           title_zh="课程中的形式，A = 1.7159，B = 2/3")
    d.step(sp.Derivative(A_ * t, z), because("definition", "f(z) = A·tanh(B·z)",
                                             "f(z) = A·tanh(B·z)"))
    d.step(A_ * (1 - t**2) * sp.Derivative(B_ * z, z),
           because("chain_rule", "tanh′(u) = 1 − tanh²(u) with u = B·z",
                   "tanh′(u) = 1 − tanh²(u)，u = B·z"))
    d.step(A_ * B_ * (1 - t**2), because("derivative", "d(B·z)/dz = B", "d(B·z)/dz = B"))
    d.step(A_ * B_ * (1 - OUTPUT**2 / A_**2),
           because("substitution", "tanh(B·z) = a/A since a = A·tanh(B·z)",
                   "由 a = A·tanh(B·z) 得 tanh(B·z) = a/A"))


@derivation("relu", "ReLU′(z) = step(z) for z ≠ 0; at z = 0 the one-sided slopes are 1 and 0",
            group="activations", title="ReLU: derivative and the kink at 0",
            title_zh="ReLU：导数与 0 处的折点", source=f"{NIELSEN}, ch. 3 (other neurons)",
            summary_zh="z ≠ 0 时 ReLU′(z) = step(z)；在 z = 0 处右导数为 1，左导数为 0",
            source_zh=f"{NIELSEN_ZH}第 3 章（其他神经元模型）")
def relu_entry(d):
    """Generic part (Heaviside for z ≠ 0), then the kink: right slope − left slope = 1."""
    act = ACTIVATIONS.get("relu")
    build_activation(d, act)
    h = sp.Symbol("h", real=True)
    q = (act.func(h) - act.func(0)) / h
    d.goal(sp.Limit(q, h, 0, "+") - sp.Limit(q, h, 0, "-"), 1,
           title="the slopes at 0 from the right and from the left differ by 1", tag="kink",
           title_zh="0 处右导数与左导数相差 1")
    d.step(sp.Limit(sp.Max(0, h) / h, h, 0, "+") - sp.Limit(sp.Max(0, h) / h, h, 0, "-"),
           because("definition", "ReLU(h) = max(0, h), ReLU(0) = 0",
                   "ReLU(h) = max(0, h)，ReLU(0) = 0"))
    d.step(sp.Limit(sp.Mul(h, 1 / h, evaluate=False), h, 0, "+")
           - sp.Limit(sp.Mul(0, 1 / h, evaluate=False), h, 0, "-"),
           because("case", "max(0, h) = h for h > 0 and 0 for h < 0",
                   "h > 0 时 max(0, h) = h，h < 0 时为 0"))
    d.step(1, because("limit", "right slope 1, left slope 0", "右导数 1，左导数 0"))
    d.note("The derivative exists for z ≠ 0 (1 for z > 0, 0 for z < 0) but not at z = 0: the "
           "one-sided slopes differ. SymPy's Heaviside(0) = 1/2 is a convention; any value "
           "in [0, 1] is a subgradient, and code usually takes 0 there.",
           "z ≠ 0 时导数存在（z > 0 为 1，z < 0 为 0），z = 0 处不存在：左右导数不同。"
           "SymPy 的 Heaviside(0) = 1/2 只是约定；[0, 1] 中任一值都是次梯度，代码中通常取 0。")


@derivation("softplus", "softplus′(z) = σ(z): the derivative of ln(1 + e^z) is the sigmoid",
            group="activations", title="Softplus: its derivative is σ",
            title_zh="Softplus：其导数是 σ", source=f"{NIELSEN}, ch. 3 (exercise)",
            summary_zh="softplus′(z) = σ(z)：ln(1 + e^z) 的导数就是 sigmoid 函数",
            source_zh=f"{NIELSEN_ZH}第 3 章（练习）")
def softplus_entry(d):
    """Generic parts, then e^z/(1 + e^z) = 1/(1 + e^{−z}) = σ(z)."""
    act = ACTIVATIONS.get("softplus")
    info = build_activation(d, act)
    d.define(sigma(z), ACTIVATIONS.get("sigmoid").expr, "sigmoid")
    d.goal(sp.Derivative(act.applied, z), sigma(z), title="the derivative is the sigmoid",
           tag="sigmoid", title_zh="导数是 sigmoid")
    d.step(info["fprime"], because("previous_result", "part 1", "第 1 部分"))
    d.step(1 / (1 + sp.exp(-z)), because("algebra", "divide numerator and denominator by e^z",
                                         "分子分母同除以 e^z"))
    d.step(sigma(z), because("definition", "σ(z) = 1/(1 + e^{−z})", "σ(z) = 1/(1 + e^{−z})"))
