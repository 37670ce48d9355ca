"""Verify a derivation: every step by both witnesses, and the chain's structure.

A derivation is verified only if
* every step is TRUE by the symbolic and the numeric witness, and
* every part is a real chain: it starts at its goal's left side, each step
  starts where the previous one ended, and the last step ends at the goal's
  right side (so a proof cannot quietly prove something else).
"""

from __future__ import annotations

import sympy as sp

from .proof import Derivation, StepResult
from .symbolic import DEFAULT_TIMEOUT
from .verdict import Evidence, Verdict, combine
from .witness import check_equation


def _same(a, b) -> bool:
    try:
        return bool(sp.sympify(a) == sp.sympify(b))
    except Exception:
        return False


_CHECKS: dict = {}


def _cached_check(step, context, timeout, seed):
    """Steps are pure functions of (lhs, rhs, rel, context): check each once per process."""
    key = (step.lhs, step.rhs, step.rel, id(context), timeout, seed)
    if key not in _CHECKS:
        check = check_equation(step.lhs, step.rhs, context, rel=step.rel,
                               timeout=timeout, seed=seed)
        if timeout and check.verdict is Verdict.UNDECIDED and "timed out" in check.reason:
            # a busy machine must not turn a provable step into "undecided": one retry with
            # three times the time; a verdict still needs both witnesses
            check = check_equation(step.lhs, step.rhs, context, rel=step.rel,
                                   timeout=3 * timeout, seed=seed)
        _CHECKS[key] = (check, context)
    return _CHECKS[key][0]


def verify_steps(derivation: Derivation, *, timeout: float | None = DEFAULT_TIMEOUT,
                 seed: int = 0) -> list[StepResult]:
    results: list[StepResult] = []
    index = 0
    for p_i, part in enumerate(derivation.parts):
        for s_i, step in enumerate(part.steps):
            index += 1
            check = _cached_check(step, derivation.context, timeout, seed + index)
            evidence = list(check.evidence)
            problems = []
            if s_i == 0 and not _same(step.lhs, part.goal_lhs):
                problems.append("the chain does not start at the goal's left side")
            if s_i > 0 and not _same(step.lhs, part.steps[s_i - 1].rhs):
                problems.append(f"step {index} does not start where step {index - 1} ended")
            if s_i == len(part.steps) - 1 and not _same(step.rhs, part.goal_rhs):
                problems.append("the chain does not end at the goal's right side")
            if step.rel != "=" and part.rel == "=":
                problems.append("an inequality step cannot prove an equality")
            if problems:
                evidence.append(Evidence("structure", Verdict.FALSE, "; ".join(problems)))
            verdict = combine(evidence)
            results.append(StepResult(step, p_i, index, verdict, tuple(evidence),
                                      not problems, "; ".join(problems)))
    return results
