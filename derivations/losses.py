"""Output-layer errors δ^L = ∂C/∂z^L for output/cost pairs (Nielsen ch. 3), and facts about the costs.

API used by the code generator (one derivation logic for every pair)
--------------------------------------------------------------------
``output_delta_derivation(output, loss) -> Derivation``
    ``output``: a name in :data:`symbp.nn.activations.ACTIVATIONS`, an
    :class:`~symbp.nn.activations.Activation` (e.g. ``custom("softsign", z/(1+Abs(z)))``)
    or ``"softmax"``; ``loss``: a name in :data:`symbp.nn.losses.LOSSES`
    (``ce``, ``bce``, ``mse``).  The cost of one sample is C = Σ_i ℓ(a_i, y_i)
    over n output units with a_i = f(z_i) (softmax: a_i = e^{z_i}/Σ_m e^{z_m}).
    The last part (tag ``"delta"``) has goal ``Derivative(C, z[j]) = δ_j``:
    sum rule → chain rule (ℓ′ taken from the registry's ℓ by ``sympy.diff``) →
    ∂a_i/∂z_j = δ_ij f′(z_j) → Kronecker sum → f′ written in the output a
    where an equivalent form in a is found (and checked by both witnesses) →
    cancellation when it simplifies (σ+bce, softmax+ce, linear+mse end at
    a_j − y_j).  Invalid pairs raise :class:`symbp.errors.UsageError`:
    ``ce`` needs a softmax output; ``bce`` needs outputs in (0, 1); ``softmax``
    is supported with ``ce`` only (with other losses δ couples all units).
``output_delta_result(output, loss) -> sympy.Expr``
    δ_j from the *verified* derivation (raises ``DerivationError`` if it does
    not verify), in the plain real Symbols ``symbp.nn.losses.a`` (the output
    a_j), ``symbp.nn.losses.y`` (the target y_j) and ``symbp.nn.activations.z``
    (the weighted input z_j, e.g. ``Heaviside(z)`` for ReLU).

Catalog entries here: softmax_ce, sigmoid_bce, sigmoid_mse, linear_mse,
binary_entropy, ce_form, sigmoid_not_normalized.
"""

from __future__ import annotations

from functools import lru_cache

import mpmath
import sympy as sp
from sympy import Derivative, KroneckerDelta, Sum, exp, log

from derivations._notation import C, a, al, b, j, k, n, w, y, z, zl
from derivations.activations import activation_derivative_result
from symbp.catalog import derivation
from symbp.core.context import Assumption, sum_equals_one
from symbp.core.expr import fresh
from symbp.core.justify import because
from symbp.core.proof import Builder, Derivation
from symbp.errors import DerivationError, UsageError
from symbp.nn import activations as _acts
from symbp.nn import losses as _losses
from symbp.nn.activations import ACTIVATIONS, Activation
from symbp.nn.losses import LOSSES, Loss
from symbp.notation.text_out import text

SOFTMAX = "softmax"
_A, _Y, _Z = _losses.a, _losses.y, _acts.z


# --- pair rules, as data -------------------------------------------------------
def _in_unit_interval(act: Activation) -> bool:
    """f(z) ∈ (0, 1) at 161 points of [−40, 40] (a usage check, not a proof)."""
    f = sp.lambdify(_Z, act.expr, modules="mpmath")
    with mpmath.workdps(30):
        try:
            vals = [mpmath.re(f(mpmath.mpf(t) / 2)) for t in range(-80, 81)]
        except (ValueError, ZeroDivisionError, TypeError):
            return False
    return all(0 < v < 1 for v in vals)


# loss -> (is the output acceptable?, what to tell the user)
_PAIR_RULES = {
    "ce": (lambda out: out == SOFTMAX,
           "the log-likelihood cost −Σ y_j ln a_j needs a softmax output (outputs summing to 1)",
           "use --output softmax with ce, or bce for sigmoid outputs"),
    "bce": (lambda out: out != SOFTMAX and _in_unit_interval(out),
            "binary cross-entropy needs every output in (0, 1) (it takes ln a and ln(1 − a))",
            "use a sigmoid output with bce, or the mse loss"),
    "mse": (lambda out: out != SOFTMAX,
            "a softmax output couples all units, so its δ for mse has no per-unit form",
            "use softmax with ce, or an elementwise output (sigmoid, linear, …) with mse"),
}


