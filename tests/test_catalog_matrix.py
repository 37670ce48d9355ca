"""Matrix calculus, intermediate-variable derivatives and the backprop entries can fail.

Each wrong rule below is a mistake students make; the witnesses must reject it
(a non-square shape makes some of them impossible to even form).
"""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symbp
from symbp.core.atomize import atomized_zero
from symbp.core.context import Context, Definition
from symbp.core.matrixcalc import Grad, differential
from symbp.core.verdict import Verdict
from symbp.core.witness import check_equation

m, n, p = (sp.Symbol(s, integer=True, positive=True) for s in "mnp")
X, dX = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("dX", m, n)
Y, dY = sp.MatrixSymbol("Y", n, p), sp.MatrixSymbol("dY", n, p)
S, dS = sp.MatrixSymbol("S", n, n), sp.MatrixSymbol("dS", n, n)


def _ctx(**sizes):
    ctx = Context()
    for sym, cands in sizes.items():
        ctx.sizes[sp.Symbol(sym, integer=True, positive=True)] = cands
    return ctx


_UNCHECKED = pytest.mark.filterwarnings(  # check=False builds a deliberately ill-shaped claim
    "ignore::sympy.utilities.exceptions.SymPyDeprecationWarning")


@_UNCHECKED
def test_product_rule_holds_and_the_swapped_rule_is_caught():
    ctx = _ctx(m=(2,), n=(3,), p=(2,))
    d = differential(sp.MatMul(X, Y), (X, dX), (Y, dY))
    assert check_equation(d, sp.MatMul(dX, Y) + sp.MatMul(X, dY), ctx).verdict is Verdict.TRUE
    # d(XY) = X dY + Y dX: for X 2×3, Y 3×2, "Y dX" is 3×3 and cannot be added to a 2×2
    wrong = sp.MatAdd(sp.MatMul(X, dY), sp.MatMul(Y, dX), check=False)
    check = check_equation(d, wrong, ctx)
    assert check.verdict is Verdict.FALSE
    assert check.counterexample is not None


def test_square_product_rule_with_commuted_factors_is_caught():
    ctx = _ctx(n=(2, 3))
    dd = differential(sp.MatMul(S, S), (S, dS))
    assert check_equation(dd, sp.MatMul(dS, S) + sp.MatMul(S, dS), ctx).verdict is Verdict.TRUE
    wrong = check_equation(dd, 2 * sp.MatMul(S, dS), ctx)  # as if S and dS commuted
    assert wrong.verdict is Verdict.FALSE
    assert wrong.counterexample is not None


@_UNCHECKED
def test_trace_of_ab_written_for_trace_of_atb_is_caught():
    A, B = sp.MatrixSymbol("A", m, n), sp.MatrixSymbol("B", m, n)
    lhs = sp.Trace(sp.MatMul(A.T, B))
    assert check_equation(lhs, sp.Trace(sp.MatMul(B, A.T)), _ctx(m=(2,), n=(3,))).verdict \
        is Verdict.TRUE
    # tr(AB) for tr(AᵀB): not even formable when A, B are 2×3 …
    non_square = check_equation(lhs, sp.Trace(sp.MatMul(A, B, check=False)), _ctx(m=(2,), n=(3,)))
    assert non_square.verdict is Verdict.FALSE
    # … and numerically different when they are square
    square = check_equation(lhs, sp.Trace(sp.MatMul(A, B)), _ctx(m=(2,), n=(2,)))
    assert square.verdict is Verdict.FALSE


def test_inverse_rule_with_commuted_factors_is_caught():
    ctx = _ctx(n=(2,))
    Si = sp.Inverse(S)
    d = differential(Si, (S, dS))
    assert check_equation(d, -sp.MatMul(Si, dS, Si), ctx).verdict is Verdict.TRUE
    assert check_equation(d, -sp.MatMul(Si, Si, dS), ctx).verdict is Verdict.FALSE


def test_determinant_rule_needs_the_determinant_factor():
    ctx = _ctx(n=(2,))
    d = differential(sp.Determinant(S), (S, dS))
    good = sp.Determinant(S) * sp.Trace(sp.MatMul(sp.Inverse(S), dS))
    assert check_equation(d, good, ctx).verdict is Verdict.TRUE
    assert check_equation(d, sp.Trace(sp.MatMul(sp.Inverse(S), dS)), ctx).verdict is Verdict.FALSE


