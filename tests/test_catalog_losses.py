"""Output deltas for every output/loss pair, and the loss/exercise entries' claims.

The deltas come from verified derivations (derivations/losses.py); here they
are checked against an independent oracle: SymPy's own derivative of
ℓ(f(z), y) with respect to z, evaluated at random points.
"""

from __future__ import annotations

import math

import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import symbp
from derivations import exercises
from derivations.losses import output_delta_derivation, output_delta_result
from symbp.errors import UnknownName, UsageError
from symbp.nn.activations import ACTIVATIONS, custom, z

t = sp.Symbol("t", real=True)
from symbp.nn.losses import LOSSES, Loss, a, y

VALID = [("sigmoid", "bce"), ("linear", "mse"), ("sigmoid", "mse"), ("tanh", "mse"),
         ("relu", "mse"), ("softplus", "mse"), ("tanh_scaled", "mse")]
INVALID = [("sigmoid", "ce"), ("tanh", "bce"), ("relu", "bce"), ("linear", "bce"),
           ("softmax", "bce"), ("softplus", "ce")]


def _oracle(act, loss, zv, yv):
    """d/dz ℓ(f(z), y) by SymPy, independently of the derivation."""
    expr = LOSSES.get(loss).per_unit.subs(a, act.expr)
    return float(sp.diff(expr, z).subs({z: zv, y: yv}).evalf(30))


