"""Generated gradients against finite differences and against PyTorch autograd.

Every hidden activation × every valid (output, loss) pair × depths 1–4 with
random small widths.  PyTorch (float64) is an independent oracle: its forward
pass is written here by hand from the textbook definitions, and autograd
differentiates it; nothing of symbp's derivative code is shared.
"""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

from symbp.codegen import generate, gradcheck, load
from symbp.codegen.sources import Formula
from symbp.codegen.spec import resolve
from symbp.errors import DerivationError, UsageError
from symbp.nn.activations import ACTIVATIONS
from symbp.nn.losses import LOSSES

torch = pytest.importorskip("torch")
F = torch.nn.functional

TORCH_ACT = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "tanh_scaled": lambda z: 1.7159 * torch.tanh(2 * z / 3),
    "relu": torch.relu,
    "softplus": F.softplus,
    "linear": lambda z: z,
    "softmax": lambda z: torch.softmax(z, dim=1),
    "softsign": lambda z: z / (1 + z.abs()),
}


def torch_loss(z, a, Y, loss: str, output: str):
    n = z.shape[0]
    if loss == "ce":
        return -(Y * torch.log_softmax(z, dim=1)).sum() / n
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(z, Y, reduction="sum") / n
    return 0.5 * ((a - Y) ** 2).sum() / n


def torch_gradients(params, X, Y, hidden: str, output: str, loss: str):
    ts = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
          for W, b in params]
    a = torch.tensor(X)
    for W, b in ts[:-1]:
        a = TORCH_ACT[hidden](a @ W + b)
    W, b = ts[-1]
    z = a @ W + b
    value = torch_loss(z, TORCH_ACT[output](z), torch.tensor(Y), loss, output)
    value.backward()
    return value.item(), [(W.grad.numpy(), b.grad.numpy()) for W, b in ts]


def valid_pairs():
    """(output, loss) pairs the output-delta derivations accept (invalid ones raise)."""
    from derivations.losses import output_delta_result

    pairs = []
    for out in [*ACTIVATIONS.names(), "softmax"]:
        for loss in LOSSES.names():
            try:
                output_delta_result(out, loss)
            except UsageError:
                continue
            except DerivationError:  # a valid pair whose derivation is broken: must fail below
                pass
            pairs.append((out, loss))
    return pairs


PAIRS = valid_pairs()
HIDDEN = ACTIVATIONS.names()
_CACHE: dict = {}


def module_for(hidden, output, loss, layers):
    key = (hidden, output, loss, layers)
    if key not in _CACHE:
        h = resolve(hidden, None, "--hidden", allow_softmax=False)
        o = resolve(output, None, "--output", allow_softmax=True)
        _CACHE[key] = load(generate(layers, h, o, loss, dtype="float64"))
    return _CACHE[key]


def rel_error(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-300)
    return float(np.max(np.abs(a - b)) / scale)


def test_the_expected_pairs_are_valid():
    assert ("softmax", "ce") in PAIRS and ("sigmoid", "bce") in PAIRS
    assert ("linear", "mse") in PAIRS and ("softmax", "mse") in PAIRS
    assert ("linear", "ce") not in PAIRS and ("softmax", "bce") not in PAIRS


@pytest.mark.parametrize("output,loss", PAIRS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_every_activation_pair_and_depth(hidden, output, loss):
    rng = random.Random(f"{hidden}-{output}-{loss}")
    for depth in (1, 2, 3, 4):
        layers = tuple(rng.randint(2, 5) for _ in range(depth + 1))
        module = module_for(hidden, output, loss, layers)
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise",
                                                    divide="raise"):
            warnings.simplefilter("error")
            errors = gradcheck.check(module, seed=depth, batch=4, max_entries=12)
            assert gradcheck.passed(errors), (layers, errors)
            params, X, Y = gradcheck.random_problem(module, batch=4, seed=depth + 10)
            value, grads = module.loss_and_gradients(params, X, Y)
        ref_value, ref_grads = torch_gradients(params, X, Y, hidden, output, loss)
        assert rel_error(value, ref_value) < 1e-10
        for (gW, gb), (rW, rb), (W, b) in zip(grads, ref_grads, params):
            assert gW.shape == W.shape and gb.shape == b.shape
            assert rel_error(gW, rW) < 1e-10, (layers, "W")
            assert rel_error(gb, rb) < 1e-10, (layers, "b")