def test_derivative_by_an_intermediate_variable_holds_it_independent():
    x = sp.Symbol("x", real=True)
    u, C = sp.Symbol("u", real=True), sp.Symbol("C", real=True)
    ctx = Context([Definition(u, x ** 2), Definition(C, u ** 3)])
    # ∂C/∂u = 3u² evaluated at u = x², not ∂C/∂x = 6x⁵ and not 0
    assert check_equation(sp.Derivative(C, u), 3 * x ** 4, ctx).verdict is Verdict.TRUE
    assert check_equation(sp.Derivative(C, u), 6 * x ** 5, ctx).verdict is Verdict.FALSE
    assert check_equation(sp.Derivative(C, x), 6 * x ** 5, ctx).verdict is Verdict.TRUE


def test_matrix_gradient_by_an_intermediate_matrix():
    W = sp.MatrixSymbol("W", m, n)
    a = sp.MatrixSymbol("a", n, 1)
    z = sp.MatrixSymbol("z", m, 1)
    J = sp.Symbol("J", real=True)
    ctx = _ctx(m=(2,), n=(3,))
    ctx.definitions += [Definition(z, sp.MatMul(W, a)),
                        Definition(J, sp.Trace(sp.MatMul(z.T, z)) / 2)]
    assert check_equation(Grad(J, z), z, ctx).verdict is Verdict.TRUE
    assert check_equation(Grad(J, W), sp.MatMul(z, a.T), ctx).verdict is Verdict.TRUE
    # the transposed gradient a zᵀ has the wrong shape
    assert check_equation(Grad(J, W), sp.MatMul(a, z.T), ctx).verdict is Verdict.FALSE


def test_bp2_with_swapped_weight_indices_is_caught():
    from derivations._notation import w
    from derivations.backprop_index import family

    d = symbp.build("bp2")
    l = sp.Symbol("l", integer=True)
    j = sp.Symbol("j", integer=True)
    kk = sp.Dummy("k", integer=True)
    d0, d1 = family("delta", "l"), family("delta", "l+1")
    z0 = family("z", "l")
    m_ = sp.Symbol("m", integer=True, positive=True)
    from derivations.backprop import sigma

    good = d.parts[0].goal_rhs
    wrong = sp.Sum(w[l + 1, j, kk] * d1[l + 1, kk], (kk, 1, m_)) * sp.Derivative(
        sigma(z0[l, j]), z0[l, j])
    assert check_equation(d0[l, j], good, d.context).verdict is Verdict.TRUE
    assert check_equation(d0[l, j], wrong, d.context).verdict is Verdict.FALSE


def test_three_layer_net_output_error_sign_is_checked():
    from derivations.backprop import CE, Z2, Y, Yhat

    d = symbp.build("three_layer_net")
    assert check_equation(Grad(CE, Z2), Yhat - Y, d.context).verdict is Verdict.TRUE
    assert check_equation(Grad(CE, Z2), Y - Yhat, d.context).verdict is Verdict.FALSE


def test_trace_identities_entry_is_verified_and_rejects_a_corrupted_step():
    d = symbp.build("trace_identities")
    assert symbp.verify(d).verified
    assert len(d.steps) >= 3
    step = d.steps[4]  # Σ_ij ((A ⊙ Bᵀ)ᵀ)_ij, sign flipped
    assert not symbp.verify(d.with_step(4, -1 * step.rhs)).verified


x = sp.Symbol("x", real=True)
atoms = st.sampled_from([sp.exp(x), sp.exp(2 * x), sp.exp(-x), sp.Integer(2), x])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 3), atoms, atoms), min_size=1, max_size=4))
def test_atomized_zero_never_calls_a_nonzero_expression_zero(terms):
    e = sp.Add(*[c * a * b for c, a, b in terms])
    if atomized_zero(e):
        for v in (-1.3, 0.4, 2.1):
            assert abs(complex(e.subs(x, v))) < 1e-9
    assert atomized_zero(sp.exp(2 * x) - sp.exp(x) ** 2)
    assert atomized_zero(sp.exp(-x) * sp.exp(x) - 1)
