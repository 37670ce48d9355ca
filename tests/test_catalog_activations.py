"""Catalog entries for activations and softmax: results, the public API, and failures.

The generic catalog tests (every entry verifies, every flipped step is caught)
live elsewhere; these check what is specific to these entries: the derived
formulas are the known ones, wrong claims (σ′ ≤ 1/3 as the maximum, a swapped
index, a wrong limit) are rejected, and the API refuses unverified results.
"""

from __future__ import annotations

import dataclasses

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symbp
from derivations import activations as acts_mod
from derivations.activations import OUTPUT, activation_derivation, activation_derivative_result
from symbp.api import verify
from symbp.core.verdict import Verdict
from symbp.core.witness import check_equation
from symbp.errors import DerivationError
from symbp.nn.activations import ACTIVATIONS, custom, z

a = OUTPUT
SOFTSIGN = custom("softsign", z / (1 + sp.Abs(z)))

# f′ in terms of the output a, as the course notes write it
EXPECTED_IN_A = {
    "sigmoid": a * (1 - a),
    "tanh": 1 - a**2,
    "tanh_scaled": sp.Float("1.7159") * sp.Rational(2, 3) * (1 - a**2 / sp.Float("1.7159")**2),
    "softplus": 1 - sp.exp(-a),
    "linear": sp.Integer(1),
    "relu": None,
}


def _part(derivation, tag):
    return next(p for p in derivation.parts if p.tag == tag)


def _rejects(derivation, tag, rhs) -> bool:
    """Replace the last step of part ``tag`` by ``rhs``; is that part then rejected?

    Only that part is verified (the others are untouched by the change)."""
    corrupted = derivation.with_step(_step_index(derivation, tag), rhs)
    only = dataclasses.replace(corrupted, parts=(_part(corrupted, tag),))
    return not verify(only).verified


def _step_index(derivation, tag, last=True):
    """0-based index (over the whole derivation) of the last step of part ``tag``."""
    k = 0
    for p in derivation.parts:
        if p.tag == tag:
            return k + len(p.steps) - 1 if last else k
        k += len(p.steps)
    raise KeyError(tag)


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_registry_activation_derivative_matches_sympy(name):
    act = ACTIVATIONS.get(name)
    fprime, ga = activation_derivative_result(act)
    assert sp.simplify(fprime - sp.diff(act.expr, z)) == 0
    expected = EXPECTED_IN_A[name]
    if expected is None:
        assert ga is None
    else:
        assert ga is not None
        assert abs(float((ga - expected).subs(a, sp.Rational(3, 10)))) < 1e-12
        assert not ga.has(z)


def test_derivation_has_real_steps_from_rules():
    d = activation_derivation(ACTIVATIONS.get("sigmoid"))
    kinds = [s.because.kind for s in _part(d, "derivative").steps]
    assert kinds[0] == "definition"
    assert "chain_rule" in kinds and "sum_rule" in kinds
    assert len(d.steps) >= 3
    for s in d.steps:
        assert s.because.detail  # says what the rule was applied to


def test_custom_activation_softsign():
    d = activation_derivation(SOFTSIGN)
    assert [p.tag for p in d.parts] == ["derivative"]  # no form in a is found: omitted
    assert "quotient_rule" in [s.because.kind for s in d.steps]
    fprime, ga = activation_derivative_result(SOFTSIGN)
    assert ga is None
    for x in (-1.5, -0.2, 0.7, 2.0):
        assert abs(float(fprime.subs(z, x)) - 1 / (1 + abs(x)) ** 2) < 1e-12


@settings(max_examples=30, deadline=None)
@given(x=st.floats(min_value=-6, max_value=6).filter(lambda v: abs(v) > 1e-3),
       name=st.sampled_from(["sigmoid", "tanh", "tanh_scaled", "softplus", "relu"]))
def test_derived_derivative_matches_finite_differences(x, name):
    act = ACTIVATIONS.get(name)
    fprime, ga = activation_derivative_result(act)
    f = sp.lambdify(z, act.expr, modules="mpmath")
    with mpmath.workdps(30):
        numeric = mpmath.diff(f, mpmath.mpf(x))
    assert abs(float(fprime.subs(z, x)) - float(numeric)) < 1e-9
    if ga is not None:
        assert abs(float(ga.subs(a, act.expr.subs(z, x))) - float(numeric)) < 1e-9


