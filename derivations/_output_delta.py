"""Output-layer errors δ_j = ∂C/∂z_j for any output/loss pair: one derivation logic (Nielsen ch. 2–3).

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
    is supported with ``ce`` and ``mse`` (with mse δ couples all units: the chain of
    :mod:`derivations.softmax_mse`, whose δ_j keeps a ``Sum`` over the output units).
``output_delta_result(output, loss) -> sympy.Expr``
    δ_j from the *verified* derivation (raises ``DerivationError`` if it does
    not verify), in the plain real Symbols ``symbp.nn.losses.a`` (the output
    a_j), ``symbp.nn.losses.y`` (the target y_j) and ``symbp.nn.activations.z``
    (the weighted input z_j, e.g. ``Heaviside(z)`` for ReLU).  A sum over the output
    units (softmax + mse) stays a ``Sum`` over a bound index of the IndexedBases
    ``a``, ``y``, ``z`` of :mod:`derivations._notation`.

Both are re-exported by :mod:`derivations.losses`, whose catalog entries
(softmax_ce, sigmoid_bce, sigmoid_mse, linear_mse) are built on
:func:`build_output_delta`.
"""

from __future__ import annotations

from functools import lru_cache

import mpmath
import sympy as sp
from sympy import Derivative, KroneckerDelta, Sum, exp, log

from derivations._notation import C, a, j, n, y, z
from derivations.activations import activation_derivative_result
from symbp.core.context import sum_equals_one
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
    "mse": (lambda out: True, "", ""),  # softmax: the coupled chain of softmax_mse.py
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


# a loss added to the registry later: any elementwise output, as for mse
_DEFAULT_RULE = (lambda out: out != SOFTMAX,
                 "a softmax output is supported with the ce loss only",
                 "use an elementwise output (sigmoid, linear, …) with this loss")


def _check_pair(out, loss: Loss) -> None:
    ok, why, hint = _PAIR_RULES.get(loss.name, _DEFAULT_RULE)
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
    x = text(jj)  # the free index as the equations print it (k for softmax_ce)
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
                 f"softmax Jacobian ∂a_i/∂z_{x} = a_i(δ_i{x} − a_{x}) (softmax_jacobian); "
                 "a_i cancels",
                 f"softmax 雅可比矩阵 ∂a_i/∂z_{x} = a_i(δ_i{x} − a_{x})（softmax_jacobian）；"
                 "a_i 约去")),
        (-Sum(y[i] * KroneckerDelta(i, jj), (i, 1, n)) + a[jj] * Sum(y[i], (i, 1, n)),
         because("sum_split", f"split the sum; a_{x} does not depend on i",
                 f"a_{x} 与 i 无关，可提到求和号外")),
        (-y[jj] + a[jj] * Sum(y[i], (i, 1, n)),
         because("kronecker_sum", f"Σ_i y_i δ_i{x} = y_{x}, since 1 ≤ {x} ≤ n",
                 f"Σ_i y_i δ_i{x} = y_{x}，因为 1 ≤ {x} ≤ n")),
        (a[jj] - y[jj], because("assumption", "Σ_i y_i = 1", "Σ_i y_i = 1")),
    ]


def _elementwise_chain(d: Builder, act: Activation, loss: Loss, jj) -> list:
    """δ_jj = ℓ′(a_j)·f′(z_j) for a_i = f(z_i), C = Σ_i ℓ(a_i, y_i) (Nielsen eq. BP1)."""
    i = fresh("i")
    x = text(jj)  # the free index as the equations print it
    F = act.func
    d.define(a[i], F(z[i]), f"output activation: {act.name}")
    d.define(*act.definition(), act.description)
    d.define(C, Sum(_unit(loss.per_unit, i), (i, 1, n)), f"cost: {loss.description}")
    d.domain(y, *loss.y_domain)
    d.domain(z, *act.domain)
    la = sp.diff(loss.per_unit, _A)
    fp, g = activation_derivative_result(act)  # verified, see derivations/activations.py
    registered = act.name in ACTIVATIONS and ACTIVATIONS.get(act.name) == act
    cite = f" (catalog entry '{act.name}')" if registered else " (activation_derivation)"
    cite_zh = f"（见推导 {act.name}）" if registered else "（activation_derivation）"
    steps = [
        (Derivative(Sum(_unit(loss.per_unit, i), (i, 1, n)), z[jj]),
         because("definition", f"C = Σ_i ℓ(a_i, y_i), ℓ = {text(loss.per_unit)}",
                 f"C = Σ_i ℓ(a_i, y_i)，ℓ = {text(loss.per_unit)}")),
        (Sum(Derivative(_unit(loss.per_unit, i), z[jj]), (i, 1, n)),
         because("sum_rule", "differentiate the sum term by term", "逐项求导")),
        (Sum(_unit(la, i) * Derivative(a[i], z[jj]), (i, 1, n)),
         because("chain_rule", f"∂ℓ/∂a = {text(la)}", f"∂ℓ/∂a = {text(la)}")),
        (Sum(_unit(la, i) * KroneckerDelta(i, jj) * Derivative(F(z[i]), z[i]), (i, 1, n)),
         because("kronecker_delta", f"a_i = f(z_i) depends on z_{x} only if i = {x}: "
                 f"∂a_i/∂z_{x} = δ_i{x} f′(z_i)",
                 f"a_i = f(z_i) 仅当 i = {x} 时依赖 z_{x}：∂a_i/∂z_{x} = δ_i{x} f′(z_i)")),
        (_unit(la, jj) * Derivative(F(z[jj]), z[jj]),
         because("kronecker_sum", f"Σ_i g_i δ_i{x} = g_{x}, since 1 ≤ {x} ≤ n",
                 f"Σ_i g_i δ_i{x} = g_{x}，因为 1 ≤ {x} ≤ n")),
    ]
    if g is not None and g.has(_A):
        f_text = f"{text(Derivative(F(_Z), _Z))} = {text(fp)} = {text(g.subs(_A, F(_Z)))}"
        expr = _unit(la, jj) * _unit(g, jj)
        steps.append((expr, because("previous_result", f"{f_text}, written in a = {text(F(_Z))}"
                                    + cite, f"{f_text}，用输出 a = {text(F(_Z))} 表示" + cite_zh)))
    else:
        expr = _unit(la, jj) * fp.xreplace({_Z: z[jj]})
        f_text = f"{text(Derivative(F(_Z), _Z))} = {text(fp)}"
        steps.append((expr, because("previous_result", f_text + cite, f_text + cite_zh)))
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


