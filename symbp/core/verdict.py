"""Three-valued verdicts and the evidence a witness leaves behind.

A check answers TRUE, FALSE or UNDECIDED, never a bare bool (after SymPy's
``Expr.equals`` → True/False/None).  A step is TRUE only when every witness
says TRUE; any FALSE makes it FALSE; everything else is UNDECIDED.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Verdict(Enum):
    TRUE = "true"
    FALSE = "false"
    UNDECIDED = "undecided"

    def as_json(self) -> bool | None:
        """true/false for decided verdicts, null for undecided."""
        return {Verdict.TRUE: True, Verdict.FALSE: False}.get(self)


@dataclass(frozen=True)
class Evidence:
    """What one witness concluded about one equation, and why."""

    witness: str  # "symbolic" | "numeric" | "structure" | "shape"
    verdict: Verdict
    detail: str
    counterexample: dict[str, Any] | None = None
    max_rel_error: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def combine(evidence: list[Evidence]) -> Verdict:
    """TRUE iff every witness is TRUE; FALSE iff one is FALSE and none TRUE-contradicts.

    A symbolic TRUE and a numeric FALSE disagree: that is UNDECIDED, never TRUE
    and never a silent FALSE (the reason is in the evidence).
    """
    verdicts = [e.verdict for e in evidence]
    if not verdicts:
        return Verdict.UNDECIDED
    if Verdict.FALSE in verdicts:
        if Verdict.TRUE in verdicts and any(
            e.witness == "symbolic" and e.verdict is Verdict.TRUE for e in evidence
        ):
            return Verdict.UNDECIDED
        return Verdict.FALSE
    if all(v is Verdict.TRUE for v in verdicts):
        return Verdict.TRUE
    return Verdict.UNDECIDED
