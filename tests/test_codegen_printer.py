"""The NumPy printer: printed code computes what the SymPy expression means."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symbp.codegen.printer import SymbpNumPyPrinter, TotalSum, UnitMax, UnitSum, numpy_code

z, a = sp.Symbol("z", real=True), sp.Symbol("a", real=True)

LEAVES = st.sampled_from([z, a, sp.Integer(2), sp.Rational(1, 3), sp.Rational(-5, 7)])
UNARY = [sp.tanh, lambda x: sp.exp(sp.tanh(x)), lambda x: sp.log(1 + sp.exp(x)), sp.Abs,
         lambda x: sp.Max(0, x), lambda x: 1 / (1 + x**2), lambda x: sp.log(1 + x**2),
         lambda x: sp.exp(-x**2) - 1, lambda x: x**3, lambda x: sp.sqrt(1 + x**2)]
BINARY = [sp.Add, sp.Mul, lambda x, y: x - y, lambda x, y: x / (2 + sp.tanh(y))]


def exprs():
    return st.recursive(
        LEAVES,
        lambda kids: st.one_of(
            st.tuples(st.sampled_from(UNARY), kids).map(lambda t: t[0](t[1])),
            st.tuples(st.sampled_from(BINARY), kids, kids).map(lambda t: t[0](t[1], t[2]))),
        max_leaves=6)


def run(code: str, **values):
    return eval(code, {"np": np}, values)  # our own printer's output


@settings(max_examples=150, deadline=None)
@given(exprs(), st.floats(-3, 3), st.floats(-3, 3))
def test_printed_code_evaluates_to_the_expression(expr, zv, av):
    expr = sp.sympify(expr)
    code = numpy_code(expr)
    assert "**(-1" not in code and "numpy." not in code
    with mpmath.workdps(30):
        exact = complex(sp.N(expr.subs({z: zv, a: av}), 30))
    assume_finite = math.isfinite(exact.real) and abs(exact.imag) < 1e-20
    if not assume_finite:
        return
    with np.errstate(all="ignore"):
        got = run(code, z=np.float64(zv), a=np.float64(av))
    assert np.isclose(float(got), exact.real, rtol=1e-9, atol=1e-12), (expr, code)


def test_stable_primitives_and_forms():
    assert numpy_code(sp.log(1 + sp.exp(-z))) == "np.logaddexp(0, -z)"
    assert numpy_code(1 - sp.exp(-a)) == "-np.expm1(-a)"
    assert numpy_code(sp.log(1 + a)) == "np.log1p(a)"
    assert numpy_code(1 / (1 + z)) == "1/(z + 1)"
    assert numpy_code(sp.Heaviside(z)) == "np.greater(z, 0).astype(z.dtype)"
    assert numpy_code(sp.Heaviside(z - 1)) == "np.heaviside(z - 1, 0)"
    assert list(run(numpy_code(sp.Heaviside(z)), z=np.array([-1.0, 0.0, 2.0]))) == [0, 0, 1]
    big = np.array([-1e4, 0.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert np.all(np.isfinite(run(numpy_code(sp.log(1 + sp.exp(z))), z=big)))


def test_unit_and_matrix_forms():
    rows = SymbpNumPyPrinter(unit_axis=1)
    cols = SymbpNumPyPrinter(unit_axis=0)
    assert rows.doprint(UnitSum(z)) == "np.sum(np.ascontiguousarray(z.T), axis=0)[:, None]"
    assert cols.doprint(UnitMax(z)) == "np.max(z, axis=0, keepdims=True)"
    assert rows.doprint(TotalSum(z * a)) == "np.sum(a*z)"
    N, p, q = sp.symbols("N p q", integer=True, positive=True)
    A, W = sp.MatrixSymbol("A", N, p), sp.MatrixSymbol("W", p, q)
    b, D = sp.MatrixSymbol("b", 1, q), sp.MatrixSymbol("Delta", N, q)
    assert rows.doprint(A * W + sp.OneMatrix(N, 1) * b) == "A @ W + b"
    assert rows.doprint(A.T * D) == "A.T @ Delta"
    assert rows.doprint(sp.OneMatrix(1, N) * D) == "np.sum(Delta, axis=0)"
    assert rows.doprint(sp.HadamardProduct(D, D)) == "Delta * Delta"
    assert rows.print_into(A.T * D, "out") == "np.matmul(A.T, Delta, out=out)"
