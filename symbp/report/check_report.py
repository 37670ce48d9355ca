"""The report of ``symbp check FILE --report OUT.pdf``: the checked notes as LaTeX / PDF.

The document a student would hand in: a title with the document's name, the summary
(definitions picked up; chains true / false / undecided / not read), then every chain in
order with its line, the chain typeset as display math, a ✓ / ✗ / ? mark with the verdict
and the reason; for a false chain the first wrong step, its counterexample and the
definitions it used.  It is rendered with the report machinery of ``symbp report``
(:func:`symbp.report.render.environment`, the escaping of :mod:`symbp.report.tex`, the
labels of :mod:`symbp.report.labels`, :func:`symbp.report.compile.compile_pdf`).

The chains are the student's own text (OCR output, unbalanced braces, macros of their
own), so a formula is typeset only when it is safe (:func:`math_tex`): it was read by the
claim reader, it is plain ASCII, its braces and ``\\left``/``\\right`` pair up, every
command is a known one with its arguments present.  Anything else is shown as escaped
text.  Should LaTeX still fail, the report is made once more with every formula as text;
only when that fails too is it an error (exit 5), and no output file is left.  A report
with any non-ASCII text (Chinese prose, ``--lang zh``) is compiled with XeLaTeX and ctex,
like the Chinese reports of ``symbp report``.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MissingToolError, ToolFailedError
from .labels import CHECK_LABELS, VERDICT_WORDS
from .render import environment
from .tex import escape, prose

__all__ = ["check_tex", "math_tex", "write_check_report"]

MARKS = {"true": r"\ok", "false": r"\bad", "undecided": r"\undecided", "unread": r"\undecided",
         "definition": r"\defmark"}

# --- which formulas are safe to typeset -------------------------------------------------

GREEK = (
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "varpi", "rho", "varrho",
    "sigma", "varsigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma",
    "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"
)
SYMBOLS = (
    "sum", "prod", "int", "oint", "lim", "max", "min", "sup", "inf", "log", "ln", "exp",
    "sin", "cos", "tan", "tanh", "sinh", "cosh", "arg", "det", "dim", "ker", "Pr",
    "partial", "nabla", "cdot", "cdots", "ldots", "dots", "times", "div", "pm", "mp",
    "odot", "otimes", "oplus", "circ", "ast", "star", "leq", "le", "geq", "ge", "neq", "ne",
    "approx", "equiv", "sim", "simeq", "propto", "to", "rightarrow", "leftarrow", "mapsto",
    "infty", "in", "notin", "subset", "subseteq", "cup", "cap", "forall", "exists", "top",
    "intercal", "prime", "quad", "qquad", "ell", "hbar", "imath", "jmath", "colon",
    "lbrace", "rbrace", "langle", "rangle", "lvert", "rvert", "lVert", "rVert", "lfloor",
    "rfloor", "lceil", "rceil", "vert", "Vert", "mid", "displaystyle", "textstyle", "big",
    "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl",
    "Biggr", "Rightarrow", "Leftarrow", "Leftrightarrow", "implies", "iff", "because",
    "therefore"
)
ONE_ARG = (
    "mathbf", "boldsymbol", "bm", "mathrm", "mathit", "mathcal", "mathbb", "mathsf",
    "mathtt", "mathfrak", "operatorname", "text", "textrm", "hat", "bar", "tilde", "vec",
    "dot", "ddot", "overline", "underline", "widehat", "widetilde", "overrightarrow",
    "overleftarrow", "sqrt"
)
TWO_ARGS = ["frac", "dfrac", "tfrac", "binom"]
LIMITS = {"sum", "prod", "int", "oint", "lim", "max", "min", "sup", "inf", "det", "Pr"}
DELIMITERS = set("()[]|./<>") | {r"\{", r"\}", r"\|", r"\langle", r"\rangle", r"\lvert",
                                 r"\rvert", r"\lVert", r"\rVert", r"\lfloor", r"\rfloor",
                                 r"\lceil", r"\rceil", r"\vert", r"\Vert"}
KNOWN = set(GREEK) | set(SYMBOLS) | set(ONE_ARG) | set(TWO_ARGS) | {"left", "right", "limits",
                                                                     "nolimits"}
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.DOTALL)
MAX_MATH = 1500  # characters: longer formulas are shown as text


def _tokens(tex: str) -> list[str]:
    return [t for t in _TOKEN.findall(tex) if not t.isspace()]


def _group_end(toks: list[str], i: int) -> int | None:
    """Index after the argument starting at ``toks[i]`` (a ``{…}`` group or one token)."""
    if i >= len(toks) or toks[i] in ("}", "^", "_", "&", "#", "$"):
        return None
    if toks[i] != "{":
        return i + 1
    depth = 0
    for k in range(i, len(toks)):
        depth += {"{": 1, "}": -1}.get(toks[k], 0)
        if depth == 0:
            return k + 1
    return None


def typesettable(tex: str) -> bool:
    """Whether ``tex`` (one formula, math mode) can be typeset without a LaTeX error: plain
    printable ASCII without ``# $ % & \\\\``; braces and ``\\left``/``\\right`` nested; every
    command known (:data:`KNOWN`), with its arguments; no double or empty sub/superscript."""
    if not tex.strip() or len(tex) > MAX_MATH or not tex.isascii():
        return False
    if any(not (ch.isprintable() or ch == " ") for ch in tex) or re.search(r"[#$%&]|\\\\|\^\^",
                                                                            tex):
        return False
    toks = _tokens(tex)
    stack: list[str] = []
    for i, t in enumerate(toks):
        prev = toks[i - 1] if i else ""
        if t == "{":
            stack.append("{")
        elif t == "}":
            if not stack or stack.pop() != "{":
                return False
        elif t in (r"\left", r"\right"):
            if i + 1 >= len(toks) or toks[i + 1] not in DELIMITERS:
                return False
            if t == r"\left":
                stack.append("left")
            elif not stack or stack.pop() != "left":
                return False
        elif t.startswith("\\") and t[1:].isalpha():
            name = t[1:]
            if name not in KNOWN:
                return False
            if name in ("limits", "nolimits") and prev[1:] not in LIMITS:
                return False
            if name in ONE_ARG or name in TWO_ARGS:
                k = i + 1
                if name == "sqrt" and k < len(toks) and toks[k] == "[":
                    while k < len(toks) and toks[k] != "]":
                        k += 1
                    k += 1
                for _ in range(2 if name in TWO_ARGS else 1):
                    k = _group_end(toks, k)
                    if k is None:
                        return False
        elif t.startswith("\\"):
            if t not in (r"\,", r"\;", r"\:", r"\!", "\\ ", r"\{", r"\}", r"\|"):
                return False
        elif t in ("^", "_"):
            end = _group_end(toks, i + 1)
            if end is None or (end < len(toks) and toks[end] == t):
                return False  # x^ at the end, x^}, x^2^3
    return not stack


def math_tex(tex: str) -> str | None:
    """``tex`` ready for display math (``&`` alignment marks dropped), or None when it is not
    safe to typeset (see :func:`typesettable`)."""
    tex = re.sub(r"\s+", " ", str(tex).replace("&", " ")).strip()
    return tex if typesettable(tex) else None


def _plain(text: str) -> str:
    """User text as escaped LaTeX text: control characters become spaces."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(text))
    return escape(re.sub(r"\s+", " ", text).strip())


