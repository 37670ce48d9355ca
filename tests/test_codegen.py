"""``symbp codegen``: the generated module's form, determinism, stability and errors."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from symbp import __version__
from symbp.cli import main
from symbp.codegen import generate, load
from symbp.codegen.spec import resolve
from symbp.nn.activations import ACTIVATIONS

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--layers", "784,100,10", "--hidden", "sigmoid", "--output", "softmax", "--loss", "ce",
        "--dtype", "float32"]


def _gen(tmp_path, name="model.py", args=ARGS):
    out = tmp_path / name
    assert main(["codegen", *args, "-o", str(out)]) == 0
    return out


def test_generated_twice_is_byte_identical(tmp_path):
    a = _gen(tmp_path, "a.py").read_bytes()
    b = _gen(tmp_path, "a.py").read_bytes()
    assert a == b


def test_header_states_command_and_version_without_paths(tmp_path):
    text = _gen(tmp_path).read_text("utf-8")
    head = text[:600]
    assert f"symbp {__version__}" in head
    assert "python -m symbp codegen --layers 784,100,10 --hidden sigmoid --output softmax " \
           "--loss ce --dtype float32 --layout rows -o model.py" in head
    assert str(tmp_path) not in text and "/work" not in text
    assert not re.search(r"20\d\d-\d\d-\d\d", text)  # no timestamp


def test_imports_only_numpy(tmp_path):
    tree = ast.parse(_gen(tmp_path).read_text("utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported == {"numpy"}


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is a test dependency")
def test_ruff_check_passes(tmp_path):
    for args in (ARGS, ["--layers", "3,4,4,2", "--hidden", "softsign=z/(1+Abs(z))",
                        "--output", "sigmoid", "--loss", "bce", "--layout", "columns"]):
        out = _gen(tmp_path, "m.py", args)
        res = subprocess.run(["ruff", "check", "--isolated", str(out)], capture_output=True,
                             text=True, check=False)
        assert res.returncode == 0, res.stdout + res.stderr


def test_template_holds_no_math():
    text = resources.files("symbp.codegen").joinpath("templates", "model.py.tmpl").read_text()
    for math in ("a * (1 - a)", "- Y", "np.exp", "np.log", "np.tanh", " @ ", ".T", "/ N",
                 "np.sum", "np.max", "np.maximum", "logaddexp", "1 / (1"):
        assert math not in text, math


def test_every_math_line_cites_a_derivation_step(tmp_path):
    text = _gen(tmp_path).read_text("utf-8")
    body = [line for line in text.splitlines() if re.match(r"^ {4,}\w+ = ", line)]
    math = [line for line in body if re.search(r"np\.(exp|tanh|log|sum|max)|@|\.T\b", line)]
    assert math
    for line in math:
        assert re.search(r"# .+(step \d+|definition|note)", line), line
    assert "# sigmoid, step" in text and "# log_softmax, step" in text
    assert "# dense_layer_rows, step" in text and "stable_sigmoid, step 4" in text


def test_derivative_written_in_the_output():
    sig = load(generate((3, 2), ACTIVATIONS.get("sigmoid"), "softmax", "ce"))
    src = generate((3, 4, 2), ACTIVATIONS.get("tanh"), "softmax", "ce")
    assert "fp = 1 - a**2" in src
    assert "fp = a*(1 - a)" in generate((3, 4, 2), ACTIVATIONS.get("sigmoid"), "softmax", "ce")
    assert sig.HIDDEN == "sigmoid" and sig.OUTPUT == "softmax" and sig.LOSS == "ce"


def test_contract_shapes_and_float32_without_float64_creep():
    m = load(generate((6, 5, 4, 3), ACTIVATIONS.get("relu"), "softmax", "ce", dtype="float32"))
    assert m.LAYERS == (6, 5, 4, 3) and m.DTYPE is np.float32
    for scheme in ("uniform", "xavier", "he"):
        params = m.init_params(seed=1, scheme=scheme)
        assert [W.shape for W, _ in params] == [(6, 5), (5, 4), (4, 3)]
        assert [b.shape for _, b in params] == [(5,), (4,), (3,)]
        assert all(W.dtype == np.float32 and b.dtype == np.float32 for W, b in params)
    X = np.random.default_rng(0).normal(size=(7, 6)).astype(np.float32)
    Y = np.eye(3, dtype=np.float32)[np.arange(7) % 3]
    value, grads = m.loss_and_gradients(params, X, Y)
    assert np.asarray(value).dtype == np.float32
    assert all(g.dtype == np.float32 for pair in grads for g in pair)
    assert m.forward(params, X).dtype == np.float32
    assert m.predict(params, X).shape == (7,)
    assert abs(m.loss(params, X, Y) - value) < 1e-6
    out = [(np.empty_like(W), np.empty_like(b)) for W, b in params]
    value2, grads2 = m.loss_and_gradients(params, X, Y, out=out)
    assert grads2 is out and value2 == value
    assert all(np.array_equal(g, h) for p, q in zip(grads, out) for g, h in zip(p, q))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("output,loss", [("softmax", "ce"), ("sigmoid", "bce"),
                                         ("linear", "mse"), ("softmax", "mse")])
@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu", "softplus"])
def test_stable_for_huge_weighted_inputs(hidden, output, loss, dtype):
    m = load(generate((4, 5, 3), resolve(hidden, None, "--hidden", allow_softmax=False),
                      resolve(output, None, "--output", allow_softmax=True), loss, dtype=dtype))
    params = m.init_params(seed=0)
    X = np.array([[1e4, -1e4, 3e3, -2e3], [-1e4, 1e4, 0.5, 1e4]], dtype=dtype)
    Y = np.array([[1, 0, 0], [0, 0, 1]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        value, grads = m.loss_and_gradients(params, X, Y)
        a = m.forward(params, X)
    assert np.isfinite(value) and np.isfinite(a).all()
    assert all(np.isfinite(g).all() for pair in grads for g in pair)


def test_bce_and_ce_are_computed_from_z():
    m = load(generate((1, 1), ACTIVATIONS.get("linear"), ACTIVATIONS.get("sigmoid"), "bce"))
    params = [(np.array([[1.0]]), np.array([0.0]))]
    # a = σ(−800) rounds to 0; ln a would be −inf, but the loss is exactly softplus(−800) + 800
    value = m.loss(params, np.array([[-800.0]]), np.array([[1.0]]))
    assert value == pytest.approx(800.0, rel=1e-12)
    c = load(generate((2, 2), ACTIVATIONS.get("linear"), "softmax", "ce"))
    params = [(np.eye(2), np.zeros(2))]
    value = c.loss(params, np.array([[0.0, 1000.0]]), np.array([[1.0, 0.0]]))
    assert value == pytest.approx(1000.0, rel=1e-12)


BAD = [
    (["--layers", "784", "--hidden", "sigmoid", "--output", "softmax", "--loss", "ce"], "layers"),
    (["--layers", "4,x,2", "--hidden", "sigmoid", "--output", "softmax", "--loss", "ce"],
     "integers"),
    (["--layers", "4,3,2", "--hidden", "sigmod", "--output", "softmax", "--loss", "ce"],
     "sigmoid"),
    (["--layers", "4,3,2", "--hidden", "softmax", "--output", "softmax", "--loss", "ce"],
     "hidden"),
    (["--layers", "4,3,2", "--hidden", "sigmoid", "--output", "softmax", "--loss", "bce"],
     "softmax"),
    (["--layers", "4,3,2", "--hidden", "sigmoid", "--output", "linear", "--loss", "ce"], "ce"),
    (["--layers", "4,3,2", "--hidden", "sigmoid", "--output", "softmax", "--loss", "hinge"],
     "loss"),
    (["--layers", "4,3,2", "--hidden", "f=z/(1+", "--output", "softmax", "--loss", "ce"],
     "parse"),
    (["--layers", "4,3,2", "--hidden", "f=__import__('os')", "--output", "softmax",
      "--loss", "ce"], "f"),
    (["--layers", "4,3,2", "--hidden", "f=x*z", "--output", "softmax", "--loss", "ce"], "x"),
    (["--layers", "4,3,2", "--hidden", "f=foo(z)", "--output", "softmax", "--loss", "ce"],
     "function"),
    (["--layers", "4,3,2", "--hidden", "f=3", "--output", "softmax", "--loss", "ce"], "z"),
    (["--layers", "4,3,2", "--hidden", "f=log(z)", "--output", "softmax", "--loss", "ce"],
     "every real z"),
    (["--layers", "4,3,2", "--hidden", "f=sign(z)", "--output", "softmax", "--loss", "ce"],
     "derivative"),
    (["--layers", "4,3,2", "--hidden-latex", "f=\\frac{z}{1+", "--output", "softmax",
      "--loss", "ce"], "LaTeX"),
    (["--layers", "4,3,2", "--output", "softmax", "--loss", "ce"], "hidden"),
]


@pytest.mark.parametrize("args,word", BAD)
def test_bad_arguments_exit_2_with_a_message_and_no_file(tmp_path, capsys, args, word):
    out = tmp_path / "model.py"
    assert main(["codegen", *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and word in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_cli_runs_as_a_module_and_writes_a_module_that_trains(tmp_path):
    out = tmp_path / "soft.py"
    res = subprocess.run([sys.executable, "-m", "symbp", "codegen", "--layers", "3,5,2",
                          "--hidden", "softsign=z/(1+Abs(z))", "--output", "softmax",
                          "--loss", "ce", "-o", str(out)], capture_output=True, text=True,
                         cwd=ROOT, check=False)
    assert res.returncode == 0, res.stderr
    m = load(out.read_text("utf-8"))
    assert m.HIDDEN == "softsign"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    params = m.init_params(seed=0, scheme="xavier")
    before = m.loss(params, X, Y)
    for _ in range(30):
        _, grads = m.loss_and_gradients(params, X, Y)
        params = [(W - 0.5 * gW, b - 0.5 * gb) for (W, b), (gW, gb) in zip(params, grads)]
    assert m.loss(params, X, Y) < before
