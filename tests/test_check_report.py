"""``symbp check FILE --report OUT.pdf``: the checked notes as a PDF (en and zh).

A small Markdown document of our own (Chinese prose and a Chinese file name) with one true
chain, one false chain (a real slip: the 2x of the square is missing) and one line of OCR
garbage that cannot be read.  Real PDFs with the real toolchain, read back with pdftotext.
"""

import errno
import re
import subprocess
import sys

import pytest

from symbp.cli import main
from symbp.report import check_report
from symbp.report.check_report import math_tex, typesettable
from symbp.report.labels import CHECK_LABELS

NOTES = r"""# 交叉熵练习

先对 sigmoid 求导，这一步是对的：

$$
\sigma'(z) = \sigma(z)(1-\sigma(z))
$$

下面展开平方时犯了一个错误（漏掉了 2x）：

$$
(x+1)^2 = x^2 + 1
$$

这一行是 OCR 的乱码：

$$
\frac{a}{b = c}} \weird{ =
$$
"""
NAME = "交叉熵笔记.md"


def _text(pdf) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return re.sub(r"\s+", " ", out)


def _notes(folder):
    path = folder / NAME
    path.write_text(NOTES, encoding="utf-8")
    return path


def _check(*args):
    cmd = [sys.executable, "-m", "symbp", "check", "--timeout", "2", *map(str, args)]
    return subprocess.run(cmd,
                          check=False, capture_output=True, text=True)


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    folder = tmp_path_factory.mktemp("en")
    notes = _notes(folder)
    out = folder / "out" / "checked.pdf"
    proc = _check("--report", out, notes)
    return proc, out


def test_english_report_has_every_chain_with_its_mark(english):
    proc, out = english
    assert proc.returncode == 1, proc.stderr  # the exit code of the verdicts: a false chain
    assert "Traceback" not in proc.stderr
    assert f"wrote {out}" in proc.stdout
    text = _text(out)
    assert NAME in text  # the title (Chinese: compiled with XeLaTeX)
    assert "3 chains; 0 definitions picked up; 1 true, 1 false, 0 undecided, 1 not read" in text
    for line in ("Line 6", "Line 12", "Line 18"):
        assert line in text, line
    assert "✓ verified" in text and "✗ false" in text and "? not read" in text
    assert text.index("Line 6") < text.index("✓ verified") < text.index("Line 12") \
        < text.index("✗ false") < text.index("Line 18") < text.index("? not read")
    assert "First wrong step: step 1 of 1 (line 12)" in text
    assert "the sides differ at a random point" in text
    assert "Counterexample" in text and "at: x=" in text
    assert "\\weird{" in text  # the garbage line is shown as text, not typeset
    assert "an empty side" in text
    assert sorted(p.name for p in out.parent.iterdir()) == ["checked.pdf"]


def test_chinese_report(tmp_path):
    notes = _notes(tmp_path)
    out = tmp_path / "检查.pdf"
    assert main(["check", "--timeout", "2", "--lang", "zh", "--report", str(out),
                 str(notes)]) == 1
    text = _text(out)
    assert "笔记检查报告" in text and NAME in text
    assert "共 3 条等式链" in text and "1 条不成立" in text
    for line in ("第 6 行", "第 12 行", "第 18 行"):
        assert line in text, line
    assert "✓ 已验证" in text and "✗ 不成立" in text and "? 无法读取" in text
    assert "第一个错误的步骤" in text and "反例" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([NAME, "检查.pdf"])


def test_tex_source_only(tmp_path, capsys):
    notes = _notes(tmp_path)
    out = tmp_path / "checked.tex"
    assert main(["check", "--timeout", "2", "--report", str(out), str(notes)]) == 1
    tex = out.read_text(encoding="utf-8")
    assert r"\documentclass" in tex and "scheme=plain]{ctexart}" in tex
    assert r"\fiteq{(x+1)^2 = x^2 + 1}" in tex
    assert r"\textbackslash{}weird\{" in tex  # escaped, never typeset
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([NAME, "checked.tex"])


BROKEN = "\\documentclass{article}\n\\begin{document}\n\\undefinedmacro\n\\end{document}\n"