def _formula(tex: str, typeset: bool) -> tuple[str | None, str]:
    """(display math or None, escaped text) of one formula written by the student."""
    math = math_tex(tex) if typeset else None
    return math, ("" if math is not None else _plain(tex))


def _reason(text: str, typeset: bool) -> str:
    """A reason from the checker (English prose with fragments of the notes in it)."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(text))
    # "for n=2 j=1" lists values: "n=2, j=1" (prose would join them as one formula)
    text = re.sub(r"(?<![\\\w])([A-Za-z]\w*=-?\d+) (?=[A-Za-z]\w*=)", r"\1, ", text)
    return prose(text) if typeset else escape(text)


# --- views ------------------------------------------------------------------------------


@dataclass
class StepNote:
    heading: str
    math: str | None
    text: str


@dataclass
class ChainView:
    line: int
    heading: str  # "Line 12"
    mark: str  # \ok, \bad, \undecided, \defmark
    verdict: str  # the verdict in words (may start with "definition of …; then")
    math: str | None  # the chain as display math, when it is safe to typeset
    text: str  # else the chain as escaped text
    reason: str = ""
    step: StepNote | None = None
    counterexample: list[str] = field(default_factory=list)
    used: list[str] = field(default_factory=list)
    note: str = ""  # why a chain that was read is shown as text


def _name(tex: str, typeset: bool) -> str:
    math = math_tex(tex) if typeset else None
    return f"${math}$" if math is not None else r"\texttt{" + _plain(tex) + "}"


def chain_view(chain, report, lang: str, typeset: bool = True) -> ChainView:
    from ..claims.document import verdict_of
    from ..commands.verify import format_counterexample

    L = CHECK_LABELS[lang]
    verdict = verdict_of(chain)
    claim = " = ".join(chain.sides)
    math, text = _formula(claim, typeset and verdict != "unread")
    view = ChainView(chain.line, L["line"].format(line=chain.line), MARKS[verdict], "", math,
                     text)
    if math is None and typeset and verdict != "unread":
        view.note = L["as_text"]
    if chain.used:
        view.used = [L["at_line"].format(name=_name(n, typeset), line=report.definitions[n][0])
                     for n in chain.used if n in report.definitions]
    if verdict == "unread":
        view.verdict = L["unread"]
        view.reason = _reason(chain.error or "", typeset)
        return view
    name = _name(chain.definition, typeset) if chain.definition else ""
    if verdict == "definition":
        view.verdict = L["definition"].format(name=name)
        return view
    words = VERDICT_WORDS[lang][verdict]
    view.verdict = (L["definition_then"].format(name=name) + " " + words) if name else words
    r = chain.result
    view.reason = _reason(r.reason, typeset)
    if verdict == "true":
        return view
    off = 1 if chain.definition else 0
    i = r.first_wrong
    if i is None:
        i = next((k for k, s in enumerate(r.steps) if s.verdict.value != "true"), None)
    if i is not None:
        s = r.steps[i]
        line = chain.step_line(i + 1 + off)
        key = "first_wrong" if verdict == "false" else "first_undecided"
        smath, stext = _formula(f"{s.lhs} = {s.rhs}", typeset)
        view.step = StepNote(L[key].format(step=i + 1 + off, steps=len(r.steps) + off,
                                           line=line), smath, stext)
        view.reason = _reason(s.reason, typeset)
        if s.counterexample:
            view.counterexample = [_plain(ln) for ln in format_counterexample(s.counterexample,
                                                                              "")]
    return view


def check_tex(report, lang: str = "en", *, timeout: float | None = None,
              typeset: bool = True, date: str | None = None) -> str:
    """The complete ``.tex`` source of the report of a checked document."""
    from ..claims.document import summary

    L = CHECK_LABELS[lang]
    totals = summary(report)
    name = Path(report.path).name
    definitions = [(_name(n, typeset), ln, *_formula(t, typeset))
                   for n, (ln, t) in report.definitions.items()]
    chains = [chain_view(c, report, lang, typeset) for c in report.chains]
    values = {
        "lang": lang, "L": L,
        "title": escape(L["title"].format(name=name)),
        "date": escape(date if date is not None else _dt.date.today().isoformat()),
        "checked_by": L["checked_by"].format(file=r"\texttt{" + _plain(report.path) + "}",
                                          timeout=escape(f"{timeout:g}") if timeout else "?"),
        "summary_line": L["summary_line"].format(**totals),
        "partial": report.partial, "definitions": definitions, "chains": chains}
    template = environment().get_template("check.tex.j2")
    tex = template.render(unicode=lang == "zh", **values)
    if not tex.isascii():  # Chinese prose (or any non-ASCII text): XeLaTeX with ctex
        tex = template.render(unicode=True, **values)
    return tex


def engine_of(tex: str, lang: str) -> str:
    """The key of :data:`symbp.report.compile.ENGINES` to compile ``tex`` with."""
    return "zh" if lang == "zh" or not tex.isascii() else "en"


# --- writing ----------------------------------------------------------------------------


def require_tex(lang: str = "en") -> None:
    """Raise :class:`~symbp.errors.MissingToolError` (exit 4) unless TeX can make the PDF;
    called before the check, so a machine without TeX is told at once."""
    from .compile import check_toolchain

    try:
        check_toolchain(lang)
    except MissingToolError as err:
        raise _no_tex(err) from None


def _no_tex(err: MissingToolError) -> MissingToolError:
    return MissingToolError(err.what.replace(" (the .tex file was written)",
                                             " (no report was written)"), hint=err.hint)


def write_check_report(report, target: str | os.PathLike, lang: str = "en", *,
                       timeout: float | None = None, warn=None) -> Path:
    """Write the report to ``target``: a ``.tex`` (the LaTeX source, written atomically) or
    a ``.pdf`` (compiled in a private folder beside it, moved into place only when LaTeX
    succeeded).  Should LaTeX fail, it is tried once more with every formula as text
    (``warn`` is called with a message); a second failure raises
    :class:`~symbp.errors.ToolFailedError` and leaves no file behind."""
    from . import write_atomic
    from .compile import compile_pdf

    target = Path(target)
    tex = check_tex(report, lang, timeout=timeout)
    if target.suffix.lower() == ".tex":
        return write_atomic(target, tex)
    target.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=".symbp-check-", dir=target.parent))
    try:
        try:
            pdf = _compile(build, tex, lang, compile_pdf)
        except ToolFailedError as first:
            plain = check_tex(report, lang, timeout=timeout, typeset=False)
            try:
                pdf = _compile(build, plain, lang, compile_pdf)
            except ToolFailedError:
                raise ToolFailedError(first.what, where=str(target),
                                      hint="the report was not written; write the LaTeX "
                                           "source with --report FILE.tex to see the line"
                                      ) from None
            if warn is not None:
                warn("LaTeX could not typeset some formulas of the notes; the report shows "
                     "every formula as text")
        os.replace(pdf, target)
        return target
    except MissingToolError as err:
        raise _no_tex(err) from None
    finally:
        shutil.rmtree(build, ignore_errors=True)


def _compile(build: Path, tex: str, lang: str, compile_pdf) -> Path:
    tex_path = build / "check-report.tex"  # a plain name: latexmk and TeX need no quoting
    tex_path.write_text(tex, encoding="utf-8")
    return compile_pdf(tex_path, engine_of(tex, lang))