@pytest.mark.parametrize("out,loss", VALID)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(zv=st.floats(-3, 3), yv=st.floats(0.05, 0.95))
def test_output_delta_matches_the_derivative_of_the_loss(out, loss, zv, yv):
    act = ACTIVATIONS.get(out)
    delta = output_delta_result(out, loss)  # verified once per process (cached)
    assert delta.free_symbols <= {a, y, z}
    assume(not (out == "relu" and abs(zv) < 1e-3))  # the kink
    av = float(act.expr.subs(z, zv).evalf(30))
    got = float(delta.subs({a: av, y: yv, z: zv}).evalf(30))
    assert math.isclose(got, _oracle(act, loss, zv, yv), rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("out,loss", [("softmax", "ce"), ("sigmoid", "bce"), ("linear", "mse")])
def test_the_cancelling_pairs_end_at_a_minus_y(out, loss):
    assert sp.expand(output_delta_result(out, loss) - (a - y)) == 0
    d = output_delta_derivation(out, loss)
    part = d.parts[-1]
    assert part.tag == "delta" and isinstance(part.goal_lhs, sp.Derivative)
    assert len(part.steps) >= 5  # sum rule, chain rule, Jacobian/Kronecker, …, cancellation


def test_sigmoid_bce_shows_the_cancellation_of_sigma_prime():
    d = output_delta_derivation("sigmoid", "bce")
    kinds = [s.because.kind for s in d.parts[-1].steps]
    assert kinds[-1] == "algebra" and "previous_result" in kinds  # σ′ = a(1 − a), then cancel


def test_other_pairs_keep_the_general_form():
    # δ = ℓ′(a)·f′ written in the output a where the activation allows it
    assert sp.expand(output_delta_result("tanh", "mse") - (a - y) * (1 - a ** 2)) == 0
    assert sp.expand(output_delta_result("sigmoid", "mse") - (a - y) * a * (1 - a)) == 0
    assert output_delta_result("relu", "mse").has(sp.Heaviside)  # no form in a exists


def test_a_custom_activation_object_is_accepted():
    soft = custom("softsign", z / (1 + sp.Abs(z)))
    d = output_delta_derivation(soft, "mse")
    assert d.parts[-1].tag == "delta"
    with pytest.raises(UsageError):
        output_delta_derivation(soft, "bce")  # outputs in (−1, 1), not (0, 1)
    unit = custom("half_softsign", (1 + z / (1 + sp.Abs(z))) / 2)  # outputs in (0, 1)
    assert output_delta_derivation(unit, "bce").parts[-1].tag == "delta"


@pytest.mark.parametrize("out,loss", INVALID)
def test_invalid_pairs_raise_a_usage_error_with_a_hint(out, loss):
    with pytest.raises(UsageError) as err:
        output_delta_derivation(out, loss)
    assert err.value.hint and err.value.exit_code == 2


def test_unknown_names_suggest_close_ones():
    with pytest.raises(UnknownName) as err:
        output_delta_derivation("sigmoidd", "bce")
    assert "sigmoid" in err.value.suggestions
    with pytest.raises(UnknownName):
        output_delta_derivation("sigmoid", "hinge")


def test_a_corrupted_delta_step_is_rejected():
    d = output_delta_derivation("tanh", "mse")
    assert symbp.verify(d).verified
    last = len(d.steps) - 1
    wrong = 2 * d.steps[last].rhs  # a factor 2 too many in the final step
    assert not symbp.verify(d.with_step(last, wrong)).verified


# --- xor_perceptron ------------------------------------------------------------
def _net(p, x1, x2):
    step = (lambda t: 1 if t >= 0 else 0)  # the notes' convention, step(0) = 1
    h1, h2 = step(p[0] * x1 + p[1] * x2 + p[2]), step(p[3] * x1 + p[4] * x2 + p[5])
    return step(p[6] * h1 + p[7] * h2 + p[8])


def test_the_xor_network_computes_xnor_not_xor():
    v = symbp.derive("xor_perceptron")
    assert v.verified
    _, _, table = v.part_result("truth_table")
    inputs = exercises.INPUTS
    assert list(table) == [_net(exercises.PARAMS, *x) for x in inputs]
    assert list(table) == [1 if x1 == x2 else 0 for x1, x2 in inputs]  # XNOR
    assert list(table) != [1 if x1 != x2 else 0 for x1, x2 in inputs]  # not XOR


def test_no_single_parameter_sign_flip_gives_xor_and_the_fix_does():
    v = symbp.derive("xor_perceptron")
    xor = [1 if x1 != x2 else 0 for x1, x2 in exercises.INPUTS]
    _, _, flips = v.part_result("parameter_flips")
    for i in range(len(exercises.PARAMS)):
        p = list(exercises.PARAMS)
        p[i] = -p[i]
        row = [_net(p, *x) for x in exercises.INPUTS]
        assert list(flips.row(i)) == row and row != xor
    _, _, fixed = v.part_result("fix")
    assert list(fixed) == [exercises.XOR(*x) for x in exercises.INPUTS]
    p = exercises.PARAMS  # the fix: the output unit's input negated
    assert [1 - _net(p, *x) for x in exercises.INPUTS] == xor  # its input is never 0


def test_sympys_default_heaviside_would_change_the_table():
    # why the entry states step(0) = 1: with H(0) = 1/2 the (1, 1) row is not 0 or 1
    assert sp.Heaviside(0) == sp.Rational(1, 2) and sp.Heaviside(0, 1) == 1


# --- facts about the costs ---------------------------------------------------------
def test_ce_form_swapped_form_is_undefined_at_the_targets():
    good = LOSSES.get("bce").per_unit
    swapped = good.xreplace({a: y, y: a})
    av = sp.Rational(3, 10)
    assert good.subs({a: av, y: 0}).is_finite and good.subs({a: av, y: 1}).is_finite
    assert not swapped.subs({a: av, y: 0}).is_finite  # a·ln 0
    assert symbp.derive("ce_form").verified


def test_sigmoid_outputs_need_not_sum_to_one():
    s = ACTIVATIONS.get("sigmoid").expr
    assert float(s.subs(z, 1) + s.subs(z, 2)) > 1.5
    v = symbp.derive("sigmoid_not_normalized")
    assert v.verified and v.part_result("counterexample")[1] == ">"


def test_a_users_own_loss_object_gets_a_verified_delta():
    quartic = Loss("quartic", (a - y) ** 4 / 4, "quartic ¼(a − y)⁴", "linear")
    assert sp.expand(output_delta_result("tanh", quartic) - (a - y) ** 3 * (1 - a ** 2)) == 0
    with pytest.raises(UsageError):
        output_delta_derivation("softmax", quartic)


# --- the engine edits these entries rely on ----------------------------------------
def test_keeping_a_defined_function_abstract_never_proves_a_false_step():
    from symbp.core.context import Context, Definition
    from symbp.core.verdict import Verdict
    from symbp.core.witness import check_equation
    from symbp.nn.activations import sigma

    x = sp.Symbol("x", real=True)
    ctx = Context([Definition(sigma(z), ACTIVATIONS.get("sigmoid").expr)])
    wrong = check_equation(sp.Derivative(sigma(x), x), sigma(x), ctx)
    assert wrong.verdict is Verdict.FALSE  # σ′ ≠ σ
    right = check_equation(sp.Derivative(sigma(x), x), sigma(x) * (1 - sigma(x)), ctx)
    assert right.verdict is Verdict.TRUE  # needs the definition: not an identity for any σ
    from symbp.core.symbolic import _opaque_zero

    chain = (sp.Derivative(sigma(x ** 2), x), 2 * x * sp.Subs(sp.Derivative(sigma(t), t), t, x ** 2))
    assert _opaque_zero(*chain, ctx)  # the chain rule holds for any σ
    assert not _opaque_zero(sp.Derivative(sigma(x), x), sigma(x) * (1 - sigma(x)), ctx)
    assert not _opaque_zero(sp.Derivative(sigma(x), x), sigma(x), ctx)