def _coupled_softmax_chain(d: Builder, loss: Loss, jj) -> list:
    """δ_jj = a_jj[ℓ′(a_jj) − Σ_i a_i ℓ′(a_i)] (derivations/softmax_mse.py; softmax + mse)."""
    from derivations.softmax_mse import softmax_chain

    return softmax_chain(d, loss, jj)


#: softmax output: loss → its chain (ce cancels to a − y; others keep the coupling sum)
_SOFTMAX_CHAINS = {"ce": _softmax_chain}

#: how a goal's title names a loss and an output, in English and Chinese (a user's loss or
#: output not listed keeps its name)
LOSS_WORDS = {"ce": ("cross-entropy loss", "交叉熵损失"),
              "bce": ("binary cross-entropy loss", "二元交叉熵损失"),
              "mse": ("quadratic loss", "二次损失")}
OUTPUT_ZH = {"linear": "线性", "relu": "ReLU", "tanh_scaled": "缩放 tanh"}


def build_output_delta(d: Builder, output, loss, jj=j) -> None:
    """Record the δ_jj chain for ``output``/``loss`` on builder ``d`` (tag "delta")."""
    out = resolve_output(output)
    loss = _resolve_loss(loss)
    _check_pair(out, loss)
    d.size(n, 2, 3, 4)
    d.index(jj, 1, n)
    steps = _SOFTMAX_CHAINS.get(loss.name, _coupled_softmax_chain)(d, loss, jj) \
        if out == SOFTMAX else _elementwise_chain(d, out, loss, jj)
    name = out if isinstance(out, str) else out.name
    loss_en, loss_zh = LOSS_WORDS.get(loss.name, (f"{loss.name} loss", f"损失 {loss.name}"))
    d.goal(Derivative(C, z[jj]), steps[-1][0], tag="delta",
           title=f"output error δ_{jj} ({name} output, {loss_en})",
           title_zh=f"输出层误差 δ_{jj}（{OUTPUT_ZH.get(name, name)} 输出，{loss_zh}）")
    for rhs, why in steps:
        d.step(rhs, why)


def output_delta_derivation(output, loss) -> Derivation:
    """The (unverified) derivation of δ_j = ∂C/∂z_j for ``output`` and ``loss`` (a name or Loss)."""
    out = resolve_output(output)
    name = out if isinstance(out, str) else out.name
    loss = _resolve_loss(loss)
    lname = loss.name
    d = Builder(f"delta_{name}_{lname}")
    build_output_delta(d, out, loss)
    loss_en, loss_zh = LOSS_WORDS.get(lname, (f"{lname} loss", f"损失 {lname}"))
    return d.build(f"Output error for a {name} output with the {loss_en}",
                   f"δ_j = ∂C/∂z_j for a {name} output layer and the {loss_en}",
                   "losses", f"{OUTPUT_ZH.get(name, name)} 输出配合{loss_zh}时的输出层误差",
                   "Nielsen, Neural Networks and Deep Learning, ch. 2 (BP1) and ch. 3")


@lru_cache(maxsize=64)
def _result(out, loss: Loss) -> sp.Expr:
    from symbp.api import verify

    v = verify(output_delta_derivation(out, loss))
    if not v.verified:
        bad = ", ".join(str(r.index) for r in v.failures)
        raise DerivationError(f"the output-delta derivation for {v.name} did not verify "
                              f"(step(s) {bad})", hint="run symbp.verify on it to see why")
    rhs = v.part_result("delta")[2]
    plain = rhs.xreplace({a[j]: _A, y[j]: _Y, z[j]: _Z})
    outside_sums = plain.replace(lambda e: isinstance(e, Sum), lambda e: sp.Integer(0))
    if outside_sums.atoms(sp.Indexed):
        raise DerivationError(f"δ_j for {v.name} is not a per-unit expression: {plain}")
    return plain


def output_delta_result(output, loss) -> sp.Expr:
    """δ_j from the verified derivation, in Symbols ``a``, ``y`` (losses) and ``z`` (activations).

    ``loss``: a registered name or a :class:`~symbp.nn.losses.Loss` object."""
    return _result(resolve_output(output), _resolve_loss(loss))


def _resolve_loss(loss) -> Loss:
    return loss if isinstance(loss, Loss) else LOSSES.get(loss, option="--loss")
