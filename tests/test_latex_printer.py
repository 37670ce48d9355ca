"""NNLatexPrinter: course notation (w^l_jk, σ′(z), ⊙, ∂-fractions, y_j ln a_j, step)."""

import sympy as sp

from derivations._notation import a, delta, j, k, n, w, y, z
from symbp.core.expr import fresh
from symbp.notation.latex_out import latex

x = sp.Symbol("x", real=True)
sigma = sp.Function("sigma")


def test_layered_superscripts():
    l = sp.Symbol("l", integer=True)
    assert latex(w[l, j, k]) == "w^{l}_{jk}"
    assert latex(delta[l, j]) == r"\delta^{l}_{j}"


def test_sigma_prime_and_derivative_fractions():
    assert latex(sigma(x).diff(x)) == r"\sigma'{\left(x\right)}"
    assert latex(sigma(x).diff(x).subs(x, z[j])) == r"\sigma'{\left(z_{j}\right)}"
    assert latex(sp.Derivative(a[j], z[k])) == r"\frac{\partial a_{j}}{\partial z_{k}}"
    tex = latex(sp.Derivative(sp.log(a[j]) * y[j], z[k]))
    assert tex.startswith(r"\frac{\partial}{\partial z_{k}}")


def test_hand_written_factor_order_and_ln():
    assert latex(sp.log(a[j]) * y[j]) == r"y_{j} \ln a_{j}"
    assert latex(-sp.Sum(y[j] * sp.log(a[j]), (j, 1, n))) == r"- \sum_{j=1}^{n} y_{j} \ln a_{j}"
    assert latex(sp.log(1 - a[j])) == r"\ln{\left(1 - a_{j} \right)}"
    # y/a times a derivative: no fraction inside a fraction
    tex = latex(y[j] / a[j] * sp.Derivative(a[j], z[k]))
    assert tex == r"\frac{y_{j}}{a_{j}} \frac{\partial a_{j}}{\partial z_{k}}"


def test_kronecker_hadamard_transpose_step_dummy():
    assert latex(sp.KroneckerDelta(j, k)) == r"\delta_{jk}"
    A, B = sp.MatrixSymbol("A", 2, 2), sp.MatrixSymbol("B", 2, 2)
    assert latex(sp.HadamardProduct(A, B)) == r"A \odot B"
    assert latex(A.T) == "A^{T}"
    assert latex(sp.Heaviside(x)) == r"\operatorname{step}{\left(x\right)}"
    i = fresh("i")
    assert latex(sp.Sum(z[i], (i, 1, n))) == r"\sum_{i=1}^{n} z_{i}"


def test_limit_prints():
    h = sp.Symbol("h")
    assert latex(sp.Limit(sp.sin(h) / h, h, 0)).startswith(r"\lim_{h \to 0")


def test_bold_matrix_form_for_reports():
    W, D = sp.MatrixSymbol("W_2", 3, 3), sp.MatrixSymbol("Delta", 3, 3)
    x = sp.MatrixSymbol("a", 3, 1)
    assert latex(W * x, bold_matrices=True) == r"\mathbf{W}_{2} \mathbf{a}"
    assert latex(D.T, bold_matrices=True) == r"\boldsymbol{\Delta}^{T}"
    assert latex(W * x) == "W_{2} a"  # plain by default (derive --format latex)


def test_transpose_of_a_fraction_is_parenthesised():
    assert latex(sp.Transpose(sp.Derivative(sp.MatrixSymbol("Z", 2, 2), x))).startswith(
        r"\left(\frac")


def test_bold_keeps_decorated_names_intact():
    assert latex(sp.MatrixSymbol(r"\hat{Y}", 2, 2), bold_matrices=True) == r"\boldsymbol{\hat{Y}}"


def test_a_sum_of_negated_terms_has_its_sign_in_front():
    from symbp.notation.text_out import text

    ce = sp.Sum(-y[j] * sp.log(a[j]), (j, 1, n))  # how the loss registry writes C
    assert latex(ce) == r"- \sum_{j=1}^{n} y_{j} \ln a_{j}"
    assert latex(a[k] * sp.Sum(y[j], (j, 1, n)) + ce) == \
        r"a_{k} \sum_{j=1}^{n} y_{j} - \sum_{j=1}^{n} y_{j} \ln a_{j}"
    assert latex(sp.Derivative(ce, z[k])) == \
        r"\frac{\partial}{\partial z_{k}} \left(- \sum_{j=1}^{n} y_{j} \ln a_{j}\right)"
    assert text(ce) == "−Σ_{j=1}^n y_j ln a_j"
    assert text(sp.Derivative(ce, z[k])) == "∂(−Σ_{j=1}^n y_j ln a_j)/∂z_k"
    assert text(a[k] * sp.Sum(y[j], (j, 1, n)) + ce) == "a_k Σ_{j=1}^n y_j − Σ_{j=1}^n y_j ln a_j"
    assert text(-sp.Sum(y[j] * (sp.KroneckerDelta(j, k) - a[k]), (j, 1, n))) == \
        "−Σ_{j=1}^n y_j(δ_jk − a_k)"
    x_ = sp.Symbol("a")
    assert text(x_ * (1 - x_)) == "a(1 − a)" and text(2 * x_) == "2a"
