"""Softmax output with the quadratic cost: the coupled δ, derived, verified and generated.

δ_k = ∂C/∂z_k = a_k[(a_k − y_k) − Σ_j a_j(a_j − y_j)] for C = ½Σ_j (a_j − y_j)²,
a = softmax(z) (catalog entry ``softmax_mse``, derivations/softmax_mse.py).  Checked
here: the derivation against an independent SymPy differentiation; corrupted steps are
rejected; the generated modules (both layouts, depths 1–3) against central finite
differences and against PyTorch autograd (float64), whose forward pass is written here
from the textbook definitions; and a generator fed the elementwise mistake δ = (a − y)
a(1 − a) (the coupling sum dropped) fails gradcheck.
"""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest
import sympy as sp

import symbp
from derivations.losses import output_delta_derivation, output_delta_result
from symbp.codegen import generate, gradcheck, load
from symbp.codegen.sources import Formula
from symbp.core.verdict import Verdict
from symbp.nn.activations import ACTIVATIONS
from symbp.nn.losses import a as A
from symbp.nn.losses import y as Y

torch = pytest.importorskip("torch")

IA, IY, IZ = (sp.IndexedBase(s, real=True) for s in "ayz")
K = sp.Symbol("k", integer=True)
TORCH_HIDDEN = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "softplus":
                torch.nn.functional.softplus}


def _rel(x, ref) -> float:
    x, ref = np.asarray(x, np.float64), np.asarray(ref, np.float64)
    return float(np.max(np.abs(x - ref)) / max(np.max(np.abs(x)), np.max(np.abs(ref)), 1e-300))


# --- the derivation ---------------------------------------------------------------
def test_the_catalog_entry_verifies_with_real_steps():
    v = symbp.derive("softmax_mse")
    assert v.verified, v.text()
    assert v.derivation.group == "losses" and len(v.steps) >= 4
    kinds = [r.step.because.kind for r in v.steps]
    assert {"chain_rule", "previous_result", "kronecker_sum", "sum_split"} <= set(kinds)
    assert all(r.step.rhs != 0 for r in v.steps)
    assert "softmax_jacobian" in " ".join(r.step.because.detail for r in v.steps)


def test_the_result_matches_an_independent_differentiation():
    """δ_j from the verified derivation vs SymPy's ∂/∂z_k of ½Σ(softmax − y)² at n = 3."""
    delta = output_delta_result("softmax", "mse")
    assert len(delta.atoms(sp.Sum)) == 1  # the coupling Σ_i a_i(a_i − y_i), bound index
    outside = delta.replace(lambda e: isinstance(e, sp.Sum), lambda e: sp.Integer(0))
    assert outside.free_symbols <= {A, Y} and not outside.atoms(sp.Indexed)
    n = 3
    zs, ys = sp.symbols("z1:4", real=True), sp.symbols("y1:4", real=True)
    soft = [sp.exp(zi) / sum(sp.exp(zm) for zm in zs) for zi in zs]
    cost = sum((ai - yi) ** 2 for ai, yi in zip(soft, ys)) / 2
    rng = random.Random(7)
    point = {s: sp.Rational(rng.randint(-30, 30), 10) for s in (*zs, *ys)}
    av = [s.subs(point) for s in soft]
    for k in range(n):
        oracle = sp.diff(cost, zs[k]).subs(point)
        concrete = delta.replace(lambda e: isinstance(e, sp.Sum), lambda e: sp.Add(*[
            e.function.xreplace({e.variables[0]: m}) for m in range(1, n + 1)]))
        got = concrete.xreplace({IA[m + 1]: av[m] for m in range(n)}).xreplace(
            {IY[m + 1]: point[ys[m]] for m in range(n)}).xreplace({A: av[k], Y: point[ys[k]]})
        assert abs(float((got - oracle).evalf(40))) < 1e-30


def _rejected(v, index, rhs) -> bool:
    bad = symbp.verify(v.derivation.with_step(index, rhs))
    return not bad.verified and any(r.verdict is Verdict.FALSE for r in bad.steps)


def test_corrupted_steps_are_rejected():
    v = symbp.derive("softmax_mse")
    last = len(v.steps) - 1
    i = sp.Dummy("i", integer=True)
    n = next(iter(v.steps[-1].step.rhs.atoms(sp.Sum))).limits[0][2]
    # the elementwise mistake: the coupling sum dropped, δ_k = a_k(a_k − y_k)
    assert _rejected(v, last, IA[K] * (IA[K] - IY[K]))
    # the Jacobian with the wrong sign: a_i(a_k − δ_ik)
    jac = next(j for j, r in enumerate(v.steps) if r.step.because.kind == "previous_result")
    wrong = sp.Sum((IA[i] - IY[i]) * IA[i] * (IA[K] - sp.KroneckerDelta(i, K)), (i, 1, n))
    assert _rejected(v, jac, wrong)
    # a sign flip in the middle of the chain
    assert _rejected(v, jac + 1, -v.steps[jac + 1].step.rhs)


