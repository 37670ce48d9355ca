"""Layers numbered in plain superscripts: ``a^2_j``, ``\\mathbf{W}^1``, ``w^2_{kj}``, ``z_1^2``.

A note that works a small network out by hand numbers its layers 0, 1, 2 and writes the
number where Nielsen writes l: a^2_j is the j-th activation of layer 2, not a_j squared.
A family of the network (a, z, b, W, w, δ) is read that way in a document when it is
written with two or more different numbers, on entries (a^2_j) or vectors and matrices
(\\mathbf{a}^1, W^2), where a power would be odd.  Those superscripts become Ng's
``^{(2)}``, which the reader takes as the layer numbered 2 (a name of its own).  A bare
``b^2`` of such a family is the layer too, unless it follows a sum over the family
(``\\sum_w w^2``, the L2 penalty), which squares.
"""

from __future__ import annotations

import re

OCCURRENCE = re.compile(
    r"(?P<head>(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*)?(?<![A-Za-z\\])(?P<fam>\\delta|[azbWw])"
    r"(?:\s*\})?)(?P<pre>\s*_\s*(?:\{[^{}]*\}|\w))?"
    r"\s*\^\s*(?P<num>\{\s*\d\s*\}|\d)(?![\d.])(?P<post>\s*_\s*(?:\{[^{}]*\}|\w))?")


def _family(m: re.Match) -> str:
    return m.group("fam").lstrip("\\")


def _number(m: re.Match) -> str:
    return m.group("num").strip("{} ")


def _shaped(m: re.Match) -> bool:
    """An entry, a bold vector or a capital matrix: a power of it would be odd."""
    return bool(m.group("pre") or m.group("post") or "\\" in m.group("head").replace(
        "\\delta", "") or m.group("fam") == "W")


def numbered_families(texts: list[str]) -> dict[str, set[str]]:
    """family → the layer numbers it is written with, for families read as numbered."""
    seen: dict[str, set[str]] = {}
    for text in texts:
        for m in OCCURRENCE.finditer(text):
            if _shaped(m):
                seen.setdefault(_family(m), set()).add(_number(m))
    return {f: nums for f, nums in seen.items() if len(nums) >= 2}


def rewrite(text: str, families: dict[str, set[str]]) -> str:
    """``text`` with the numbered families' layer superscripts written ``^{(k)}``."""
    def layer(m: re.Match) -> str:
        fam, num = _family(m), _number(m)
        if fam not in families or num not in families[fam]:
            return m.group(0)
        before = text[:m.start()]
        if not _shaped(m) and re.search(r"\\sum\s*_\s*\{?\s*\\?" + re.escape(fam) + r"\s*\}?\s*$",
                                        before):
            return m.group(0)  # \sum_w w^2: a square
        return (m.group("head") + (m.group("pre") or "") + "^{(%s)}" % num
                + (m.group("post") or ""))

    return OCCURRENCE.sub(layer, text)


NUMBERED_MENTION = re.compile(r"(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*)?(?<![A-Za-z\\])(\\delta|[azbWw])"
                              r"\s*\}?\s*(?:_\s*(?:\{[^{}]*\}|\w)\s*)?\^\s*\{\s*\(\s*(\d+)\s*\)\s*\}")
GENERIC_LAYER = re.compile(r"\^\s*(?:\{\s*l\s*(?:([+-])\s*(\d+))?\s*\}|l(?![A-Za-z]))")


def mentioned(texts: list[str]) -> set[tuple[str, int]]:
    """(family, layer number) of every a^{(2)}, δ^{(1)}_j … in the texts."""
    return {(m.group(1).lstrip("\\"), int(m.group(2))) for t in texts
            for m in NUMBERED_MENTION.finditer(t)}


def instance(definition: str, family: str, layer: int) -> str | None:
    """A definition written for a generic layer l (δ^l_j = ∂C/∂z^l_j), stated for the layer
    numbered ``layer`` (δ^{(2)}_j = ∂C/∂z^{(2)}_j); None when it is not a generic-layer
    definition of ``family`` or a layer number would be negative."""
    lhs = definition.split("=", 1)[0]
    head = re.match(r"\s*(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*)?\\?([A-Za-z]+)", lhs)
    own = GENERIC_LAYER.search(lhs)
    if not head or head.group(1) != family or not own:
        return None
    base = layer - (int(own.group(1) + own.group(2)) if own.group(1) else 0)

    def number(m: re.Match) -> str:
        k = base + (int(m.group(1) + m.group(2)) if m.group(1) else 0)
        if k < 0:
            raise ValueError(k)
        return "^{(%d)}" % k

    try:
        return GENERIC_LAYER.sub(number, definition)
    except ValueError:
        return None
