"""The proof model: a derivation is a sequence of parts, each a chain of steps.

A part states a goal ``lhs rel rhs`` and proves it by a chain
``lhs = e_1 = e_2 = … = rhs``; each link is a :class:`Step` with its
justification.  The builder used by the catalog (``d.goal``, ``d.start``,
``d.step``) keeps the chain linked: every step's left side is the previous
step's right side.  Whether the chain really reaches the goal is checked by
:mod:`symbp.core.verify`, not assumed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp

from ..errors import DerivationError
from .context import Assumption, Context, Definition
from .justify import Justification


@dataclass(frozen=True)
class Step:
    lhs: Any
    rhs: Any
    because: Justification
    rel: str = "="
    note: str = ""  # free text shown under the step (e.g. "case k = j")


@dataclass(frozen=True)
class Part:
    """One proved statement: ``goal_lhs rel goal_rhs`` by a chain of steps."""

    title: str
    goal_lhs: Any
    goal_rhs: Any
    steps: tuple[Step, ...]
    rel: str = "="
    tag: str = ""  # e.g. "BP1"
    title_zh: str = ""


@dataclass(frozen=True)
class Derivation:
    """An unverified derivation as written in the catalog."""

    name: str
    title: str
    summary: str
    group: str
    parts: tuple[Part, ...]
    context: Context
    notes: tuple[str, ...] = ()
    title_zh: str = ""
    notes_zh: tuple[str, ...] = ()
    source: str = ""  # citation of the course material

    @property
    def steps(self) -> list[Step]:
        return [s for p in self.parts for s in p.steps]

    @property
    def definitions(self) -> list[Definition]:
        return self.context.definitions

    @property
    def assumptions(self) -> list[Assumption]:
        return self.context.assumptions

    def with_step(self, index: int, rhs) -> Derivation:
        """A copy in which step ``index`` (0-based, over all parts) ends at ``rhs``.

        The next step of the same part starts from the new expression, as it
        would in a student's chain: used by the tests that corrupt a step.
        """
        parts = []
        k = 0
        for p in self.parts:
            steps = list(p.steps)
            for i in range(len(steps)):
                if k == index:
                    steps[i] = replace(steps[i], rhs=rhs)
                    if i + 1 < len(steps):
                        steps[i + 1] = replace(steps[i + 1], lhs=rhs)
                k += 1
            parts.append(replace(p, steps=tuple(steps)))
        if index >= k:
            raise IndexError(index)
        return replace(self, parts=tuple(parts))


class Builder:
    """What a catalog function receives: record definitions, goals and steps."""

    def __init__(self, name: str):
        self.name = name
        self.context = Context()
        self.notes: list[str] = []
        self.notes_zh: list[str] = []
        self._parts: list[Part] = []
        self._current: dict | None = None

    # context -----------------------------------------------------------
    def define(self, lhs, rhs, name: str = "") -> Any:
        """``lhs := rhs``; returns ``lhs`` so it can be used in steps."""
        self.context.definitions.append(Definition(lhs, sp.sympify(rhs), name))
        return lhs

    def assume(self, assumption: Assumption) -> None:
        self.context.assumptions.append(assumption)

    def index(self, symbol: sp.Symbol, low, high) -> sp.Symbol:
        """Declare a free index and its range ``low ≤ symbol ≤ high``."""
        self.context.index_ranges[symbol] = (low, high)
        return symbol

    def size(self, symbol: sp.Symbol, *candidates: int) -> sp.Symbol:
        """Declare a size (n, a matrix dimension) and the values numeric checks try."""
        self.context.sizes[symbol] = tuple(candidates) if candidates else (2, 3, 4)
        return symbol

    def domain(self, name, low: float, high: float) -> None:
        """Sample ``name`` (a Symbol, IndexedBase or MatrixSymbol) from ``[low, high]``."""
        key = str(name.label) if isinstance(name, sp.IndexedBase) else str(name)
        self.context.domains[key] = (low, high)

    def note(self, text: str, zh: str = "") -> None:
        self.notes.append(text)
        self.notes_zh.append(zh or text)

    # chains ------------------------------------------------------------
    def goal(self, lhs, rhs, title: str = "", *, rel: str = "=", tag: str = "",
             title_zh: str = "") -> None:
        """Begin a part that must prove ``lhs rel rhs``; the chain starts at ``lhs``."""
        self._close()
        self._current = {"title": title, "lhs": sp.sympify(lhs), "rhs": sp.sympify(rhs),
                         "rel": rel, "tag": tag, "title_zh": title_zh, "steps": [],
                         "at": sp.sympify(lhs)}

    def step(self, rhs, because: Justification, *, rel: str = "=", note: str = "") -> Any:
        """Add ``(previous expression) rel rhs`` justified by ``because``."""
        if self._current is None:
            raise DerivationError(f"{self.name}: step() before goal()",
                                  hint="call d.goal(lhs, rhs) first")
        if not isinstance(because, Justification):
            raise DerivationError(f"{self.name}: a step needs a Justification")
        rhs = sp.sympify(rhs)
        self._current["steps"].append(Step(self._current["at"], rhs, because, rel, note))
        self._current["at"] = rhs
        return rhs

    def _close(self) -> None:
        c = self._current
        if c is None:
            return
        if not c["steps"]:
            raise DerivationError(f"{self.name}: the goal '{c['title']}' has no steps")
        self._parts.append(Part(c["title"], c["lhs"], c["rhs"], tuple(c["steps"]),
                                c["rel"], c["tag"], c["title_zh"]))
        self._current = None

    def build(self, title: str, summary: str, group: str, title_zh: str = "",
              source: str = "") -> Derivation:
        self._close()
        if not self._parts:
            raise DerivationError(f"{self.name}: no goals", hint="use d.goal(...) and d.step(...)")
        return Derivation(self.name, title, summary, group, tuple(self._parts), self.context,
                          tuple(self.notes), title_zh, tuple(self.notes_zh), source)


@dataclass(frozen=True)
class StepResult:
    step: Step
    part: int
    index: int  # 1-based over the whole derivation
    verdict: Any
    evidence: tuple
    structure_ok: bool = True
    structure_detail: str = ""


@dataclass
class VerifiedDerivationBase:
    derivation: Derivation
    results: list[StepResult] = field(default_factory=list)