def resolve_output(output) -> Activation | str:
    """``"softmax"``, a registered activation name, or an Activation object."""
    if isinstance(output, Activation):
        return output
    if output == SOFTMAX:
        return SOFTMAX
    if not isinstance(output, str):
        raise UsageError(f"output must be an activation name or Activation, not {output!r}",
                         hint=f"use one of: softmax, {', '.join(ACTIVATIONS.names())}")
    return ACTIVATIONS.get(output, option="--output")


def _check_pair(out, loss: Loss) -> None:
    ok, why, hint = _PAIR_RULES[loss.name]
    if not ok(out):
        name = out if isinstance(out, str) else out.name
        raise UsageError(f"invalid output/loss pair: {name} with {loss.name}: {why}",
                         where="--output/--loss", hint=hint)


# --- the chain ---------------------------------------------------------------
def _unit(expr, i):
    """ℓ(a, y) of the registry at unit i: a → a_i, y → y_i."""
    return expr.xreplace({_A: a[i], _Y: y[i]})


def _softmax_chain(d: Builder, loss: Loss, jj) -> list:
    """δ_jj for a softmax output and ℓ = −y ln a (softmax_ce, Nielsen eq. 81)."""
    i, m = fresh("i"), fresh("m")
    d.define(a[i], exp(z[i]) / Sum(exp(z[m]), (m, 1, n)), "softmax")
    d.define(C, Sum(_unit(loss.per_unit, i), (i, 1, n)), f"cost: {loss.description}")
    d.assume(sum_equals_one(y, n))
    d.domain(y, 0.0, 1.0)
    return [
        (Derivative(Sum(_unit(loss.per_unit, i), (i, 1, n)), z[jj]),
         because("definition", "C = −Σ_i y_i ln a_i", "C = −Σ_i y_i ln a_i")),
        (-Sum(y[i] * Derivative(log(a[i]), z[jj]), (i, 1, n)),
         because("sum_rule", "differentiate the sum term by term; y_i does not depend on z",
                 "逐项求导；y_i 与 z 无关")),
        (-Sum(y[i] / a[i] * Derivative(a[i], z[jj]), (i, 1, n)),
         because("chain_rule", "∂ ln a_i/∂z = (1/a_i) ∂a_i/∂z", "∂ ln a_i/∂z = (1/a_i) ∂a_i/∂z")),
        (-Sum(y[i] * (KroneckerDelta(i, jj) - a[jj]), (i, 1, n)),
         because("previous_result",
                 "softmax Jacobian ∂a_i/∂z_j = a_i(δ_ij − a_j) (softmax_jacobian); a_i cancels",
                 "softmax 雅可比 ∂a_i/∂z_j = a_i(δ_ij − a_j)（softmax_jacobian）；a_i 约去")),
        (-Sum(y[i] * KroneckerDelta(i, jj), (i, 1, n)) + a[jj] * Sum(y[i], (i, 1, n)),
         because("sum_split", "split the sum; a_j does not depend on i",
                 "拆分求和；a_j 与 i 无关")),
        (-y[jj] + a[jj] * Sum(y[i], (i, 1, n)),
         because("kronecker_sum", "Σ_i y_i δ_ij = y_j, since 1 ≤ j ≤ n",
                 "Σ_i y_i δ_ij = y_j，因为 1 ≤ j ≤ n")),
        (a[jj] - y[jj], because("assumption", "Σ_i y_i = 1", "Σ_i y_i = 1")),
    ]


