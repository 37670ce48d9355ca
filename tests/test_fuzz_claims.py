"""Fuzzing the claim reader: random strings and mutations of valid LaTeX.

Whatever the input, `symbp verify` ends with exit 0/1/2/3 in bounded time, and
an error (exit 2) is a message, never a traceback.
"""

from __future__ import annotations

import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbp.cli import main

VALID = [
    r"\sigma'(z) = \sigma(z)(1-\sigma(z))",
    r"\frac{\partial}{\partial z_k} \sum_{j=1}^{n} w_j z_j = w_k",
    r"(AB)^T = B^T A^T",
    r"\delta^l = ((W^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)",
    r"\mathrm{tr}(A^T X) = \|v\|_2^2",
    r"\lim_{c \to \infty} \frac{c}{c+1} = 1",
]
PIECES = ["\\", "{", "}", "(", ")", "^", "_", "'", "=", "\\frac", "\\sum", "\\odot", "^T",
          "\\sigma", "|", "\\|", "&", "\\left(", "\\right)", "z_j", "W^{l+1}", " ", "-", "2"]


def verify(argv, capsys):
    capsys.readouterr()
    claim, *options = argv
    code = main(["verify", "--timeout", "1", *options, "--", claim])
    out, err = capsys.readouterr()
    assert code in (0, 1, 2, 3)
    assert "Traceback" not in out + err
    if code == 2:
        assert err.startswith("error:"), err
    return code


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_random_text(capsys, text):
    verify([text], capsys)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(VALID), st.lists(st.tuples(st.integers(0, 200), st.sampled_from(PIECES),
                                                    st.booleans()), max_size=3))
def test_mutations_of_valid_latex(capsys, claim, edits):
    for pos, piece, delete in edits:
        pos = pos % (len(claim) + 1)
        claim = claim[:pos] + claim[pos + 1:] if delete else claim[:pos] + piece + claim[pos:]
    verify([claim, "--context", "backprop"] if "delta^l" in claim else [claim], capsys)


def test_binary_garbage_and_huge_input_exit_2(capsys):
    assert verify([bytes(range(256)).decode("latin-1")], capsys) == 2
    assert verify(["x = " + "y" * 100_000], capsys) == 2


def test_cli_subprocess_bad_input_no_traceback():
    for claim in ["", "\\frac{", "x + y", "x = \\unknownmacro"]:
        p = subprocess.run([sys.executable, "-m", "symbp", "verify", claim],
                           capture_output=True, text=True, timeout=60, check=False)
        assert p.returncode == 2, (claim, p.stderr)
        assert "Traceback" not in p.stderr and p.stderr.startswith("error:")
