"""The document model: verified derivations → plain views of LaTeX strings.

A view holds everything a template prints (no SymPy objects), so views can be
built in worker processes and rendered by :mod:`symbp.report.render`.  Per
derivation: the statement (goals, definitions, assumptions, index ranges),
then per part the chain ``lhs = e_1 = … = rhs`` with one numbered equation per
step, its justification (rule label from :data:`symbp.core.justify.KINDS`) and
the verification note from the step's evidence (symbolic detail; numeric
points and max relative error).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..core.verdict import Verdict
from ..notation.latex_out import REL_LATEX, NNLatexPrinter
from .labels import (
    CASES,
    DEFINITION_ZH,
    DEFINITION_ZH_PREFIX,
    LABELS,
    SYMBOLIC_ZH,
    SYMBOLIC_ZH_PREFIX,
    SYMBOLIC_ZH_SUFFIX,
    TAG_ZH,
    VERDICT_WORDS,
)
from .tex import escape, prose

# matrix form in bold (W, Δ), as in the course's matrix-calculus notes
latex = NNLatexPrinter({"bold_matrices": True}).doprint

MARK = {Verdict.TRUE: r"\ok", Verdict.FALSE: r"\bad", Verdict.UNDECIDED: r"\undecided"}


@dataclass
class StepView:
    label: str
    rel: str
    rhs: str
    why: str
    check: str
    mark: str


@dataclass
class PartView:
    title: str
    tag: str
    goal_label: str
    goal: str
    lhs: str
    steps: list[StepView]
    conclusion: str


@dataclass
class DerivationView:
    name: str
    title: str
    summary: str
    source: str
    definitions: list[tuple[str, str]]  # (name as text, "lhs := rhs" as math)
    assumptions: list[str]
    indices: str
    parts: list[PartView]
    notes: list[str]
    verified: bool
    status: str
    error: str = ""
    n_steps: int = 0


@dataclass
class GroupView:
    key: str
    title: str
    derivations: list[DerivationView] = field(default_factory=list)


def _label(name: str, what: str) -> str:
    return f"eq:{re.sub(r'[^A-Za-z0-9]', '-', name)}:{what}"


def _evidence(r, witness):
    return next((e for e in r.evidence if e.witness == witness), None)


def _fmt_err(x) -> str:
    if x is None:
        return "--"
    if x == 0:
        return "0"
    mant, exp = f"{x:.1e}".split("e")
    return f"${mant} \\times 10^{{{int(exp)}}}$"


def _case_tex(case: str) -> str:
    """One checked case, ``n=2, k=1``, as math (``$n=2,\\ k=1$``); other text as prose."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*=-?\d+(, [A-Za-z][A-Za-z0-9_]*=-?\d+)*", case):
        return "$" + case.replace(", ", r",\ ") + "$"
    return prose(case)


def _cases_note(detail: str, lang: str, keep: int = 2) -> str | None:
    """``exact, with symbolic entries, for n=2, k=1; …`` → the first cases (as math), how
    many there were, and the remark about the general form; None for other details."""
    head, sep, cases = detail.partition(" for ")
    if head != "exact, with symbolic entries," or not sep or cases == "the given symbols":
        return None
    remark = ""
    for en_tail, zh_tail in SYMBOLIC_ZH_SUFFIX.items():
        if cases.endswith(en_tail):
            cases, remark = cases[:-len(en_tail)], (zh_tail if lang == "zh" else en_tail)
    parts = cases.split("; ")
    shown = parts if len(parts) <= keep + 1 else parts[:keep]
    more = len(parts) > len(shown)
    if lang == "zh":
        # 一般形式 SymPy 未能化简；在具体尺寸下以符号元素精确验证：$n=2,\ k=1$；……共 5 种情形
        text = "；".join(_case_tex(c) for c in shown) + ("；……" if more else "")
        count = CASES["zh"].format(n=len(parts)) if more else ""
        lead = SYMBOLIC_ZH_PREFIX["exact, with symbolic entries, for"]
        return (remark + "；" if remark else "") + lead + text + count
    text = "; ".join(_case_tex(c) for c in shown) + ("; \\ldots{}" if more else "")
    count = CASES["en"].format(n=len(parts)) if more else ""
    return prose(head + " for ") + text + count + prose(remark)


def _symbolic_note(detail: str, lang: str) -> str:
    cases = _cases_note(detail, lang)
    if cases is not None:
        return cases
    if lang == "zh":
        if detail in SYMBOLIC_ZH:
            return SYMBOLIC_ZH[detail]
        for en, zh in SYMBOLIC_ZH_PREFIX.items():
            if detail.startswith(en):
                return prose(zh) + prose(detail[len(en):])
    return prose(detail)


def definition_text(description: str, lang: str) -> str:
    """A definition's description in ``lang`` (:data:`~.labels.DEFINITION_ZH`; else as written)."""
    if lang != "zh" or not description:
        return description
    if description in DEFINITION_ZH:
        return DEFINITION_ZH[description]
    for en, zh in DEFINITION_ZH_PREFIX.items():
        if description.startswith(en):
            rest = description[len(en):]
            return zh + DEFINITION_ZH.get(rest, rest)
    return description


def entry_texts(d, lang: str) -> tuple[str, str]:
    """``(summary, source)`` of derivation ``d`` in ``lang``.

    Chinese texts are declared on the catalog entry (``@derivation(…, summary_zh=…,
    source_zh=…)``); they are used for the derivation that entry builds (same name,
    same English summary), and an empty one falls back to the English text."""
    if lang != "zh":
        return d.summary, d.source
    from ..catalog import registered

    entry = registered(d.name)
    if entry is None or (entry.summary, entry.source) != (d.summary, d.source):
        return d.summary, d.source
    return entry.summary_zh or d.summary, entry.source_zh or d.source