def _elementwise_chain(d: Builder, act: Activation, loss: Loss, jj) -> list:
    """δ_jj = ℓ′(a_j)·f′(z_j) for a_i = f(z_i), C = Σ_i ℓ(a_i, y_i) (Nielsen eq. BP1)."""
    i = fresh("i")
    F = act.func
    d.define(a[i], F(z[i]), f"output activation: {act.name}")
    d.define(*act.definition(), act.description)
    d.define(C, Sum(_unit(loss.per_unit, i), (i, 1, n)), f"cost: {loss.description}")
    d.domain(y, *loss.y_domain)
    d.domain(z, *act.domain)
    la = sp.diff(loss.per_unit, _A)
    fp, g = activation_derivative_result(act)  # verified, see derivations/activations.py
    cite = f" (catalog entry '{act.name}')" if act.name in ACTIVATIONS and \
        ACTIVATIONS.get(act.name) == act else " (activation_derivation)"
    steps = [
        (Derivative(Sum(_unit(loss.per_unit, i), (i, 1, n)), z[jj]),
         because("definition", f"C = Σ_i ℓ(a_i, y_i), ℓ = {text(loss.per_unit)}",
                 f"C = Σ_i ℓ(a_i, y_i)，ℓ = {text(loss.per_unit)}")),
        (Sum(Derivative(_unit(loss.per_unit, i), z[jj]), (i, 1, n)),
         because("sum_rule", "differentiate the sum term by term", "逐项求导")),
        (Sum(_unit(la, i) * Derivative(a[i], z[jj]), (i, 1, n)),
         because("chain_rule", f"∂ℓ/∂a = {text(la)}", f"∂ℓ/∂a = {text(la)}")),
        (Sum(_unit(la, i) * KroneckerDelta(i, jj) * Derivative(F(z[i]), z[i]), (i, 1, n)),
         because("kronecker_delta", "a_i = f(z_i) depends on z_j only if i = j: "
                 "∂a_i/∂z_j = δ_ij f′(z_i)", "a_i = f(z_i) 仅当 i = j 时依赖 z_j：∂a_i/∂z_j = δ_ij f′(z_i)")),
        (_unit(la, jj) * Derivative(F(z[jj]), z[jj]),
         because("kronecker_sum", "Σ_i g_i δ_ij = g_j, since 1 ≤ j ≤ n",
                 "Σ_i g_i δ_ij = g_j，因为 1 ≤ j ≤ n")),
    ]
    if g is not None and g.has(_A):
        f_text = f"{text(Derivative(F(_Z), _Z))} = {text(fp)} = {text(g.subs(_A, F(_Z)))}"
        expr = _unit(la, jj) * _unit(g, jj)
        steps.append((expr, because("previous_result", f"{f_text}, written in a = {text(F(_Z))}"
                                    + cite, f"{f_text}，用输出 a 表示" + cite)))
    else:
        expr = _unit(la, jj) * fp.xreplace({_Z: z[jj]})
        f_text = f"{text(Derivative(F(_Z), _Z))} = {text(fp)}"
        steps.append((expr, because("previous_result", f_text + cite, f_text + cite)))
    final = sp.factor(sp.cancel(expr))
    if final != expr and sp.count_ops(final) < sp.count_ops(expr):
        fprime_a = expr / _unit(la, jj)
        terms = [_tidy(sp.factor(sp.cancel(t * fprime_a))) for t in sp.Add.make_args(_unit(la, jj))]
        middle = sp.Add(*terms)
        if middle != final and len(terms) > 1:
            steps.append((middle, because("algebra", "multiply each term out and cancel",
                                          "逐项相乘并约分")))
        steps.append((final, because("algebra", "collect terms: the factors cancel",
                                     "合并同类项：因子相消")))
    return steps


def _tidy(term):
    """y(a − 1) → −y(1 − a): factors written with the positive constant first."""
    if not isinstance(term, sp.Mul):
        return term
    sign, factors = 1, []
    for f in term.args:
        if isinstance(f, sp.Add) and len(f.args) == 2 and any(x.is_number and x < 0 for x in f.args):
            sign, f = -sign, -f
        factors.append(f)
    return sp.Mul(sign, *factors) if sign == -1 and len(factors) > 1 else sp.Mul(*factors) * sign


def build_output_delta(d: Builder, output, loss, jj=j) -> None:
    """Record the δ_jj chain for ``output``/``loss`` on builder ``d`` (tag "delta")."""
    out = resolve_output(output)
    loss = LOSSES.get(loss, option="--loss") if isinstance(loss, str) else loss
    _check_pair(out, loss)
    d.size(n, 2, 3, 4)
    d.index(jj, 1, n)
    steps = _softmax_chain(d, loss, jj) if out == SOFTMAX else \
        _elementwise_chain(d, out, loss, jj)
    name = out if isinstance(out, str) else out.name
    d.goal(Derivative(C, z[jj]), steps[-1][0], tag="delta",
           title=f"output error δ_{jj} ({name} output, {loss.name} loss)",
           title_zh=f"输出层误差 δ_{jj}（{name} 输出，{loss.name} 损失）")
    for rhs, why in steps:
        d.step(rhs, why)


def output_delta_derivation(output, loss: str) -> Derivation:
    """The (unverified) derivation of δ_j = ∂C/∂z_j for ``output`` and ``loss``."""
    out = resolve_output(output)
    name = out if isinstance(out, str) else out.name
    lname = loss if isinstance(loss, str) else loss.name
    d = Builder(f"delta_{name}_{lname}")
    build_output_delta(d, out, loss)
    return d.build(f"Output error for a {name} output with the {lname} loss",
                   f"δ_j = ∂C/∂z_j for a {name} output layer and the {lname} cost",
                   "losses", f"{name} 输出与 {lname} 损失的输出层误差",
                   "Nielsen, Neural Networks and Deep Learning, ch. 2 (BP1) and ch. 3")


