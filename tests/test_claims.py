"""`symbp verify` / `symbp check`: the acceptance claims, verdicts, exit codes, JSON fields."""

from __future__ import annotations

import json

import pytest

from symbp.claims.judge import judge
from symbp.cli import main
from symbp.core.verdict import Verdict

SIGMA_PRIME = r"\sigma'(z) = \sigma(z)(1-\sigma(z))"
SOFTMAX_CE = (r"\frac{\partial}{\partial z_k}\left(-\sum_{j=1}^{n} y_j \ln \frac{e^{z_j}}"
              r"{\sum_{i=1}^{n} e^{z_i}}\right) = a_k - y_k")
SOFTMAX_DEF = r"a_k = \frac{e^{z_k}}{\sum_{i=1}^{n} e^{z_i}}"
SUM_ONE = r"\sum_{j=1}^{n} y_j = 1"
BP2_WRONG = r"\delta^l = ((W^{l+1})^T + \delta^{l+1}) \odot \sigma'(z^l)"
BP2 = r"\delta^l = ((W^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)"


def run(capsys, *argv):
    if argv and argv[0] == "verify" and "--list-contexts" not in argv:
        argv = (*argv, "--timeout", "30")  # a loaded machine must not turn true into undecided
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_sigma_prime_is_true(capsys):
    code, out, _ = run(capsys, "verify", SIGMA_PRIME)
    assert code == 0 and "verdict: true" in out


def test_softmax_cross_entropy_gradient_needs_the_assumption(capsys):
    code, _, _ = run(capsys, "verify", SOFTMAX_CE, "--define", SOFTMAX_DEF, "--assume", SUM_ONE)
    assert code == 0
    # without Σ y = 1 it is false: the assumption is really used
    code, out, _ = run(capsys, "verify", SOFTMAX_CE, "--define", SOFTMAX_DEF)
    assert code == 1 and "counterexample" in out


def test_bp2_wrong_is_false_with_shapes_and_right_is_true(capsys):
    code, out, _ = run(capsys, "verify", BP2_WRONG, "--context", "backprop", "--json")
    data = json.loads(out)
    assert code == 1 and data["verdict"] == "false"
    assert "shape" in data["reason"] and data["counterexample"]["sizes"]
    code, out, _ = run(capsys, "verify", BP2, "--context", "backprop", "--json")
    assert code == 0 and json.loads(out)["verdict"] == "true"


def test_json_fields_and_chain_steps(capsys):
    code, out, _ = run(capsys, "verify", "(x+1)^2 = x^2 + 2x + 1 = x^2 + 1", "--json")
    data = json.loads(out)
    assert code == 1
    assert {"verdict", "reason", "counterexample", "steps"} <= set(data)
    assert [s["verdict"] for s in data["steps"]] == ["true", "false"]
    assert data["first_wrong_step"] == 2
    cx = data["counterexample"]
    assert "x" in cx["values"] and cx["lhs"] != cx["rhs"]


def test_square_only_matrix_claim_is_false_with_a_shape():
    r = judge("(AB)^T = A^T B^T", ["matrix"])
    assert r.verdict is Verdict.FALSE
    assert r.counterexample["sizes"]


def test_one_by_one_only_claims_are_false():
    r = judge(r"\mathbf{x}^T \mathbf{y} = \mathbf{x} \mathbf{y}^T", ["matrix"])
    assert r.verdict is Verdict.FALSE and "shape" in r.reason
    r = judge(r"A\mathbf{x} + B\mathbf{x} = \mathbf{x}(A + B)", ["matrix"])
    assert r.verdict is Verdict.FALSE


def test_index_swap_in_bp4_is_caught():
    assert judge(r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k \delta^l_j",
                 ["backprop"]).verdict is Verdict.TRUE
    assert judge(r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_j \delta^l_k",
                 ["backprop"]).verdict is Verdict.FALSE


def test_undefined_cost_is_not_differentiated_to_zero(capsys):
    code, _, err = run(capsys, "verify", r"\frac{\partial C}{\partial z_j} = 0")
    assert code == 2 and "not defined" in err


