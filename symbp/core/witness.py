"""Check one equation ``lhs rel rhs`` with two independent witnesses.

This is the single entry point shared by derivation steps and user claims.
"""

from __future__ import annotations

from dataclasses import dataclass

from .context import Context
from .numeric import numeric_witness
from .symbolic import DEFAULT_TIMEOUT, symbolic_witness
from .verdict import Evidence, Verdict, combine


@dataclass(frozen=True)
class Check:
    verdict: Verdict
    evidence: tuple[Evidence, ...]

    def by(self, witness: str) -> Evidence | None:
        for e in self.evidence:
            if e.witness == witness:
                return e
        return None

    @property
    def counterexample(self):
        for e in self.evidence:
            if e.counterexample:
                return e.counterexample
        return None

    @property
    def reason(self) -> str:
        return "; ".join(f"{e.witness}: {e.detail}" for e in self.evidence)


#: set inside a bounded worker process (:mod:`symbp.core.worker`): sees every step
_observer = None


def check_equation(lhs, rhs, ctx: Context | None = None, *, rel: str = "=",
                   timeout: float | None = DEFAULT_TIMEOUT, seed: int = 0,
                   points: int = 3) -> Check:
    """Both witnesses on ``lhs rel rhs``; TRUE only if both say TRUE."""
    if _observer is not None:
        return _observer.run(lambda: _check_equation(lhs, rhs, ctx, rel, timeout, seed, points))
    return _check_equation(lhs, rhs, ctx, rel, timeout, seed, points)


def _check_equation(lhs, rhs, ctx, rel, timeout, seed, points) -> Check:
    ctx = ctx or Context()
    numeric = numeric_witness(lhs, rhs, ctx, rel=rel, seed=seed, points=points)
    symbolic = symbolic_witness(lhs, rhs, ctx, rel=rel, timeout=timeout)
    evidence = (symbolic, numeric)
    return Check(combine(list(evidence)), evidence)