@lru_cache(maxsize=64)
def _result(out, lname: str) -> sp.Expr:
    from symbp.api import verify

    v = verify(output_delta_derivation(out, lname))
    if not v.verified:
        bad = ", ".join(str(r.index) for r in v.failures)
        raise DerivationError(f"the output-delta derivation for {v.name} did not verify "
                              f"(step(s) {bad})", hint="run symbp.verify on it to see why")
    rhs = v.part_result("delta")[2]
    plain = rhs.xreplace({a[j]: _A, y[j]: _Y, z[j]: _Z})
    if plain.atoms(sp.Indexed):
        raise DerivationError(f"δ_j for {v.name} is not a per-unit expression: {plain}")
    return plain


def output_delta_result(output, loss: str) -> sp.Expr:
    """δ_j from the verified derivation, in Symbols ``a``, ``y`` (losses) and ``z`` (activations)."""
    return _result(resolve_output(output), loss if isinstance(loss, str) else loss.name)


# --- catalog entries ---------------------------------------------------------
_SOURCE = "Nielsen, Neural Networks and Deep Learning, ch. 3"


@derivation("softmax_ce",
            "δ_k = ∂C/∂z_k = a_k − y_k for a softmax output with the log-likelihood cost",
            group="losses", title="Softmax with log-likelihood: δ = a − y",
            title_zh="Softmax 与对数似然代价：δ = a − y",
            source="Nielsen, Neural Networks and Deep Learning, ch. 3 (softmax), eq. (81)")
def softmax_ce(d):
    """C = −Σ_i y_i ln a_i, a_i = e^{z_i}/Σ_m e^{z_m}, Σ_i y_i = 1  ⇒  ∂C/∂z_k = a_k − y_k."""
    build_output_delta(d, SOFTMAX, "ce", k)


@derivation("sigmoid_bce", "δ_j = a_j − y_j for sigmoid outputs with binary cross-entropy",
            group="losses", title="Sigmoid with binary cross-entropy: δ = a − y",
            title_zh="Sigmoid 与二元交叉熵：δ = a − y", source=_SOURCE + ", eq. (57)–(61)")
def sigmoid_bce(d):
    """C = −Σ_j [y_j ln a_j + (1−y_j) ln(1−a_j)], a_j = σ(z_j) ⇒ δ_j = a_j − y_j: σ′ cancels."""
    build_output_delta(d, "sigmoid", "bce")


@derivation("linear_mse", "δ_j = a_j − y_j for a linear output layer with the quadratic cost",
            group="losses", title="Linear output with quadratic cost: δ = a − y",
            title_zh="线性输出与二次代价：δ = a − y", source=_SOURCE + ", problem in §3.1")
def linear_mse(d):
    """a_j = z_j, C = ½Σ_j (a_j − y_j)² ⇒ δ_j = a_j − y_j (f′ = 1: no learning slowdown)."""
    build_output_delta(d, "linear", "mse")


@derivation("sigmoid_mse",
            "δ_j = (a_j − y_j)σ′(z_j) and ∂C/∂w^L_jk = a^{L−1}_k (a_j − y_j)σ′(z_j) "
            "for sigmoid outputs with the quadratic cost",
            group="losses", title="Sigmoid with quadratic cost: δ = (a − y)σ′(z)",
            title_zh="Sigmoid 与二次代价：δ = (a − y)σ′(z)", source=_SOURCE + ", eq. (55)–(56)")