@pytest.mark.parametrize("factor, code_expected", [("", 0), ("2", 1)])
def test_the_networks_own_definitions_at_the_output_layer_read_every_layer(
        capsys, factor, code_expected):
    # z^L = W^L a^{L-1} + b^L, a^L = σ(z^L), δ^l = ∂J/∂z^l restate the backprop network:
    # ∂J/∂W^l is then BP4 at any layer (true, and false with a stray factor 2), not 0 = 0
    code, out, _ = run(capsys, "verify", "--define",
                       r"J = \frac{1}{2} \|\mathbf{a}^L - \mathbf{y}\|_2^2", "--define",
                       r"\mathbf{a}^L = \sigma(\mathbf{z}^L)", "--define",
                       r"\mathbf{z}^L = \mathbf{W}^L \mathbf{a}^{L-1} + \mathbf{b}^L", "--define",
                       r"\boldsymbol{\delta}^l = \frac{\partial J}{\partial \mathbf{z}^l}",
                       r"\frac{\partial J}{\partial \mathbf{W}^{l}} = " + factor
                       + r"\boldsymbol{\delta}^{l} (\mathbf{a}^{l-1})^{T}")
    assert code == code_expected and "restate the backprop network" in out


@pytest.mark.parametrize("factor", ["", "2"])
def test_a_derivative_the_definitions_make_zero_is_refused_not_true(capsys, factor):
    # J is defined through V only: ∂J/∂W would be 0 = 0 whatever multiple is written
    code, _, err = run(capsys, "verify", "--define",
                       r"J = \frac{1}{2} \|\mathbf{u} - \mathbf{y}\|_2^2", "--define",
                       r"\mathbf{u} = \sigma(\mathbf{V} \mathbf{x})",
                       r"\frac{\partial J}{\partial \mathbf{W}} = " + factor
                       + r"\mathbf{V}")
    assert code == 2 and "does not depend on" in err


@pytest.mark.parametrize("claim, hint", [
    ("", "empty"), ("x + y", "no '='"), (r"x = \frac{1}{2", "unbalanced"),
    (r"x = \foo{y}", "unknown macro"), ("x = y\x00\x01", "non-text"),
    ("x = " + "x+" * 60000 + "x", "too long"), ("= x", "empty"),
])
def test_bad_input_exits_2_with_a_clear_message(capsys, claim, hint):
    code, _, err = run(capsys, "verify", claim)
    assert code == 2
    assert hint in err and "Traceback" not in err


def test_parse_error_shows_a_caret(capsys):
    code, _, err = run(capsys, "verify", r"x + \foo = 1")
    assert code == 2 and "^" in err and "hint" in err


def test_list_contexts(capsys):
    code, out, _ = run(capsys, "verify", "--list-contexts")
    assert code == 0
    for name in ("backprop", "softmax_ce", "sigmoid_bce", "matrix"):
        assert name in out


def test_unknown_context_suggests(capsys):
    code, _, err = run(capsys, "verify", "x = x", "--context", "backprob")
    assert code == 2 and "backprop" in err


def test_check_document_reports_first_wrong_step_with_line(tmp_path, capsys):
    doc = tmp_path / "notes.tex"
    doc.write_text("\n".join([
        r"% symbp: define a_k = \frac{e^{z_k}}{\sum_{i=1}^{n} e^{z_i}}",
        r"\begin{align}",
        r"  (x+1)^2 &= x^2 + 2x + 1 \\",
        r"          &= x^2 + 1",
        r"\end{align}",
        r"\[ \sigma'(z) = \sigma(z)(1-\sigma(z)) \]",
        "$$ \\frac{\\partial a_j}{\\partial z_j} = a_j(1-a_j) $$",
    ]))
    code, out, _ = run(capsys, "check", str(doc), "--json")
    data = json.loads(out)
    assert code == 1
    first, second, third = data["chains"]
    assert first["verdict"] == "false" and first["first_wrong_line"] == 4
    assert first["steps"][0]["verdict"] == "true"
    assert second["verdict"] == "true" and third["verdict"] == "true"


def test_check_markdown_all_true_exits_0(tmp_path, capsys):
    doc = tmp_path / "notes.md"
    doc.write_text("# notes\n\n$$\n\\tanh(z) = 2\\sigma(2z) - 1\n$$\n")
    code, out, _ = run(capsys, "check", str(doc))
    assert code == 0 and "true" in out


def test_check_missing_file_exits_2(capsys):
    code, _, err = run(capsys, "check", "/nonexistent/file.tex")
    assert code == 2 and "no such file" in err


def test_total_differentials():
    assert judge("d(XY) = (dX)Y + X(dY)").verdict is Verdict.TRUE
    assert judge("d(XY) = (dX)Y + (dY)X").verdict is Verdict.FALSE
    # no dX written: every variable varies, so d(XY) is not 0
    assert judge("d(XY) = 0").verdict is Verdict.FALSE