def test_failing_tex_leaves_no_output_and_exits_5(tmp_path, monkeypatch, capsys):
    notes = _notes(tmp_path)
    out = tmp_path / "out" / "checked.pdf"
    monkeypatch.setattr(check_report, "check_tex", lambda *a, **k: BROKEN)
    assert main(["check", "--timeout", "2", "--report", str(out), str(notes)]) == 5
    err = capsys.readouterr().err
    assert "LaTeX failed" in err and "Undefined control sequence" in err
    assert "Traceback" not in err
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # no PDF, no build folder, no temp file


def test_formulas_that_break_latex_are_shown_as_text(tmp_path, monkeypatch, capsys):
    notes = _notes(tmp_path)
    out = tmp_path / "checked.pdf"
    real = check_report.check_tex

    def typeset_breaks(report, lang="en", *, typeset=True, **kw):
        return BROKEN if typeset else real(report, lang, typeset=False, **kw)

    monkeypatch.setattr(check_report, "check_tex", typeset_breaks)
    assert main(["check", "--timeout", "2", "--report", str(out), str(notes)]) == 1
    assert "every formula as text" in capsys.readouterr().err
    assert "(x+1)^2 = x^2 + 1" in _text(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([NAME, "checked.pdf"])


def test_unwritable_report_path_is_exit_2_before_the_check(tmp_path):
    notes = _notes(tmp_path)
    blocker = tmp_path / "a-file.txt"
    blocker.write_text("x")
    for bad in (blocker / "out.pdf", tmp_path / "out.docx", tmp_path, notes.with_suffix(".md")):
        proc = _check("--report", bad, notes)
        assert proc.returncode == 2, (bad, proc.stderr)
        assert proc.stderr.startswith("error: --report") and "Traceback" not in proc.stderr
        assert proc.stdout == ""  # refused before the document was checked
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([NAME, "a-file.txt"])


def test_permission_error_while_writing_is_exit_2(tmp_path, monkeypatch, capsys):
    notes = _notes(tmp_path)

    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path))

    monkeypatch.setattr(check_report.tempfile, "mkdtemp", denied)
    assert main(["check", "--timeout", "2", "--report", str(tmp_path / "x.pdf"),
                 str(notes)]) == 2
    err = capsys.readouterr().err
    assert "cannot write into --report" in err and "Permission denied" in err
    assert "Traceback" not in err


def test_lang_without_report_is_a_usage_error(tmp_path, capsys):
    assert main(["check", "--lang", "zh", str(_notes(tmp_path))]) == 2
    assert "--lang is the language of the --report" in capsys.readouterr().err


@pytest.mark.parametrize("tex", [
    r"\sigma'(z) = \sigma(z)(1-\sigma(z))", r"\frac{dE}{da_i} = - \frac{y_i}{a_i}",
    r"\left( \sum_{j=1}^{n} e^{z_j} \right)^{-1}", r"\sqrt[3]{x} = x^{1/3}",
    r"\overrightarrow{loss} = \mathbf{a} - \mathbf{y}", r"\sum\limits_{k} a_k = 1",
])
def test_safe_formulas_are_typeset(tex):
    assert typesettable(tex)


@pytest.mark.parametrize("tex", [
    r"\frac{a}{b = c}} \weird{", r"\weird{x} = 1", "x^", "x^2^3", r"\frac{a}", r"a_{输出层}",
    r"\left( x", r"x \right)", r"a \\ b", "50% = 1/2", r"\input{x} = 1",
    r"\begin{bmatrix} a \end{bmatrix}", r"x\limits", "a\x7f = b", r"\left x \right)", "",
    r"{\right)", r"\def\x{1} \x = 1",
])
def test_unsafe_formulas_are_text(tex):
    assert not typesettable(tex) and math_tex(tex) is None


def test_alignment_marks_are_dropped():
    assert not typesettable("a &= b") and math_tex("a &= b") == "a = b"


def test_labels_are_declared_for_both_languages():
    assert CHECK_LABELS["en"].keys() == CHECK_LABELS["zh"].keys()