def sigmoid_mse(d):
    """δ_j = (a_j − y_j)σ′(z_j) (shared chain), then the weight gradient by the chain rule
    through z^L_i = Σ_q w^L_iq a^{L−1}_q + b^L_i (Nielsen eq. 55; BP4 for the last layer)."""
    build_output_delta(d, "sigmoid", "mse")
    L = sp.Symbol("L", integer=True, positive=True)
    m = d.size(sp.Symbol("m", integer=True, positive=True), 2)
    d.size(n, 2, 3)  # numeric instances of the weight part are costly (σ of a sum, per instance)
    d.index(k, 1, m)
    i, q = fresh("i"), fresh("q")
    d.define(zl[L, i], Sum(w[L, i, q] * al[L - 1, q], (q, 1, m)) + b[L, i],
             "weighted input of the output layer")
    sig = _acts.sigma
    x = sp.Symbol("x", real=True)

    def sigma_prime(arg):  # σ′(arg), printed σ′(z^L_j)
        return sp.Subs(Derivative(sig(x), x), x, arg)

    r = d.index(sp.Symbol("r", integer=True), 1, n)
    d.goal(Derivative(zl[L, r], w[L, j, k]), KroneckerDelta(r, j) * al[L - 1, k], tag="rows",
           title="z^L_r depends on w^L_jk only for r = j",
           title_zh="z^L_r 仅当 r = j 时依赖 w^L_jk")
    d.step(Derivative(Sum(w[L, r, q] * al[L - 1, q], (q, 1, m)) + b[L, r], w[L, j, k]),
           because("definition", "z^L_r = Σ_q w^L_rq a^{L−1}_q + b^L_r"))
    d.step(Sum(KroneckerDelta(r, j) * KroneckerDelta(q, k) * al[L - 1, q], (q, 1, m)),
           because("linearity", "∂w^L_rq/∂w^L_jk = δ_rj δ_qk; b^L_r does not depend on w",
                   "∂w^L_rq/∂w^L_jk = δ_rj δ_qk；b^L_r 与 w 无关"))
    d.step(KroneckerDelta(r, j) * al[L - 1, k],
           because("kronecker_sum", "Σ_q δ_qk a^{L−1}_q = a^{L−1}_k, since 1 ≤ k ≤ m",
                   "Σ_q δ_qk a^{L−1}_q = a^{L−1}_k，因为 1 ≤ k ≤ m"))
    unit = (sig(zl[L, j]) - y[j]) ** 2 / 2
    d.note("By the part 'rows', only the j-th term ½(a^L_j − y_j)² of C = Σ_r C_r depends on "
           "w^L_jk, so ∂C/∂w^L_jk = ∂C_j/∂w^L_jk. "
           "Here a^L_j = σ(z^L_j) is written out, so that C_j depends on w^L_jk through "
           "z^L_j = Σ_q w^L_jq a^{L−1}_q + b^L_j.",
           "C 中只有第 j 项 ½(a^L_j − y_j)² 依赖 w^L_jk，故 ∂C/∂w^L_jk = ∂C_j/∂w^L_jk；"
           "此处写出 a^L_j = σ(z^L_j)，使 C_j 通过 z^L_j 依赖 w^L_jk。")
    d.goal(Derivative(unit, w[L, j, k]),
           al[L - 1, k] * (sig(zl[L, j]) - y[j]) * sigma_prime(zl[L, j]), tag="weight",
           title="weight gradient ∂C/∂w^L_jk", title_zh="权重梯度 ∂C/∂w^L_jk")
    d.step((sig(zl[L, j]) - y[j]) * sigma_prime(zl[L, j]) * Derivative(zl[L, j], w[L, j, k]),
           because("chain_rule", "∂C/∂z^L_j = (a_j − y_j)σ′(z^L_j) = δ_j (part 1), "
                   "times ∂z^L_j/∂w^L_jk", "∂C/∂z^L_j = (a_j − y_j)σ′(z^L_j) = δ_j（第一部分），"
                   "乘以 ∂z^L_j/∂w^L_jk"))
    d.step((sig(zl[L, j]) - y[j]) * sigma_prime(zl[L, j])
           * Sum(KroneckerDelta(q, k) * al[L - 1, q], (q, 1, m)),
           because("definition", "z^L_j = Σ_q w^L_jq a^{L−1}_q + b^L_j: ∂w^L_jq/∂w^L_jk = δ_qk",
                   "z^L_j = Σ_q w^L_jq a^{L−1}_q + b^L_j：∂w^L_jq/∂w^L_jk = δ_qk"))
    d.step(al[L - 1, k] * (sig(zl[L, j]) - y[j]) * sigma_prime(zl[L, j]),
           because("kronecker_sum", "Σ_q δ_qk a^{L−1}_q = a^{L−1}_k, since 1 ≤ k ≤ m",
                   "Σ_q δ_qk a^{L−1}_q = a^{L−1}_k，因为 1 ≤ k ≤ m"))


# --- facts about the costs ---------------------------------------------------
_a, _y = sp.symbols("a y", real=True)  # one output and its target, as in symbp.nn.losses


def _open_unit_interval(*symbols) -> Assumption:
    """0 < x < 1 for each symbol: x = t/(1+t) with t > 0 for sign analysis (symbolic only;
    numeric samples come from the declared domains)."""
    ts = {s: sp.Dummy(f"t_{s}", positive=True) for s in symbols}
    names = ", ".join(str(s) for s in symbols)

    def rewrite(e):
        if e.has(Derivative, sp.Subs):
            e = e.doit()  # the substitution must reach inside evaluated derivatives
        if e.has(Derivative, sp.Subs, sp.Limit):
            return e
        return e.xreplace({s: t / (1 + t) for s, t in ts.items()})

    return Assumption(f"0 < {names} < 1", rf"0 < {names} < 1", rewrite, name="unit_interval")


