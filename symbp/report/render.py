"""Render report views to LaTeX with Jinja2 templates (LaTeX-safe delimiters).

Templates: ``\\VAR{x}`` prints, ``\\BLOCK{...}`` is a statement, ``\\#{...}`` a
comment, so the template text itself stays ordinary LaTeX.  There is one copy,
``symbp/report/templates/``, shipped as package data (so a wheel install renders
reports too).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import jinja2

from ..catalog import GROUPS
from .build import DerivationView, GroupView
from .labels import LABELS
from .tex import escape

TEMPLATES = Path(__file__).resolve().parent / "templates"


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        block_start_string=r"\BLOCK{", block_end_string="}",
        variable_start_string=r"\VAR{", variable_end_string="}",
        comment_start_string=r"\#{", comment_end_string="}",
        trim_blocks=True, lstrip_blocks=True, autoescape=False,
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


@dataclass
class RunView:
    name: str
    rows: list[tuple[str, str]]


def group_views(views: list[DerivationView], groups: dict[str, str], lang: str
                ) -> list[GroupView]:
    """Views grouped in :data:`symbp.catalog.GROUPS` order (``groups``: name → group key)."""
    col = 1 if lang == "zh" else 0
    out = []
    for key, titles in GROUPS.items():
        members = [v for v in views if groups.get(v.name) == key]
        if members:
            out.append(GroupView(key, escape(titles[col]), members))
    return out


def render(views: list[DerivationView], groups: dict[str, str], *, lang: str = "en",
           coursework: bool = False, title: str | None = None, author: str = "",
           results: list[RunView] | None = None, results_path: str = "",
           date: str | None = None) -> str:
    """The complete ``.tex`` source.  ``title``/``author`` are user text (escaped here)."""
    L = LABELS[lang]
    if title is None:
        doc_title = L["coursework_title"] if coursework or len(views) != 1 else None
        title_tex = escape(doc_title) if doc_title else views[0].title
    else:
        title_tex = escape(title)
    ok = sum(v.verified for v in views)
    bad = [r"\texttt{" + escape(v.name) + "}" for v in views if not v.verified]
    status = L["status_line"].format(n=len(views), ok=ok)
    if bad:
        status += " " + L["status_bad"].format(names=", ".join(bad))
    return environment().get_template("document.tex.j2").render(
        status_line=status,
        lang=lang, L=L, coursework=coursework, title=title_tex, author=escape(author),
        date=escape(date if date is not None else _dt.date.today().isoformat()),
        groups=group_views(views, groups, lang), results=results or [],
        results_intro=L["results_intro"].format(path=r"\texttt{" + escape(results_path) + "}"))
