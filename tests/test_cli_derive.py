"""The derive/list front door, as a user meets it: exit codes, formats, user folders."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from symbp.cli import main

USER_DERIVATION = '''
import sympy as sp
from symbp.catalog import derivation
from symbp.core.justify import because

x = sp.Symbol("x", real=True)


@derivation("my_square", "d/dx (x + 1)^2 = 2x + 2", group="exercises")
def my_square(d):
    d.goal(sp.Derivative((x + 1) ** 2, x), 2 * x + 2, title="derivative of a square")
    d.step(sp.Derivative(x ** 2 + 2 * x + 1, x), because("algebra", "expand the square"))
    d.step(2 * x + 2 + 0 * x, because("sum_rule", "term by term"))
    d.step({rhs}, because("algebra", "collect"))
'''


def _write_user(tmp_path, rhs="2 * x + 2"):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "mine.py").write_text(textwrap.dedent(USER_DERIVATION.replace("{rhs}", rhs)))
    return folder


def test_derive_softmax_ce_text_exit_0(capsys):
    assert main(["derive", "softmax_ce"]) == 0
    out = capsys.readouterr().out
    assert "a_k − y_k" in out and "Verified" in out and "chain rule" in out
    # step (1) as the notes write it: the sign in front of the sum, y_i before ln a_i
    assert "(1) = ∂(−Σ_{i=1}^n y_i ln a_i)/∂z_k" in out


def test_derive_json_has_the_documented_fields(capsys):
    assert main(["derive", "softmax_ce", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"name", "statement", "assumptions", "verified", "steps"} <= set(data)
    assert data["verified"] is True and len(data["steps"]) >= 3
    for s in data["steps"]:
        assert s["latex"] and s["justification"]
        assert s["symbolic"] is True and s["numeric"] is True
        assert "max_rel_error" in s


def test_derive_latex_is_an_align_environment(capsys):
    assert main(["derive", "softmax_ce", "--format", "latex"]) == 0
    out = capsys.readouterr().out
    assert "\\begin{align*}" in out and "\\end{align*}" in out


def test_unknown_name_exits_2_with_suggestions_and_no_traceback():
    proc = subprocess.run([sys.executable, "-m", "symbp", "derive", "softmax_c"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "softmax_ce" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_option_exits_2():
    proc = subprocess.run([sys.executable, "-m", "symbp", "derive", "softmax_ce",
                           "--format", "pdf"], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_list_shows_every_registered_name(capsys):
    from symbp import catalog

    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in catalog.names():
        assert name in out


def test_user_folder_is_discovered_and_verified(tmp_path, capsys):
    folder = _write_user(tmp_path)
    assert main(["derive", "my_square", "--path", str(folder)]) == 0
    assert "Verified" in capsys.readouterr().out


def test_user_folder_by_environment_variable(tmp_path):
    folder = _write_user(tmp_path)
    env = {**__import__("os").environ, "SYMBP_PATH": str(folder)}
    proc = subprocess.run([sys.executable, "-m", "symbp", "list"], capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 0 and "my_square" in proc.stdout


def test_a_wrong_user_step_exits_1_naming_the_step(tmp_path):
    folder = _write_user(tmp_path, rhs="2 * x + 3")
    proc = subprocess.run([sys.executable, "-m", "symbp", "derive", "my_square", "--path",
                           str(folder)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "step 3" in proc.stderr and "Traceback" not in proc.stderr
    assert "counterexample" in proc.stdout


def test_a_broken_user_file_is_an_input_error(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "oops.py").write_text("this is not python\n")
    proc = subprocess.run([sys.executable, "-m", "symbp", "list", "--path", str(folder)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "oops.py" in proc.stderr and "Traceback" not in proc.stderr


def test_an_unexpected_exception_is_one_line_and_exit_70(monkeypatch, capsys):
    """A bug inside a command never reaches the user as a traceback."""
    import symbp.commands.list as list_command

    def broken(args):
        raise KeyError("boom")

    monkeypatch.setattr(list_command, "run", broken)
    assert main(["list"]) == 70
    err = capsys.readouterr().err
    assert "internal error" in err and "KeyError" in err and "Traceback" not in err
