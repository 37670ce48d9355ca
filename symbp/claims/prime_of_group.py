"""A prime after a parenthesised expression: ``f'(z) = (\\frac{1}{1+e^{-z}})'``.

Course notes derive σ′ this way: the derivative of the expression in parentheses, with
respect to the one variable the chain is about.  When the chain starts ``f'(z) = (E)'``
and f is not defined, that first step names f (f(z) = E): it is a definition, and the
steps after it are checked with it (… = f(z)(1 − f(z))).
"""

from __future__ import annotations

import re

from ..notation.latex_in import split_relation

_GROUP_PRIME = re.compile(r"^\s*(?:\\left\s*)?\((.*)(?:\\right\s*)?\)\s*'\s*$", re.S)
_PRIMED_CALL = re.compile(r"^\s*(\\?[A-Za-z]+)\s*'\s*\(\s*([a-z])\s*\)\s*$")
_LETTER = re.compile(r"(?<![\\A-Za-z])([a-df-z])(?![A-Za-z])")


def _variable(body: str, hint: str | None) -> str | None:
    letters = set(_LETTER.findall(body))
    if hint is not None and (not letters or letters == {hint}):
        return hint
    return next(iter(letters)) if len(letters) == 1 else None


def rewrite(claim: str, defined: set) -> tuple[str, str | None]:
    """The claim with each side ``(E)'`` written ``\\frac{d}{dv}(E)``, and the definition
    ``f(v) = E`` its first step makes (None when the claim does not start ``f'(v) = (E)'``
    with f undefined)."""
    sides = [text for text, _ in split_relation(claim)]
    if len(sides) < 2 or not any(_GROUP_PRIME.match(s) for s in sides):
        return claim, None
    call = _PRIMED_CALL.match(sides[0])
    hint = call.group(2) if call else None
    out = []
    for side in sides:
        m = _GROUP_PRIME.match(side)
        v = _variable(m.group(1), hint) if m else None
        out.append(rf" \frac{{d}}{{d{v}}} \left({m.group(1)}\right) " if m and v else side)
    definition = None
    first = _GROUP_PRIME.match(sides[1])
    if call and first and call.group(1).lstrip("\\") not in defined \
            and call.group(1) not in (r"\sigma", r"\tanh", r"\exp", r"\ln", r"\log"):
        definition = f"{call.group(1)}({call.group(2)}) = {first.group(1).strip()}"
    return "=".join(out), definition