def test_result_api_refuses_an_unverified_derivation(monkeypatch):
    act = custom("sig2", 1 / (1 + sp.exp(-z)))
    good = activation_derivation(act)
    bad = good.with_step(1, -good.steps[1].rhs)
    monkeypatch.setattr(acts_mod, "activation_derivation", lambda *args, **kw: bad)
    activation_derivative_result.cache_clear()
    with pytest.raises(DerivationError, match="could not be verified"):
        activation_derivative_result(act)
    activation_derivative_result.cache_clear()


def test_relu_heaviside_in_a_is_rejected():
    """H(a) with a = max(0, z) is 1/2, not 0, for z < 0: the candidate must fail."""
    d = activation_derivation(ACTIVATIONS.get("relu"))
    check = check_equation(sp.Derivative(ACTIVATIONS.get("relu").applied, z),
                           sp.Heaviside(a), d.context)
    assert check.verdict is Verdict.FALSE


def test_sigmoid_maximum_is_a_quarter_not_a_third():
    d = symbp.build("sigmoid")
    assert symbp.derive("sigmoid").verified
    assert _rejects(d, "maximum", sp.Rational(1, 3))


def test_sigmoid_bound_cannot_be_tightened():
    d = symbp.build("sigmoid")
    assert d.steps[_step_index(d, "bound")].rel == "<="
    assert _rejects(d, "bound", sp.Rational(1, 5))


def test_sigmoid_second_derivative_vanishes_at_zero():
    d = symbp.build("sigmoid")
    sig = ACTIVATIONS.get("sigmoid").applied
    at0 = sp.Subs(sp.Derivative(sig, (z, 2)), z, 0)
    assert check_equation(at0, 0, d.context).verdict is Verdict.TRUE
    assert check_equation(at0, sp.Rational(1, 8), d.context).verdict is Verdict.FALSE


def test_relu_kink_slopes_differ():
    d = symbp.build("relu")
    assert _rejects(d, "kink", sp.Integer(0))


def test_softplus_derivative_is_sigmoid():
    assert symbp.derive("softplus").part_result("sigmoid")[2] == ACTIVATIONS.get("sigmoid").applied


def test_tanh_scaled_course_form():
    v = symbp.derive("tanh_scaled")
    assert v.verified
    rhs = v.part_result("course_form")[2]
    A, B = sp.symbols("A B", positive=True)
    assert rhs == A * B * (1 - a**2 / A**2)


# --- softmax -----------------------------------------------------------------
def test_softmax_jacobian_swapped_index_is_rejected():
    from derivations._notation import a as av
    from derivations._notation import j, k
    d = symbp.build("softmax_jacobian")
    swapped = av[k] * (sp.KroneckerDelta(j, k) - av[j])  # a_k(δ_jk − a_j): wrong unless j = k
    assert _rejects(d, "jacobian", swapped)


def test_softmax_jacobian_off_diagonal_case():
    from derivations._notation import a as av
    from derivations._notation import j
    from derivations._notation import z as zz
    from derivations.softmax import m
    d = symbp.build("softmax_jacobian")
    assert _rejects(d, "k!=j", av[j] * (1 - av[m]))
    # the assumption m ≠ j is what makes the case true: without it, j = m is sampled
    ctx = d.context
    no_distinct = type(ctx)(ctx.definitions, [], ctx.domains, ctx.index_ranges, ctx.sizes)
    check = check_equation(sp.Derivative(av[j], zz[m]), -av[j] * av[m], no_distinct)
    assert check.verdict is Verdict.FALSE


def test_softmax_matrix_form_rejects_a_missing_outer_product():
    d = symbp.build("softmax_jacobian")
    rhs = d.steps[_step_index(d, "matrix")].rhs
    diag_only = next(t for t in rhs.args if isinstance(t, sp.DiagMatrix))
    assert _rejects(d, "matrix", diag_only)


def test_softmax_temperature_wrong_limit_is_rejected():
    d = symbp.build("softmax_temperature")
    assert _rejects(d, "largest", sp.Rational(1, 2))
    assert _rejects(d, "others", sp.Integer(0))
