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
    """TRUE iff every witness is TRUE; FALSE when a witness refutes; else UNDECIDED.

    A symbolic TRUE and a numeric FALSE disagree: that is UNDECIDED, never TRUE
    and never a silent FALSE (the reason is in the evidence).  A FALSE from a
    witness that is not one of that pair (the chain's ``structure``, ``shape``)
    is decisive on its own: a true equation in the wrong place is a wrong step.
    """
    verdicts = [e.verdict for e in evidence]
    if not verdicts:
        return Verdict.UNDECIDED
    if any(e.verdict is Verdict.FALSE and e.witness not in _PAIR for e in evidence):
        return Verdict.FALSE
    if Verdict.FALSE in verdicts:
        if any(e.witness == "symbolic" and e.verdict is Verdict.TRUE
               and not _outside_instances(e, evidence) for e in evidence):
            return Verdict.UNDECIDED
        return Verdict.FALSE
    if all(v is Verdict.TRUE for v in verdicts):
        return Verdict.TRUE
    return Verdict.UNDECIDED


def _outside_instances(symbolic: Evidence, evidence: list[Evidence]) -> bool:
    """A symbolic TRUE that holds only for the sizes it wrote out, and a numeric
    counterexample at a size it did not write out: no disagreement, the claim is false."""
    if symbolic.extra.get("scope") != "instances":
        return False
    checked = symbolic.extra.get("sizes", [])
    return any(e.witness == "numeric" and e.verdict is Verdict.FALSE and e.counterexample
               and e.counterexample.get("sizes") and e.counterexample["sizes"] not in checked
               for e in evidence)


#: the two independent witnesses whose disagreement means "undecided"
_PAIR = ("symbolic", "numeric")