@derivation("binary_entropy",
            "the cross-entropy −[y ln a + (1−y) ln(1−a)] is minimised at a = y; "
            "its minimum is the binary entropy",
            group="losses", title="The cross-entropy is minimised at a = y",
            title_zh="交叉熵在 a = y 处取最小值", source=_SOURCE + ", exercise in §3.1")
def binary_entropy(d):
    """C(a) = −[y ln a + (1−y) ln(1−a)] on 0 < a, y < 1: C′(a) = (a − y)/(a(1−a)) vanishes only
    at a = y, C″ > 0, and C(a) − C(y) is the Kullback–Leibler divergence."""
    Cf = sp.Function("C", real=True)
    ell = LOSSES.get("bce").per_unit  # −[y ln a + (1−y) ln(1−a)]
    d.define(Cf(_a), ell, "cross-entropy of one output (registry loss 'bce')")
    d.domain(_a, 0.05, 0.95)
    d.domain(_y, 0.05, 0.95)
    d.assume(_open_unit_interval(_a, _y))
    first = -_y / _a + (1 - _y) / (1 - _a)
    d.goal(Derivative(Cf(_a), _a), (_a - _y) / (_a * (1 - _a)), tag="derivative",
           title="C′(a) vanishes only at a = y", title_zh="C′(a) 仅在 a = y 处为零")
    d.step(Derivative(ell, _a), because("definition", "C(a) = −[y ln a + (1−y) ln(1−a)]"))
    d.step(first, because("log_derivative", "d ln a/da = 1/a, d ln(1−a)/da = −1/(1−a)"))
    d.step((-_y * (1 - _a) + (1 - _y) * _a) / (_a * (1 - _a)),
           because("algebra", "common denominator a(1−a)", "通分 a(1−a)"))
    d.step((_a - _y) / (_a * (1 - _a)),
           because("algebra", "−y + ay + a − ay = a − y; a(1−a) > 0, so C′(a) = 0 ⇔ a = y",
                   "−y + ay + a − ay = a − y；a(1−a) > 0，故 C′(a) = 0 ⇔ a = y"))

    scale = _a ** 2 * (1 - _a) ** 2
    d.goal(scale * Derivative(Cf(_a), _a, 2), 0, rel=">", tag="convex",
           title="C″(a) > 0: the stationary point a = y is the minimum",
           title_zh="C″(a) > 0：驻点 a = y 是最小值点")
    d.step(scale * Derivative(first, _a), because("previous_result", "C′(a) from part 1"))
    d.step(scale * (_y / _a ** 2 + (1 - _y) / (1 - _a) ** 2),
           because("derivative", "d(1/a)/da = −1/a², d(1/(1−a))/da = 1/(1−a)²"))
    d.step(_y * (1 - _a) ** 2 + (1 - _y) * _a ** 2, because("algebra", "cancel a²(1−a)²"))
    d.step(sp.Integer(0), because("inequality", "y, 1−y > 0 and a², (1−a)² > 0 for 0 < a, y < 1; "
                                  "a²(1−a)² > 0, so C″(a) > 0",
                                  "0 < a, y < 1 时 y, 1−y, a², (1−a)² 均为正，故 C″(a) > 0"),
           rel=">")

    kl = _y * log(_y / _a) + (1 - _y) * log((1 - _y) / (1 - _a))
    d.goal(Cf(_a) - Cf(_y), kl, tag="excess",
           title="C(a) − C(y) is the Kullback–Leibler divergence KL(y‖a)",
           title_zh="C(a) − C(y) 是 KL 散度 KL(y‖a)")
    d.step(ell - ell.xreplace({_a: _y}), because("definition", "C at a and at y"))
    d.step(_y * (log(_y) - log(_a)) + (1 - _y) * (log(1 - _y) - log(1 - _a)),
           because("algebra", "collect the y and the 1−y terms", "合并 y 项与 1−y 项"))
    d.step(kl, because("log_rules", "ln u − ln v = ln(u/v)", "ln u − ln v = ln(u/v)"))

    d.goal(Cf(_y), -(_y * log(_y) + (1 - _y) * log(1 - _y)), tag="minimum",
           title="the minimum value is the binary entropy H(y)", title_zh="最小值为二元熵 H(y)")
    d.step(sp.Subs(ell, _a, _y), because("definition", "C(a) at a = y"))
    d.step(-(_y * log(_y) + (1 - _y) * log(1 - _y)), because("evaluation", "a = y"))
    d.note("C is strictly convex on (0, 1) (part 2) with its only stationary point at a = y "
           "(part 1), so a = y is the global minimum and the minimum value is the binary entropy "
           "H(y) (part 4); part 3 says the excess C(a) − H(y) is KL(y‖a).",
           "C 在 (0, 1) 上严格凸（第二部分），唯一驻点为 a = y（第一部分），故 a = y 为全局最小点，"
           "最小值为二元熵 H(y)（第四部分）；第三部分表明超出部分为 KL(y‖a)。")