def test_softmax_mse_is_a_valid_pair_and_ce_is_unchanged():
    assert sp.expand(output_delta_result("softmax", "ce") - (A - Y)) == 0
    d = output_delta_derivation("softmax", "mse")
    assert d.parts[-1].tag == "delta" and len(d.parts[-1].steps) >= 5


# --- the generated module -----------------------------------------------------------
def _torch_grads(params, X, Yv, hidden, rows: bool):
    ts = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
          for W, b in params]
    act = torch.tensor(X)
    for n, (W, b) in enumerate(ts):
        z = act @ W + b if rows else W @ act + b
        act = TORCH_HIDDEN[hidden](z) if n < len(ts) - 1 else torch.softmax(z, dim=1 if rows
                                                                           else 0)
    batch = X.shape[0] if rows else X.shape[1]
    value = 0.5 * ((act - torch.tensor(Yv)) ** 2).sum() / batch
    value.backward()
    return value.item(), [(W.grad.numpy(), b.grad.numpy()) for W, b in ts]


_MODULES: dict = {}


def _module(hidden, layers, layout):
    key = (hidden, layers, layout)
    if key not in _MODULES:
        _MODULES[key] = load(generate(layers, ACTIVATIONS.get(hidden), "softmax", "mse",
                                      dtype="float64", layout=layout))
    return _MODULES[key]


@pytest.mark.parametrize("layout", ["rows", "columns"])
@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "softplus"])
def test_generated_gradients_agree_with_finite_differences_and_autograd(hidden, layout):
    rng = random.Random(f"{hidden}-{layout}")
    for depth in (1, 2, 3):
        layers = tuple(rng.randint(2, 5) for _ in range(depth + 1))
        module = _module(hidden, layers, layout)
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise",
                                                    divide="raise"):
            warnings.simplefilter("error")
            errors = gradcheck.check(module, seed=depth, batch=4, max_entries=12)
            assert gradcheck.passed(errors), (layers, errors)
            params, X, Yv = gradcheck.random_problem(module, batch=6, seed=depth + 20)
            value, grads = module.loss_and_gradients(params, X, Yv)
        ref_value, ref_grads = _torch_grads(params, X, Yv, hidden, layout == "rows")
        assert _rel(value, ref_value) < 1e-10
        for (gW, gb), (rW, rb), (W, b) in zip(grads, ref_grads, params):
            assert gW.shape == W.shape and gb.shape == b.shape
            assert _rel(gW, rW) < 1e-10 and _rel(gb, rb) < 1e-10, (layers, layout)


# The sum over units i: in the columns layout units are axis 0; in the rows
# layout the printer reduces a contiguous transposed copy along axis 0 (faster
# than the short last axis) and restores the column with [:, None].
@pytest.mark.parametrize("layout,unit_sum", [
    ("rows", ".T), axis=0)[:, None]"),
    ("columns", "axis=0, keepdims=True)"),
])
def test_the_coupling_sum_is_printed_from_the_derivation(layout, unit_sum):
    src = generate((3, 4, 3), ACTIVATIONS.get("sigmoid"), "softmax", "mse", layout=layout)
    body = src.split("def _output_delta(")[1].split("\ndef ")[0]
    assert "np.sum(" in body and unit_sum in body
    assert "delta_softmax_mse, step" in body
    assert src == generate((3, 4, 3), ACTIVATIONS.get("sigmoid"), "softmax", "mse",
                           layout=layout)


def test_the_elementwise_mistake_fails_gradcheck(monkeypatch):
    """δ = (a − y) a(1 − a) ignores that every a_j depends on every z_k: caught."""
    from symbp.codegen import sources

    wrong = Formula((A - Y) * A * (1 - A), "deliberately wrong: softmax treated as elementwise")
    monkeypatch.setattr(sources, "output_delta", lambda output, loss: wrong)
    module = load(generate((4, 5, 3), ACTIVATIONS.get("tanh"), "softmax", "mse",
                           dtype="float64"))
    errors = gradcheck.check(module, seed=0)
    assert not gradcheck.passed(errors)
