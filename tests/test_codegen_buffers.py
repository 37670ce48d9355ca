"""The generated module's reused work arrays (the ``out=`` path) never change a result.

``loss_and_gradients(params, X, Y, out=out)`` keeps z^l and ∂L/∂A^l arrays per (out, batch
shape) and computes ``A W + b`` / ``Δ Wᵀ`` into them; these tests call it repeatedly with
different batches and batch sizes (both layouts) and compare with the fresh-array path.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from symbp.codegen import generate, load
from symbp.codegen.printer import SymbpNumPyPrinter
from symbp.nn.activations import ACTIVATIONS


@pytest.mark.parametrize("layout", ["rows", "columns"])
@pytest.mark.parametrize("hidden", ["sigmoid", "relu"])
def test_out_path_with_reused_work_arrays_matches_fresh_path(layout, hidden):
    m = load(generate((6, 5, 4, 3), ACTIVATIONS.get(hidden), "softmax", "ce", layout=layout,
                      dtype="float64"))
    params = m.init_params(seed=2, scheme="xavier")
    out = [(np.empty_like(W), np.empty_like(b)) for W, b in params]
    rng = np.random.default_rng(0)
    for n in (7, 7, 3, 7, 1, 3):  # repeated and changing batch sizes reuse/extend the cache
        X = rng.normal(size=(n, 6))
        Y = np.eye(3)[rng.integers(0, 3, n)]
        if layout == "columns":
            X, Y = X.T.copy(), Y.T.copy()
        value, grads = m.loss_and_gradients(params, X, Y)
        value2, grads2 = m.loss_and_gradients(params, X, Y, out=out)
        assert grads2 is out and value2 == pytest.approx(value, rel=1e-12)
        for fresh, reused in zip(grads, out):
            for g, h in zip(fresh, reused):
                np.testing.assert_allclose(h, g, rtol=1e-12, atol=1e-15)
        # the inputs were not overwritten, and the forward pass still agrees
        assert np.isfinite(m.loss(params, X, Y))


def test_affine_printed_into_out_and_refused_when_out_is_an_operand():
    p = SymbpNumPyPrinter(unit_axis=1)
    A, W = sp.MatrixSymbol("A", 4, 3), sp.MatrixSymbol("W", 3, 2)
    b, ones = sp.MatrixSymbol("b", 1, 2), sp.OneMatrix(4, 1)
    assert p.print_into(A * W + ones * b, "out") == \
        "np.add(np.matmul(A, W, out=out), b, out=out)"
    out = sp.MatrixSymbol("out", 1, 2)
    assert p.print_into(A * W + ones * out, "out") is None  # would read what it overwrites
    assert p.print_into(A * W + A * W, "out") is None  # two products: not a single matmul
