"""The witnesses decide correctly, and each of them can say FALSE or UNDECIDED."""

import sympy as sp

from symbp.core.context import Context, Definition, sum_equals_one
from symbp.core.symbolic import symbolic_witness
from symbp.core.verdict import Verdict
from symbp.core.witness import check_equation

x = sp.Symbol("x", real=True)
n = sp.Symbol("n", integer=True, positive=True)
j, k = sp.symbols("j k", integer=True)
z = sp.IndexedBase("z", real=True)
y = sp.IndexedBase("y", real=True)


def test_true_identity_is_true():
    c = check_equation(sp.sin(x) ** 2 + sp.cos(x) ** 2, 1)
    assert c.verdict is Verdict.TRUE


def test_wrong_identity_is_false_with_counterexample():
    c = check_equation(sp.exp(x) * sp.exp(x), sp.exp(x ** 2))
    assert c.verdict is Verdict.FALSE
    ce = c.counterexample
    assert ce and "x" in ce["values"] and ce["lhs"] != ce["rhs"]


def test_sigmoid_derivative_true_and_sign_flip_false():
    s = 1 / (1 + sp.exp(-x))
    assert check_equation(sp.diff(s, x), s * (1 - s)).verdict is Verdict.TRUE
    assert check_equation(sp.diff(s, x), s * (s - 1)).verdict is Verdict.FALSE


def test_softmax_jacobian_general_n():
    i = sp.Dummy("i", integer=True)
    a = sp.IndexedBase("a", real=True)
    ctx = Context(definitions=[Definition(a[j], sp.exp(z[j]) / sp.Sum(sp.exp(z[i]), (i, 1, n)))],
                  index_ranges={j: (1, n), k: (1, n)})
    good = check_equation(sp.Derivative(a[j], z[k]), a[j] * (sp.KroneckerDelta(j, k) - a[k]), ctx)
    assert good.verdict is Verdict.TRUE
    bad = check_equation(sp.Derivative(a[j], z[k]), a[j] * (sp.KroneckerDelta(j, k) + a[k]), ctx)
    assert bad.verdict is Verdict.FALSE


def test_assumption_is_used_and_needed():
    ctx = Context(assumptions=[sum_equals_one(y, n)], index_ranges={k: (1, n)})
    lhs = z[k] * sp.Sum(y[j], (j, 1, n))
    assert check_equation(lhs, z[k], ctx).verdict is Verdict.TRUE
    without = Context(index_ranges={k: (1, n)})
    assert check_equation(lhs, z[k], without).verdict is Verdict.FALSE


def test_matrix_identity_general_shapes_and_non_square_failure():
    m, p = sp.symbols("m p", integer=True, positive=True)
    A = sp.MatrixSymbol("A", m, p)
    B = sp.MatrixSymbol("B", p, m)
    assert check_equation(sp.Trace(A * B), sp.Trace(B * A)).verdict is Verdict.TRUE
    # (AB)^T = A^T B^T is wrong (and cannot even be formed unless square)
    c = check_equation((A * B).T, A.T * B.T)
    assert c.verdict is Verdict.FALSE


def test_timeout_gives_undecided_not_true():
    hard = sp.Sum(sp.exp(x) ** sp.Symbol("q"), (sp.Symbol("q"), 1, 50))
    e = symbolic_witness(hard, hard + sp.Rational(1, 10**30) * x, Context(), timeout=1e-4)
    assert e.verdict is Verdict.UNDECIDED


def test_disagreeing_witnesses_are_undecided():
    from symbp.core.verdict import Evidence, combine

    sym = Evidence("symbolic", Verdict.TRUE, "said zero")
    num = Evidence("numeric", Verdict.FALSE, "differ")
    assert combine([sym, num]) is Verdict.UNDECIDED


def test_a_true_equation_in_a_broken_chain_is_false():
    from symbp.core.verdict import Evidence, combine

    sym = Evidence("symbolic", Verdict.TRUE, "said zero")
    num = Evidence("numeric", Verdict.TRUE, "agree")
    broken = Evidence("structure", Verdict.FALSE, "does not start where the last step ended")
    assert combine([sym, num]) is Verdict.TRUE
    assert combine([sym, num, broken]) is Verdict.FALSE
    assert combine([Evidence("symbolic", Verdict.UNDECIDED, "timed out"), num, broken]) \
        is Verdict.FALSE


def test_an_expression_the_evaluator_cannot_print_is_undecided():
    class Opaque(sp.Function):
        """A function with no numeric meaning: neither witness may call it true or false."""

    c = check_equation(Opaque(x) + 1, Opaque(x) + 1 + sp.Integer(0) * x)
    assert c.verdict is not Verdict.FALSE
    c2 = check_equation(Opaque(x), Opaque(x) ** 2)
    assert c2.verdict is Verdict.UNDECIDED


def test_a_side_that_is_a_size_symbol():
    i = sp.Symbol("i", integer=True)
    assert check_equation(sp.Sum(1, (i, 1, n)), n).verdict is Verdict.TRUE
    assert check_equation(sp.Sum(1, (i, 1, n)), n + 1).verdict is Verdict.FALSE
