"""Compile a ``.tex`` file to PDF with latexmk, atomically, and explain failures.

``latexmk -pdf`` (English, pdfLaTeX) or ``latexmk -xelatex`` (Chinese, ctex) runs
with ``-interaction=nonstopmode -halt-on-error`` in a private build folder next
to the output (so the final ``os.replace`` never crosses file systems); only a
complete PDF is moved next to the ``.tex``, and the build folder is always
removed.  A missing toolchain raises :class:`MissingToolError` (exit 4) naming
the Debian packages; a compile error raises :class:`ToolFailedError` (exit 5)
with the ``!`` lines of the TeX log and the source line number, not the log.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import MissingToolError, ToolFailedError

ENGINES = {"en": ("-pdf", "pdflatex"), "zh": ("-xelatex", "xelatex")}
PACKAGES = {
    "en": ["latexmk", "texlive-latex-base", "texlive-latex-recommended",
           "texlive-latex-extra"],
    "zh": ["latexmk", "texlive-latex-base", "texlive-latex-recommended",
           "texlive-latex-extra", "texlive-xetex", "texlive-lang-chinese"],
}
# one file per package the templates need: a missing package is exit 4, not a LaTeX error
REQUIRED_STY = {"en": ["amsmath.sty", "mathtools.sty", "adjustbox.sty", "booktabs.sty"],
                "zh": ["ctexart.cls", "mathtools.sty", "adjustbox.sty", "booktabs.sty"]}
TIMEOUT = 300


def _missing(what: str, lang: str) -> MissingToolError:
    return MissingToolError(
        f"cannot make a PDF: {what} is not installed (the .tex file was written)",
        hint="install TeX, e.g. on Debian/Ubuntu: sudo apt-get install "
             + " ".join(PACKAGES[lang]))


def check_toolchain(lang: str) -> None:
    """Raise :class:`MissingToolError` unless latexmk, the engine and packages exist."""
    _, engine = ENGINES[lang]
    for tool in ("latexmk", engine):
        if shutil.which(tool) is None:
            raise _missing(tool, lang)
    kpse = shutil.which("kpsewhich")
    if kpse:
        wanted = REQUIRED_STY[lang]
        found = subprocess.run([kpse, *wanted], check=False, capture_output=True, text=True)
        have = {Path(line.strip()).name for line in found.stdout.splitlines() if line.strip()}
        for sty in wanted:
            if sty not in have:
                raise _missing(f"the LaTeX file {sty}", lang)


def log_errors(log: str, max_blocks: int = 3) -> str:
    """The relevant part of a TeX log: each ``!`` line up to the next blank line,
    plus the ``l.<number>`` line (and the one after it) that says where."""
    blocks = []
    lines = log.splitlines()
    i = 0
    while i < len(lines) and len(blocks) < max_blocks:
        if lines[i].startswith("!") and "==> Fatal error occurred" not in lines[i]:
            block = [lines[i]]
            i += 1
            while i < len(lines) and lines[i].strip() and not lines[i].startswith("!"):
                block.append(lines[i])
                i += 1
            # TeX may put a blank line before "l.<number> <source>": keep that line too
            ahead = lines[i:i + 6]
            at = next((k for k, ln in enumerate(ahead) if re.match(r"l\.\d+", ln)), None)
            if at is not None and not any(ln.startswith("!") for ln in ahead[:at]):
                block += [ln for ln in ahead[:at + 2] if ln.strip()]
                i += at + 2
            blocks.append("\n".join(block))
        else:
            i += 1
    return "\n\n".join(blocks)


def _line_number(errors: str) -> str | None:
    m = re.search(r"^l\.(\d+)", errors, re.MULTILINE)
    return m.group(1) if m else None


def compile_pdf(tex_path: str | os.PathLike, lang: str = "en") -> Path:
    """Compile ``tex_path``; the PDF replaces ``<name>.pdf`` beside it.  Returns its path."""
    tex_path = Path(tex_path)
    check_toolchain(lang)
    flag, _ = ENGINES[lang]
    build = Path(tempfile.mkdtemp(prefix=".symbp-tex-", dir=tex_path.parent))
    try:
        shutil.copyfile(tex_path, build / tex_path.name)
        cmd = ["latexmk", flag, "-interaction=nonstopmode", "-halt-on-error", tex_path.name]
        try:
            proc = subprocess.run(cmd, check=False, cwd=build, capture_output=True, text=True,
                                  timeout=TIMEOUT, stdin=subprocess.DEVNULL,
                                  errors="replace")
        except subprocess.TimeoutExpired:
            raise ToolFailedError(f"latexmk did not finish within {TIMEOUT} s",
                                  where=str(tex_path)) from None
        pdf = build / (tex_path.stem + ".pdf")
        if proc.returncode != 0 or not pdf.is_file():
            log_file = build / (tex_path.stem + ".log")
            log = log_file.read_text(errors="replace") if log_file.is_file() else ""
            errors = log_errors(log) or "\n".join((proc.stdout + proc.stderr)
                                                   .strip().splitlines()[-15:])
            line = _line_number(errors)
            where = f"{tex_path}, TeX input line {line}" if line else str(tex_path)
            raise ToolFailedError(f"LaTeX failed to compile {tex_path.name}:\n{errors}",
                                  where=where,
                                  hint="fix the line named above (the .tex file is kept)")
        target = tex_path.with_suffix(".pdf")
        os.replace(pdf, target)
        return target
    finally:
        shutil.rmtree(build, ignore_errors=True)
