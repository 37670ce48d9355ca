"""Real PDFs with the real toolchain (latexmk + pdfLaTeX / XeLaTeX + ctex, poppler).

One English and one Chinese single-derivation report are compiled; the
missing-TeX path (exit 4, the .tex still written) and a LaTeX error (exit 5
with the ``!`` lines, no partial files) are exercised too.
"""

import re
import shutil
import subprocess
import sys

import pytest
from conftest import ARTIFACTS

from symbp.cli import main
from symbp.errors import ToolFailedError
from symbp.report import Report
from symbp.report.compile import compile_pdf, log_errors


def _pages(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE).group(1))


def _text(pdf) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def _no_leftovers(folder, allowed):
    """Only the finished files (and the view cache) — no build folders, no temp files."""
    assert sorted(p.name for p in folder.iterdir() if p.name != ".cache") == sorted(allowed)
    for p in (folder / ".cache").glob("*"):
        assert p.suffix == ".json" and not p.name.startswith(".")


def test_english_pdf(tmp_path, capsys):
    assert main(["report", "softmax_ce", "--pdf", "--out", str(tmp_path),
                 "--author", "Test & Co"]) == 0
    pdf = tmp_path / "softmax_ce.pdf"
    assert pdf.is_file()
    assert 1 <= _pages(pdf) <= 4
    text = _text(pdf)
    flat = re.sub(r"\s+", " ", text)
    # the result a_k − y_k (pdftotext writes subscripts inline: "ak − yk")
    assert re.search(r"a\s*k\s*[−-]\s*y\s*k", text)
    assert "chain rule" in flat and "Kronecker" in flat
    assert "random points" in flat and "Verified" in flat
    assert "Test & Co" in flat
    _no_leftovers(tmp_path, ["softmax_ce.tex", "softmax_ce.pdf"])
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(pdf, ARTIFACTS / "softmax_ce.pdf")


def test_chinese_pdf(tmp_path):
    assert main(["report", "softmax_ce", "--lang", "zh", "--pdf", "--out", str(tmp_path)]) == 0
    pdf = tmp_path / "softmax_ce-zh.pdf"
    assert 1 <= _pages(pdf) <= 4
    text = _text(pdf)
    for word in ("链式法则", "证明", "已验证", "随机点"):
        assert word in text, word
    assert re.search(r"a\s*k\s*[−-]\s*y\s*k", text)
    _no_leftovers(tmp_path, ["softmax_ce-zh.tex", "softmax_ce-zh.pdf"])


def test_missing_tex_exits_4_and_keeps_the_tex(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "out"
    assert main(["report", "softmax_ce", "--pdf", "--out", str(out)]) == 4
    err = capsys.readouterr().err
    assert "latexmk is not installed" in err and "texlive-latex-extra" in err
    assert "Traceback" not in err
    _no_leftovers(out, ["softmax_ce.tex"])
    assert main(["report", "softmax_ce", "--lang", "zh", "--pdf", "--out", str(out)]) == 4
    assert "texlive-lang-chinese" in capsys.readouterr().err


BROKEN = r"""\documentclass{article}
\begin{document}
Fine text.

\undefinedcommand{x}
\end{document}
"""


def test_latex_error_shows_the_bang_lines_and_leaves_nothing(tmp_path):
    tex = tmp_path / "broken.tex"
    tex.write_text(BROKEN)
    with pytest.raises(ToolFailedError) as info:
        compile_pdf(tex, "en")
    err = info.value
    assert err.exit_code == 5
    msg = err.message()
    assert "! Undefined control sequence." in msg
    assert "l.5" in msg and "TeX input line 5" in msg
    assert "This is pdfTeX" not in msg  # not the whole log
    _no_leftovers(tmp_path, ["broken.tex"])


def test_cli_compile_failure_exits_5(tmp_path, monkeypatch, capsys):
    import symbp.report as rep

    monkeypatch.setattr(rep, "single_tex", lambda name, lang, **kw: Report(name, BROKEN, []))
    assert main(["report", "softmax_ce", "--pdf", "--out", str(tmp_path)]) == 5
    err = capsys.readouterr().err
    assert "! Undefined control sequence." in err and "Traceback" not in err
    _no_leftovers(tmp_path, ["softmax_ce.tex"])


def test_log_errors_extracts_blocks():
    log = "This is pdfTeX\nnoise\n! Missing $ inserted.\n<inserted text>\n l.12 x\n\nmore\n"
    assert log_errors(log) == "! Missing $ inserted.\n<inserted text>\n l.12 x"


@pytest.mark.slow
def test_coursework_pdf_with_every_entry(tmp_path):
    from symbp.catalog import names

    proc = subprocess.run([sys.executable, "-m", "symbp", "report", "--all", "--pdf", "--out",
                           str(tmp_path)], check=False, capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    text = _text(tmp_path / "coursework.pdf")
    assert "Contents" in text
    assert _pages(tmp_path / "coursework.pdf") >= len(names())


def test_log_errors_keeps_the_line_number_after_a_blank_line():
    log = ("! Extra }, or forgotten $.\n<recently read> }\n                 \n"
           "l.991 ...}} = - Y + Z}\n            \\label{x}\n \nHere is how much\n")
    out = log_errors(log)
    assert out.startswith("! Extra }") and "l.991" in out and "Here is" not in out


def test_jupyter_repr_latex_compiles(tmp_path):
    """What Jupyter shows (``_repr_latex_``) is valid LaTeX, not just a string."""
    import symbp

    body = symbp.derive("softmax_ce")._repr_latex_()
    tex = tmp_path / "repr.tex"
    tex.write_text("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n"
                   "\\usepackage[margin=1cm,paperwidth=40cm]{geometry}\n"
                   f"\\begin{{document}}\n{body}\n\\end{{document}}\n")
    pdf = compile_pdf(tex, "en")
    text = _text(pdf)
    assert "verified" in text and re.search(r"a\s*k\s*[−-]\s*y\s*k", text)


def test_missing_latex_package_is_exit_4(tmp_path, monkeypatch):
    from symbp.errors import MissingToolError
    from symbp.report import compile as comp

    monkeypatch.setitem(comp.REQUIRED_STY, "zh", ["ctexart.cls", "no-such-package-xyz.sty"])
    tex = tmp_path / "x.tex"
    tex.write_text(BROKEN)
    with pytest.raises(MissingToolError) as info:
        compile_pdf(tex, "zh")
    assert info.value.exit_code == 4
    assert "no-such-package-xyz.sty" in info.value.message()
    assert "texlive-lang-chinese" in info.value.message()
    _no_leftovers(tmp_path, ["x.tex"])