@derivation("ce_form",
            "−[y ln a + (1−y) ln(1−a)] is defined for targets y ∈ {0, 1}; "
            "the swapped −[a ln y + (1−a) ln(1−y)] is not (it diverges as y → 0 or 1)",
            group="losses", title="Why the cross-entropy is −[y ln a + (1−y) ln(1−a)]",
            title_zh="为何交叉熵取 −[y ln a + (1−y) ln(1−a)]", source=_SOURCE + ", exercise in §3.1")
def ce_form(d):
    """Evaluate both forms at the targets of a classifier, y = 0 and y = 1 (0 < a < 1)."""
    Cf, Cs = sp.Function("C", real=True), sp.Function("C_swap", real=True)
    good = -(_y * log(_a) + (1 - _y) * log(1 - _a))
    swap = -(_a * log(_y) + (1 - _a) * log(1 - _y))
    d.define(Cf(_a, _y), good, "the cross-entropy")
    d.define(Cs(_a, _y), swap, "the swapped form")
    d.domain(_a, 0.05, 0.95)
    for target, value, title in ((1, -log(_a), "at y = 1 the cross-entropy is −ln a"),
                                 (0, -log(1 - _a), "at y = 0 the cross-entropy is −ln(1 − a)")):
        d.goal(Cf(_a, target), value, tag=f"y{target}", title=title + " (finite)",
               title_zh=f"y = {target} 时交叉熵为有限值")
        d.step(sp.Subs(good, _y, target), because("definition", f"C(a, y) at y = {target}"))
        d.step(value, because("evaluation", f"y = {target}: one term vanishes because its "
                              "coefficient is 0; ln a and ln(1−a) are finite for 0 < a < 1",
                              f"y = {target}：系数为 0 的项消失；0 < a < 1 时 ln a 与 ln(1−a) 有限"))
    for end, log_end, coeff, tag in ((0, -log(_y), _a, "swap0"),
                                     (1, -log(1 - _y), 1 - _a, "swap1")):
        direction = "+" if end == 0 else "-"
        other = (1 - _a) * log(1 - _y) if end == 0 else _a * log(_y)
        own = log(_y) if end == 0 else log(1 - _y)
        d.goal(sp.Limit(Cs(_a, _y) / log_end, _y, end, direction), coeff, tag=tag,
               title=f"the swapped form grows like {text(coeff)}·{text(log_end)} → ∞ "
                     f"as y → {end}",
               title_zh=f"y → {end} 时交换后的形式按 {text(coeff)}·{text(log_end)} 趋于 ∞")
        d.step(sp.Limit(swap / log_end, _y, end, direction),
               because("definition", "C_swap(a, y) = −[a ln y + (1−a) ln(1−y)]"))
        d.step(sp.Limit(coeff + other / own, _y, end, direction),
               because("algebra", f"divide each term by {text(log_end)}",
                       f"逐项除以 {text(log_end)}"))
        d.step(coeff + sp.Limit(other / own, _y, end, direction),
               because("limit", "the limit of a sum; the first term does not depend on y",
                       "和的极限；第一项与 y 无关"))
        d.step(coeff, because("limit", f"{text(other)} → 0 while {text(own)} → −∞",
                              f"{text(other)} → 0，而 {text(own)} → −∞"))
    d.note("So C_swap(a, y) → +∞ as y → 0⁺ or y → 1⁻ for every output 0 < a < 1: at the "
           "targets y ∈ {0, 1} of a classifier the swapped form takes ln 0, and the "
           "convention 0·ln 0 = 0 does not rescue it because the coefficients a and 1 − a "
           "are not 0.  The cross-entropy −[y ln a + (1−y) ln(1−a)] only ever takes ln of the "
           "output 0 < a < 1 and is finite there (parts 1–2).",
           "因此对任意输出 0 < a < 1，y → 0⁺ 或 y → 1⁻ 时 C_swap(a, y) → +∞：在分类目标 "
           "y ∈ {0, 1} 处交换后的形式要取 ln 0，且系数 a 与 1 − a 非零，约定 0·ln 0 = 0 也无济于事。"
           "交叉熵只对输出 0 < a < 1 取对数，因而有限（第一、二部分）。")


