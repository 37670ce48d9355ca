"""Checking the equations of a whole document (``symbp check FILE.tex|FILE.md``).

Display math is found in ``equation``/``align``/``gather``/``multline`` (starred
or not), ``$$ … $$`` and ``\\[ … \\]`` (LaTeX and Markdown alike).  Inside one
display, a line that starts with ``=`` or ``&=`` continues the previous line's
chain, so::

    \\begin{align}
      f(x) &= (x+1)^2 \\\\
           &= x^2 + 2x + 1
    \\end{align}

is one chain with two steps, each checked.  Comment lines
``% symbp: define …``, ``% symbp: assume …``, ``% symbp: context …`` (or the
Markdown/HTML form ``<!-- symbp: define … -->``) apply to every later equation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.verdict import Verdict
from ..errors import InputError
from .judge import Judgement, judge

ENVS = r"(?:equation|align|gather|multline|eqnarray|displaymath)\*?"
BEGIN = re.compile(r"\\begin\{(" + ENVS + r")\}")
DIRECTIVE = re.compile(r"^\s*(?:%|<!--)\s*symbp:\s*(define|assume|context)\s+(.*?)\s*(?:-->)?\s*$")
STRIP = [re.compile(p) for p in (r"\\label\{[^{}]*\}", r"\\tag\*?\{[^{}]*\}", r"\\nonumber",
                                 r"\\notag", r"\\(?:q?quad)\s*\\text\{[^{}]*\}",
                                 r"\\text\{[^{}]*\s[^{}]*\}", r"(?<!\\)%.*$")]
MAX_FILE = 2_000_000


@dataclass
class Chain:
    """One chain of equalities: its side texts and the line of each side."""

    sides: list[str]
    lines: list[int]
    directives: dict
    result: Judgement | None = None
    error: str | None = None

    @property
    def line(self) -> int:
        return self.lines[0]


@dataclass
class Report:
    path: str
    chains: list[Chain] = field(default_factory=list)

    @property
    def any_false(self) -> bool:
        return any(c.result and c.result.verdict is Verdict.FALSE for c in self.chains)


def _clean(text: str) -> str:
    for p in STRIP:
        text = p.sub(" ", text)
    return text


def displays(source: str) -> list[tuple[int, list[tuple[int, str]], dict]]:
    """Display-math blocks: (start line, [(line number, text line)], directives in force)."""
    lines = source.splitlines()
    out = []
    directives = {"define": [], "assume": [], "context": []}
    i = 0
    while i < len(lines):
        line = lines[i]
        d = DIRECTIVE.match(line)
        if d:
            directives[d.group(1)].append(d.group(2).strip())
            i += 1
            continue
        m = BEGIN.search(line)
        opener = None
        if m:
            opener, closer, start_col = m.group(0), r"\end{" + m.group(1) + "}", m.end()
        elif "$$" in line:
            opener, closer, start_col = "$$", "$$", line.index("$$") + 2
        elif r"\[" in line:
            opener, closer, start_col = r"\[", r"\]", line.index(r"\[") + 2
        if opener is None:
            i += 1
            continue
        block = []
        rest = line[start_col:]
        j = i
        while True:
            if closer in rest:
                block.append((j + 1, rest[:rest.index(closer)]))
                break
            block.append((j + 1, rest))
            j += 1
            if j >= len(lines):
                break
            rest = lines[j]
        snapshot = {k: list(v) for k, v in directives.items()}
        out.append((i + 1, block, snapshot))
        i = j + 1
    return out


def chains_of(block: list[tuple[int, str]], directives: dict) -> list[Chain]:
    """Split a display into rows (at ``\\\\``) and join ``=``-continuations into chains."""
    rows: list[tuple[int, str]] = []
    for lineno, text in block:
        text = _clean(text)
        for part in re.split(r"\\\\", text):
            if part.strip():
                rows.append((lineno, part.replace("&", " ").strip()))
    chains: list[Chain] = []
    for lineno, text in rows:
        text = text.strip().rstrip(".,;").strip()
        if not text:
            continue
        if text.startswith("=") and chains:
            chains[-1].sides.append(text[1:].strip())
            chains[-1].lines.append(lineno)
            continue
        if "=" not in text:
            continue
        parts = [p.strip() for p in _split_eq(text)]
        chains.append(Chain(parts, [lineno] * len(parts), directives))
    return chains


def _split_eq(text: str) -> list[str]:
    depth, parts, start = 0, [], 0
    for i, c in enumerate(text):
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        elif c == "=" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def check_document(path: str, timeout: float = 4.0) -> Report:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"cannot read '{path}': no such file", hint="give a .tex or .md file")
    if p.stat().st_size > MAX_FILE:
        raise InputError(f"'{path}' is too large ({p.stat().st_size} bytes)")
    try:
        source = p.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as exc:
        raise InputError(f"cannot read '{path}' as UTF-8 text: {exc}") from None
    report = Report(str(path))
    for _, block, directives in displays(source):
        for chain in chains_of(block, directives):
            report.chains.append(chain)
            if any(not s for s in chain.sides):
                chain.error = "an empty side"
                continue
            claim = " = ".join(chain.sides)
            try:
                chain.result = judge(claim, directives["context"], directives["define"],
                                     directives["assume"], timeout=timeout)
            except InputError as err:
                chain.error = err.what
    return report


def report_dict(report: Report) -> dict:
    chains = []
    for c in report.chains:
        entry = {"line": c.line, "claim": " = ".join(c.sides)}
        if c.error:
            entry.update(verdict="error", reason=c.error)
        else:
            r = c.result
            entry.update(verdict=r.verdict.value, reason=r.reason,
                         counterexample=r.counterexample,
                         steps=[dict(s.to_dict(), line=c.lines[i + 1])
                                for i, s in enumerate(r.steps)])
            if r.first_wrong is not None:
                entry["first_wrong_step"] = r.first_wrong + 1
                entry["first_wrong_line"] = c.lines[r.first_wrong + 1]
        chains.append(entry)
    return {"file": report.path, "false": report.any_false, "chains": chains}
