"""A verified derivation: the steps, each step's verdicts, and its renderings.

Returned by :func:`symbp.derive`.  Rendering (text, LaTeX, JSON, Jupyter) lives
here so the CLI, reports and notebooks all show the same thing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .core.proof import Derivation, StepResult
from .core.verdict import Verdict
from .notation.latex_out import REL_LATEX, latex
from .notation.text_out import REL_TEXT, text


def _definition_latex(d) -> str:
    return f"{latex(d.lhs)} := {latex(d.rhs)}"


def _definition_text(d) -> str:
    return f"{text(d.lhs)} := {text(d.rhs)}"


@dataclass
class VerifiedDerivation:
    derivation: Derivation
    results: list[StepResult]

    # --- what it is ------------------------------------------------------
    @property
    def name(self) -> str:
        return self.derivation.name

    @property
    def title(self) -> str:
        return self.derivation.title

    @property
    def summary(self) -> str:
        return self.derivation.summary

    @property
    def parts(self):
        return self.derivation.parts

    @property
    def steps(self) -> list[StepResult]:
        return self.results

    @property
    def verdict(self) -> Verdict:
        verdicts = [r.verdict for r in self.results]
        if any(v is Verdict.FALSE for v in verdicts):
            return Verdict.FALSE
        if all(v is Verdict.TRUE for v in verdicts):
            return Verdict.TRUE
        return Verdict.UNDECIDED

    @property
    def verified(self) -> bool:
        return self.verdict is Verdict.TRUE

    @property
    def failures(self) -> list[StepResult]:
        return [r for r in self.results if r.verdict is not Verdict.TRUE]

    @property
    def result(self):
        """The last part's goal as ``(lhs, rel, rhs)``: the derivation's main result."""
        p = self.derivation.parts[-1]
        return (p.goal_lhs, p.rel, p.goal_rhs)

    def part_result(self, title_or_tag: str):
        for p in self.derivation.parts:
            if title_or_tag in (p.title, p.tag):
                return (p.goal_lhs, p.rel, p.goal_rhs)
        raise KeyError(title_or_tag)

    # --- LaTeX -----------------------------------------------------------
    def statement_latex(self) -> str:
        goals = []
        for p in self.derivation.parts:
            goals.append(f"{latex(p.goal_lhs)} {REL_LATEX[p.rel]} {latex(p.goal_rhs)}")
        return r" ,\quad ".join(goals)

    def step_latex(self, r: StepResult) -> str:
        s = r.step
        return f"{latex(s.lhs)} {REL_LATEX[s.rel]} {latex(s.rhs)}"

    def latex(self) -> str:
        """An ``align`` environment per part: the chain, with the justification as ``\\text``."""
        blocks = []
        for p_i, part in enumerate(self.derivation.parts):
            lines = []
            first = True
            for r in self.results:
                if r.part != p_i:
                    continue
                s = r.step
                lhs = latex(s.lhs) if first else ""
                mark = r"\checkmark" if r.verdict is Verdict.TRUE else r"\times"
                just = s.because.text().replace("_", r"\_").replace("&", r"\&")
                lines.append(f"{lhs} &{REL_LATEX[s.rel]} {latex(s.rhs)} "
                             f"&& \\text{{({r.index}) {_tex_text(just)}}}\\ {mark}")
                first = False
            header = f"% {part.title}\n" if part.title else ""
            blocks.append(header + "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}")
        return "\n".join(blocks)

    def _repr_latex_(self) -> str:
        """Jupyter: one display-math ``aligned`` block, parts stacked, status last.

        Justifications go through :func:`symbp.report.tex.prose` (``\\text{…}`` with
        ``$…$`` for the math in it), which MathJax and LaTeX both accept.
        """
        from .report.tex import prose

        rows = [rf"&\textbf{{{prose(self.title)}}}"]
        for p_i, part in enumerate(self.derivation.parts):
            tag = f" ({prose(part.tag)})" if part.tag else ""
            rows.append(rf"&\text{{{prose(part.title or 'Claim')}{tag}}}")
            first = True
            for r in self.results:
                if r.part != p_i:
                    continue
                s = r.step
                mark = {Verdict.TRUE: r"\checkmark", Verdict.FALSE: r"\times"}.get(r.verdict, "?")
                rows.append(f"{latex(s.lhs) if first else ''} &{REL_LATEX[s.rel]} "
                            f"{latex(s.rhs)} && \\text{{({r.index}) "
                            f"{prose(s.because.text())}}}\\ {mark}")
                first = False
        status = "verified" if self.verified else f"NOT verified ({self.verdict.value})"
        rows.append(rf"&\text{{{status}}}")
        return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"

    # --- text ------------------------------------------------------------
    def text(self, color: bool = False) -> str:
        ok, bad, unk = ("✓", "✗", "?")
        out = [f"{self.name} — {self.title}", f"  {self.summary}"]
        if self.derivation.definitions:
            out.append("Definitions:")
            out += [f"  {_definition_text(d)}" for d in self.derivation.definitions]
        if self.derivation.assumptions:
            out.append("Assumptions:")
            out += [f"  {a.text}" for a in self.derivation.assumptions]
        for p_i, part in enumerate(self.derivation.parts):
            tag = f"[{part.tag}] " if part.tag else ""
            out.append("")
            out.append(f"{tag}{part.title or 'Claim'}:  {text(part.goal_lhs)} "
                       f"{REL_TEXT[part.rel]} {text(part.goal_rhs)}")
            for r in self.results:
                if r.part != p_i:
                    continue
                s = r.step
                sym = _mark(r, "symbolic", ok, bad, unk)
                num = _mark(r, "numeric", ok, bad, unk)
                out.append(f"  ({r.index}) {REL_TEXT[s.rel]} {text(s.rhs)}")
                out.append(f"        by {s.because.text()}   [symbolic {sym}  numeric {num}]")
                if s.note:
                    out.append(f"        note: {s.note}")
                if r.verdict is not Verdict.TRUE:
                    for e in r.evidence:
                        if e.verdict is not Verdict.TRUE:
                            out.append(f"        {e.witness}: {e.detail}")
                            if e.counterexample:
                                out.append(f"        counterexample: {e.counterexample}")
        for n in self.derivation.notes:
            out.append("")
            out.append(f"Note: {n}")
        out.append("")
        if self.verified:
            out.append(f"Verified: all {len(self.results)} steps hold (symbolic and numeric).")
        else:
            names = ", ".join(str(r.index) for r in self.failures)
            out.append(f"NOT verified ({self.verdict.value}): step(s) {names}.")
        return "\n".join(out)

    # --- JSON ------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        steps = []
        for r in self.results:
            s = r.step
            sym = _evidence(r, "symbolic")
            num = _evidence(r, "numeric")
            steps.append({
                "index": r.index,
                "part": self.derivation.parts[r.part].title,
                "latex": self.step_latex(r),
                "lhs": latex(s.lhs),
                "rhs": latex(s.rhs),
                "relation": s.rel,
                "justification": s.because.text(),
                "justification_zh": s.because.text("zh"),
                "rule": s.because.kind,
                "verdict": r.verdict.value,
                "symbolic": sym.verdict.as_json() if sym else None,
                "numeric": num.verdict.as_json() if num else None,
                "symbolic_detail": sym.detail if sym else None,
                "numeric_detail": num.detail if num else None,
                "max_rel_error": num.max_rel_error if num else None,
                "structure": r.structure_detail or "ok",
                "counterexample": next((e.counterexample for e in r.evidence
                                        if e.counterexample), None),
            })
        return {
            "name": self.name,
            "title": self.title,
            "summary": self.summary,
            "group": self.derivation.group,
            "statement": self.statement_latex(),
            "definitions": [_definition_latex(d) for d in self.derivation.definitions],
            "assumptions": [a.latex for a in self.derivation.assumptions],
            "verified": self.verified,
            "verdict": self.verdict.value,
            "notes": list(self.derivation.notes),
            "steps": steps,
        }

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, **kwargs)


def _evidence(r: StepResult, witness: str):
    for e in r.evidence:
        if e.witness == witness:
            return e
    return None


def _mark(r: StepResult, witness: str, ok: str, bad: str, unk: str) -> str:
    e = _evidence(r, witness)
    if e is None:
        return "–"
    return {Verdict.TRUE: ok, Verdict.FALSE: bad}.get(e.verdict, unk)


def _tex_text(s: str) -> str:
    """Text for \\text{}: keep it to characters LaTeX's text mode accepts."""
    repl = {"σ": r"$\sigma$", "δ": r"$\delta$", "∂": r"$\partial$", "Σ": r"$\Sigma$",
            "⊙": r"$\odot$", "ᵀ": r"$^T$", "′": "'", "−": "-", "∇": r"$\nabla$",
            "≤": r"$\le$", "≥": r"$\ge$", "→": r"$\to$", "∞": r"$\infty$", "·": r"$\cdot$"}
    return "".join(repl.get(ch, ch) for ch in s)
