"""The notation layer: what a claim's LaTeX is read as (before any checking)."""

from __future__ import annotations

import pytest
import sympy as sp
from sympy.matrices.expressions.hadamard import HadamardProduct

from symbp.claims.judge import Problem
from symbp.claims.scanner import split_indices
from symbp.notation.latex_in import LatexInputError, read_claim


def sides(claim, *contexts, defines=()):
    return Problem(claim, contexts, defines).values


def test_indexed_families_share_a_base_and_sums_bind_the_index():
    lhs, rhs = sides(r"\sum_{k=1}^{n} e^{z_k} = z_j")
    (body, (k, _lo, hi)), = [(lhs.function, lhs.limits[0])]
    assert isinstance(rhs, sp.Indexed) and rhs.base == body.args[0].base
    assert k.is_integer and hi.is_integer and hi.is_positive


def test_kronecker_delta_and_two_indices():
    lhs, rhs = sides(r"\delta_{jk} = w_{jk}")
    assert isinstance(lhs, sp.KroneckerDelta)
    assert isinstance(rhs, sp.Indexed) and len(rhs.indices) == 2


def test_layer_superscripts_are_labels_but_x_squared_is_a_power():
    lhs, rhs = sides(r"a^{l-1}_k = x^2")
    assert isinstance(lhs, sp.Indexed) and lhs.indices[0] == sp.Symbol("l", integer=True) - 1
    assert rhs == sp.Symbol("x", real=True) ** 2


def test_prime_is_a_derivative_and_sigma_is_a_function():
    lhs, rhs = sides(r"\sigma'(z) = \sigma(z)")
    assert lhs.has(sp.Derivative) and not rhs.has(sp.Derivative)


def test_transpose_hadamard_and_trace():
    lhs, rhs = sides(r"\mathrm{tr}(A^T B) = \mathrm{tr}(A \odot B)", "matrix")
    assert isinstance(lhs, sp.Trace) and lhs.has(sp.Transpose)
    assert rhs.arg.__class__ is HadamardProduct


def test_parentheses_keep_matrix_products_in_order():
    lhs, rhs = sides("(AB)C = A(BC)", "matrix")
    assert str(lhs) == "(A*B)*C" and str(rhs) == "A*(B*C)"
    lhs, rhs = sides("(A + B)C = C(A + B)", "matrix")
    assert str(lhs).endswith("*C") and str(rhs).startswith("C*")


def test_network_quantities_in_backprop_context():
    lhs, rhs = sides(r"\delta^l = ((W^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)", "backprop")
    assert lhs.shape == rhs.shape


def test_split_indices():
    assert split_indices("jk") == ("j", "k")
    assert split_indices("j,k") == ("j", "k")
    assert split_indices("12") == ("12",)
    assert split_indices("out!") is None


@pytest.mark.parametrize("claim", [r"x = \sigma z", r"x = (y", r"\odot = 1",
                                   r"x = \sigma^2(z)", r"x = y_{\alpha\beta\gamma\delta}"])
def test_not_understood_is_an_error_not_a_guess(claim):
    with pytest.raises(LatexInputError):
        Problem(claim)


def test_chain_is_split_on_top_level_equals_only():
    _, parts = read_claim(r"\sum_{j=1}^{n} x_j = y = z")
    assert [t for _, t, _ in parts] == [r"\sum_{j=1}^{n} x_j", "y", "z"]