def test_custom_activation_from_the_command_line_gradchecks_and_trains():
    hidden = resolve("softsign=z/(1+Abs(z))", None, "--hidden", allow_softmax=False)
    module = load(generate((5, 7, 3), hidden, "softmax", "ce", dtype="float64"))
    assert gradcheck.passed(gradcheck.check(module, seed=3))
    params, X, Y = gradcheck.random_problem(module, batch=20, seed=4)
    value, grads = module.loss_and_gradients(params, X, Y)
    ref_value, ref_grads = torch_gradients(params, X, Y, "softsign", "softmax", "ce")
    assert abs(value - ref_value) < 1e-10 * abs(ref_value)
    assert rel_error(grads[0][0], ref_grads[0][0]) < 1e-10
    before = value
    for _ in range(20):
        value, grads = module.loss_and_gradients(params, X, Y)
        params = [(W - 0.5 * gW, b - 0.5 * gb) for (W, b), (gW, gb) in zip(params, grads)]
    assert module.loss(params, X, Y) < 0.9 * before


def test_a_wrong_derivative_fails_gradcheck(monkeypatch):
    """σ′ = σ instead of σ(1 − σ): the generator obeys, and gradcheck must catch it."""
    from symbp.codegen import sources

    sigmoid = ACTIVATIONS.get("sigmoid")
    wrong = Formula(sigmoid.expr, "deliberately wrong: σ′ = σ")
    monkeypatch.setattr(sources, "activation_derivative", lambda act: (wrong, False))
    module = load(generate((4, 5, 3), sigmoid, "softmax", "ce", dtype="float64"))
    errors = gradcheck.check(module, seed=0)
    assert not gradcheck.passed(errors)
    by_name = {e.name: e.rel_error for e in errors}
    assert by_name["W1"] > 1e-3  # the layer below the wrong derivative is off
    assert by_name["W2"] < 1e-6  # the output layer does not use it


def test_a_wrong_output_delta_fails_gradcheck(monkeypatch):
    from symbp.codegen import sources
    from symbp.codegen.plan import A_SYMBOL, Y_SYMBOL

    wrong = Formula(A_SYMBOL + Y_SYMBOL, "deliberately wrong: δ = a + y")
    monkeypatch.setattr(sources, "output_delta", lambda output, loss: wrong)
    module = load(generate((4, 3), ACTIVATIONS.get("linear"), ACTIVATIONS.get("linear"), "mse"))
    assert not gradcheck.passed(gradcheck.check(module, seed=1))


def test_columns_layout_agrees_with_rows():
    sig = ACTIVATIONS.get("tanh")
    rows = load(generate((4, 6, 3), sig, "softmax", "ce", layout="rows"))
    cols = load(generate((4, 6, 3), sig, "softmax", "ce", layout="columns"))
    params, X, Y = gradcheck.random_problem(rows, batch=5, seed=2)
    value, grads = rows.loss_and_gradients(params, X, Y)
    cparams = [(W.T.copy(), b.reshape(-1, 1).copy()) for W, b in params]
    cvalue, cgrads = cols.loss_and_gradients(cparams, X.T.copy(), Y.T.copy())
    assert abs(value - cvalue) < 1e-12
    for (gW, gb), (cW, cb) in zip(grads, cgrads):
        assert rel_error(gW, cW.T) < 1e-12 and rel_error(gb, cb.ravel()) < 1e-12
    assert gradcheck.passed(gradcheck.check(cols, seed=5))


def test_gradcheck_command_reports_per_parameter_and_exit_codes(capsys, monkeypatch):
    from symbp.cli import main
    from symbp.codegen import sources

    args = ["gradcheck", "--layers", "3,4,2", "--hidden", "softsign=z/(1+Abs(z))",
            "--output", "sigmoid", "--loss", "bce", "--seed", "3"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert all(f" {p}  max relative error" in out for p in ("W1", "b1", "W2", "b2"))
    assert "passed" in out
    sigmoid = ACTIVATIONS.get("sigmoid")
    monkeypatch.setattr(sources, "activation_derivative",
                        lambda act: (Formula(sigmoid.expr, "wrong"), False))
    assert main(["gradcheck", "--layers", "3,4,2", "--hidden", "sigmoid", "--output",
                 "softmax", "--loss", "ce"]) == 1
    assert "FAIL" in capsys.readouterr().out
    assert main(["gradcheck", "--layers", "3", "--output", "softmax", "--loss", "ce"]) == 2
