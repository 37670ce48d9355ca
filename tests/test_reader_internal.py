"""The claim reader's own failures are internal errors (exit 70), never "the claim could
not be read" (exit 2): issue 10, section 1."""

from __future__ import annotations

import builtins

from symbp.cli import main
from symbp.notation import latex_in


def test_arithmetic_layer_keeps_case_order_and_grouping():
    tree = latex_in.parse_arithmetic(r"\variable{p1} \variable{p2} - \frac{1}{2}")
    names = [str(s) for s in tree.atoms() if s.is_Symbol]
    assert sorted(names) == ["p1", "p2"]
    assert str(latex_in.parse_arithmetic(r"\variable{A}")) == "A"  # case is kept


def test_arithmetic_syntax_error_is_an_input_error(capsys):
    code = main(["verify", "--", r"x + = 2"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in out + err


def test_import_error_inside_the_reader_is_exit_70(capsys, monkeypatch):
    real_import = builtins.__import__

    def broken(name, *args, **kwargs):
        if name.startswith("latex2sympy2_extended"):
            raise ImportError("simulated: the parser package is broken")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", broken)
    code = main(["verify", "--", r"x + x = 2x"])
    out, err = capsys.readouterr()
    assert code == 70, (code, out, err)
    assert "could not be read" not in out + err
    assert "Traceback" not in out + err
