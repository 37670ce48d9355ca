"""The convolution entries reject the mistakes students make in them.

(The generic checks — every step verified by both witnesses, every corrupted step caught —
run for these entries in tests/test_catalog.py like for every other entry.)
"""

from __future__ import annotations

import sympy as sp

from derivations import conv2d as cv
from derivations import pooling as pl
from symbp import catalog
from symbp.core.verdict import Verdict
from symbp.core.witness import check_equation


def _context(name):
    return catalog.get(name).build().context


def test_input_gradient_with_an_unflipped_kernel_is_false():
    ctx = _context("conv2d")
    o, p, q = sp.Dummy("o", integer=True), sp.Dummy("p", integer=True), sp.Dummy("q", integer=True)
    lhs = sp.Derivative(cv.L, cv.x[cv.n, cv.c, cv.u, cv.v])
    wrong = sp.Sum(cv.dpad[cv.n, o, cv.u + p, cv.v + q] * cv.K[o, cv.c, p, q],
                   (o, 0, cv.O - 1), (p, 0, cv.kh - 1), (q, 0, cv.kw - 1))
    check = check_equation(lhs, wrong, ctx)
    assert check.verdict is Verdict.FALSE
    assert check.counterexample is not None


def test_kernel_gradient_with_swapped_offsets_is_false():
    ctx = _context("conv2d")
    n, i, j = (sp.Dummy(t, integer=True) for t in "nij")
    lhs = sp.Derivative(cv.L, cv.K[cv.o, cv.c, cv.p, cv.q])
    wrong = sp.Sum(cv.delta[n, cv.o, i, j] * cv.x[n, cv.c, i + cv.q, j + cv.p],
                   (n, 0, cv.N - 1), (i, 0, cv.Ho - 1), (j, 0, cv.Wo - 1))
    assert check_equation(lhs, wrong, ctx).verdict is Verdict.FALSE


def test_im2col_in_the_wrong_order_is_false():
    """The kernel flattened in another order than the windows of x: a scrambled kernel."""
    ctx = _context("conv2d")
    r = sp.Dummy("r", integer=True)
    R = cv.C * cv.kh * cv.kw
    # x's windows flattened in C order (p slow, q fast), the kernel with q slow and p fast
    wrong = sp.Sum(cv.K[cv.o, sp.floor(r / (cv.kh * cv.kw)), sp.Mod(r, cv.kh),
                        sp.Mod(sp.floor(r / cv.kh), cv.kw)]
                   * cv.x[cv.n, sp.floor(r / (cv.kh * cv.kw)),
                          cv.i + sp.Mod(sp.floor(r / cv.kw), cv.kh), cv.j + sp.Mod(r, cv.kw)],
                   (r, 0, R - 1)) + cv.b[cv.o]
    assert check_equation(cv.z[cv.n, cv.o, cv.i, cv.j], wrong, ctx).verdict is Verdict.FALSE


def test_maxpool_gradient_spread_over_the_window_is_false():
    ctx = _context("maxpool")
    lhs = sp.Derivative(pl.L, pl.x[pl.n, pl.c, 2 * pl.i + pl.p, 2 * pl.j + pl.q])
    assert check_equation(lhs, pl.delta[pl.n, pl.c, pl.i, pl.j], ctx).verdict is Verdict.FALSE
    a = [sp.Symbol(f"a_{t}", real=True) for t in range(4)]
    # "the derivative of max is 1" is false wherever a_0 is not the maximum
    assert check_equation(sp.Derivative(sp.Max(*a), a[0]), 1, ctx).verdict is Verdict.FALSE


def test_avgpool_without_the_one_over_s_squared_is_false():
    ctx = _context("avgpool")
    lhs = sp.Derivative(pl.L, pl.x[pl.n, pl.c, pl.s * pl.i + pl.p, pl.s * pl.j + pl.q])
    assert check_equation(lhs, pl.delta[pl.n, pl.c, pl.i, pl.j], ctx).verdict is Verdict.FALSE
    assert check_equation(lhs, pl.delta[pl.n, pl.c, pl.i, pl.j] / pl.s, ctx).verdict \
        is Verdict.FALSE


def test_flatten_in_fortran_order_is_false():
    ctx = _context("flatten")
    lhs = sp.Derivative(pl.L, pl.x[pl.n, pl.c, pl.h, pl.w])
    wrong = pl.g[pl.n, (pl.w * pl.Hs + pl.h) * pl.C + pl.c]
    assert check_equation(lhs, wrong, ctx).verdict is Verdict.FALSE