def verification_note(r, lang: str) -> str:
    """``symbolic ✓ (…); numeric ✓ (15 random points, max. relative error …)``."""
    L = LABELS[lang]
    words = VERDICT_WORDS[lang]
    notes = []
    gap = "\\ " if lang == "en" else "{}"  # a full-width （ brings its own space
    sym = _evidence(r, "symbolic")
    if sym is not None:
        notes.append(f"{L['symbolic']} {MARK[sym.verdict]}{gap}"
                     + L["paren"].format(_symbolic_note(sym.detail, lang)))
    num = _evidence(r, "numeric")
    if num is not None:
        m = re.match(r"(\d+) random points agree", num.detail)
        if num.verdict is Verdict.TRUE and m:
            what = L["points"].format(n=m.group(1), err=_fmt_err(num.max_rel_error))
        else:
            what = prose(num.detail)
        notes.append(f"{L['numeric']} {MARK[num.verdict]}{gap}" + L["paren"].format(what))
    for e in r.evidence:
        if e.witness not in ("symbolic", "numeric"):
            notes.append(f"{prose(e.witness)} {MARK[e.verdict]}{gap}"
                         + L["paren"].format(prose(e.detail)))
    sep = "；" if lang == "zh" else "; "
    if r.verdict is not Verdict.TRUE:
        notes.insert(0, r"\textbf{" + words[r.verdict.value] + "}")
    return sep.join(notes)


def justification(step, lang: str, known: dict[str, str]) -> str:
    """The rule and what it was applied to; catalog names it mentions get a section reference."""
    raw = step.because.text(lang)
    tex = prose(raw)
    refs = [ref for name, ref in known.items() if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}"
                                                            rf"(?![A-Za-z0-9_])", raw)]
    if refs:
        see = "; ".join(LABELS[lang]["see_section"].format(ref=r) for r in refs)
        tex += f" ({see})" if lang == "en" else f"（{see}）"
    if step.note:
        tex += f" ({prose(step.note)})"
    return tex


def derivation_view(vd, lang: str = "en", known: dict[str, str] | None = None) -> DerivationView:
    """The view of one :class:`~symbp.verified.VerifiedDerivation`."""
    L = LABELS[lang]
    known = {k: v for k, v in (known or {}).items() if k != vd.name}
    d = vd.derivation
    title = d.title_zh if lang == "zh" and d.title_zh else d.title
    parts = []
    for p_i, part in enumerate(d.parts):
        steps = []
        for r in vd.results:
            if r.part != p_i:
                continue
            steps.append(StepView(_label(d.name, f"s{r.index}"), REL_LATEX[r.step.rel],
                                  latex(r.step.rhs), justification(r.step, lang, known),
                                  verification_note(r, lang), MARK[r.verdict]))
        goal_label = _label(d.name, f"goal{p_i + 1}")
        ref = f"\\eqref{{{goal_label}}}"
        if len(steps) > 1:
            conclusion = L["proves"].format(first=f"\\eqref{{{steps[0].label}}}",
                                            last=f"\\eqref{{{steps[-1].label}}}", goal=ref)
        else:
            conclusion = L["proves_one"].format(first=f"\\eqref{{{steps[0].label}}}", goal=ref)
        ptitle = part.title_zh if lang == "zh" and part.title_zh else part.title
        tag = part.tag or ""
        tag = TAG_ZH.get(tag, tag) if lang == "zh" else tag
        parts.append(PartView(prose(ptitle), escape(tag.replace("_", " ")), goal_label,
                              f"{latex(part.goal_lhs)} {REL_LATEX[part.rel]} "
                              f"{latex(part.goal_rhs)}",
                              latex(part.goal_lhs), steps, conclusion))
    ranges = d.context.index_ranges
    indices = ",\\ ".join(f"{latex(lo)} \\le {latex(s)} \\le {latex(hi)}"
                          for s, (lo, hi) in ranges.items())
    notes = d.notes_zh if lang == "zh" and d.notes_zh else d.notes
    failed = [r for r in vd.results if r.verdict is not Verdict.TRUE]
    if failed:
        status = L["not_verified"].format(
            verdict=VERDICT_WORDS[lang][vd.verdict.value],
            steps=", ".join(f"\\eqref{{{_label(d.name, f's{r.index}')}}}" for r in failed))
    else:
        status = L["verified"].format(n=len(vd.results))
    summary, source = entry_texts(d, lang)
    return DerivationView(
        name=d.name, title=prose(title), summary=prose(summary), source=prose(source),
        definitions=[(prose(definition_text(df.name, lang)), f"{latex(df.lhs)} := {latex(df.rhs)}")
                     for df in d.definitions],
        assumptions=[a.latex for a in d.assumptions], indices=indices, parts=parts,
        notes=[prose(n) for n in notes], verified=not failed, status=status,
        n_steps=len(vd.results))


def error_view(name: str, error: str, lang: str) -> DerivationView:
    """A section for an entry that could not be built (the document says so)."""
    return DerivationView(name=name, title=escape(name), summary="", source="", definitions=[],
                          assumptions=[], indices="", parts=[], notes=[], verified=False,
                          status=LABELS[lang]["not_built"].format(error=escape(error)),
                          error=escape(error))