@derivation("sigmoid_not_normalized",
            "sigmoid outputs need not sum to 1: σ(0) + σ(0) = 1 but σ(1) + σ(2) > 1, "
            "and ∂/∂z_k Σ_j σ(z_j) = σ′(z_k) > 0",
            group="losses", title="Sigmoid outputs are not a probability distribution",
            title_zh="Sigmoid 输出不构成概率分布", source=_SOURCE + " (softmax), exercise")
def sigmoid_not_normalized(d):
    """A counterexample (σ(1) + σ(2) ≠ 1) and the general reason (the sum is not constant)."""
    sig = _acts.sigma
    d.define(*ACTIVATIONS.get("sigmoid").definition(), "logistic sigmoid")
    e = sp.E
    d.goal(sig(0) + sig(0), 1, tag="equal", title="σ(0) + σ(0) = 1 (by coincidence)",
           title_zh="σ(0) + σ(0) = 1（巧合）")
    d.step(2 * sig(0), because("algebra", "σ(0) + σ(0) = 2σ(0)"))
    d.step(sp.Integer(1), because("evaluation", "σ(0) = 1/(1 + e⁰) = 1/2"))

    d.goal(sig(1) + sig(2) - 1, 0, rel=">", tag="counterexample",
           title="σ(1) + σ(2) > 1: the outputs do not sum to 1",
           title_zh="σ(1) + σ(2) > 1：输出之和不为 1")
    d.step(1 / (1 + 1 / e) + 1 / (1 + e ** -2) - 1,
           because("definition", "σ(z) = 1/(1 + e^{−z})"))
    d.step(e / (1 + e) + e ** 2 / (1 + e ** 2) - 1,
           because("algebra", "multiply numerator and denominator by e^z"))
    d.step((e ** 3 - 1) / ((1 + e) * (1 + e ** 2)),
           because("algebra", "common denominator: e(1+e²) + e²(1+e) − (1+e)(1+e²) = e³ − 1"))
    d.step(sp.Integer(0), because("counterexample", "e³ > 1: σ(1) + σ(2) ≈ 1.612 ≠ 1",
                                  "e³ > 1：σ(1) + σ(2) ≈ 1.612 ≠ 1"), rel=">")

    d.size(n, 2, 3, 4)
    d.index(k, 1, n)
    d.domain(z, -4.0, 4.0)
    i = fresh("i")
    total = Sum(sig(z[i]), (i, 1, n))
    d.goal(Derivative(total, z[k]), sig(z[k]) * (1 - sig(z[k])), tag="not_constant",
           title="the sum of sigmoid outputs changes with every z_k",
           title_zh="sigmoid 输出之和随每个 z_k 变化")
    d.step(Sum(Derivative(sig(z[i]), z[k]), (i, 1, n)),
           because("sum_rule", "differentiate term by term", "逐项求导"))
    d.step(Sum(KroneckerDelta(i, k) * Derivative(sig(z[k]), z[k]), (i, 1, n)),
           because("kronecker_delta", "σ(z_i) depends on z_k only if i = k",
                   "σ(z_i) 仅当 i = k 时依赖 z_k"))
    d.step(Derivative(sig(z[k]), z[k]),
           because("kronecker_sum", "Σ_i δ_ik = 1, since 1 ≤ k ≤ n", "Σ_i δ_ik = 1，因为 1 ≤ k ≤ n"))
    d.step(sig(z[k]) * (1 - sig(z[k])),
           because("previous_result", "σ′ = σ(1 − σ) (catalog entry 'sigmoid')"))
    d.goal(sig(z[k]) * (1 - sig(z[k])), 0, rel=">", tag="positive",
           title="σ′(z_k) > 0, so Σ_j σ(z_j) is not constant (softmax: Σ_j a_j = 1 always)",
           title_zh="σ′(z_k) > 0，故 Σ_j σ(z_j) 不是常数（softmax 恒有 Σ_j a_j = 1）")
    d.step(exp(-z[k]) / (1 + exp(-z[k])) ** 2,
           because("definition", "σ(1 − σ) = e^{−z}/(1 + e^{−z})²"))
    d.step(sp.Integer(0), because("inequality", "e^{−z} > 0"), rel=">")
