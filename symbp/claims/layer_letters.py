"""Index letters that name layers, as in Mitchell's and Zhou Zhihua's (西瓜书) notation.

Course notes often write one letter per layer: inputs ``x_i``, hidden units ``net_j``,
``o_j``, output units ``net_k``, ``o_k``, weights ``w_{ji}`` and ``w_{kj}``.  There ``o_j`` and
``o_k`` are *different* quantities (a hidden and an output activation), not two entries of one
family ``o`` — read as one family, ``o_k``'s definition would replace ``o_j``'s and ∂E/∂w_{kj}
would come out wrong.

The convention is recognised when the document defines one family under two index letters
in ways that are not the same definition with the letter renamed (``net_j = Σ_i w_{ji} x_i +
b_j`` vs ``net_k = Σ_j w_{kj} o_j + b_k``).  Softmax notes define ``a_j`` and ``a_k`` alike
(the same formula with j ↔ k) and keep one family.  Each family seen with several subscript
patterns is then renamed per pattern: ``o_k`` → ``\\mathrm{oK}_{k}``, ``w_{kj}`` →
``\\mathrm{wKJ}_{kj}`` (one name per layer), consistently in every chain and definition.
"""

from __future__ import annotations

import re

from ..notation.latex_in import GREEK

#: a name with a subscript of one or two index letters: o_k, net_k, w_{kj}, \delta_k
SUBSCRIPTED = re.compile(r"(?<![A-Za-z\\])(\\?[A-Za-z]+)\s*_\s*(?:\{\s*([a-z])\s*([a-z])?\s*\}"
                         r"|([a-z]))(?![A-Za-z])")


def _parts(m: re.Match) -> tuple[str, str]:
    name = m.group(1)
    letters = (m.group(2) or "") + (m.group(3) or "") + (m.group(4) or "")
    return name, letters


def _is_name(name: str) -> bool:
    return not name.startswith("\\") or name[1:] in GREEK


def _renamed(definition: str, old: str, new: str) -> str:
    return re.sub(rf"(?<![A-Za-z\\]){old}(?![A-Za-z])", new, definition)


def chained_weights(texts) -> bool:
    """Weights written layer to layer: one two-index family seen as w_{ji} and w_{kj} (the
    second letter of one pattern is the first of the other)."""
    for ps in patterns(texts).values():
        pairs = [p for p in ps if len(p) == 2 and p[0] != p[1]]
        if any(a[1] == b[0] and a[0] != b[1] for a in pairs for b in pairs):
            return True
    return False


def layer_families(definitions: dict[str, str]) -> bool:
    """Whether the document's definitions (name → right side) name layers by index letter:
    one family defined under two letters by formulas that differ beyond the letter.
    (Used together with :func:`chained_weights`: a softmax note may define a_k twice.)"""
    by_family: dict[str, dict[str, str]] = {}
    for name, rhs in definitions.items():
        m = SUBSCRIPTED.fullmatch(name.strip())
        if not m:
            continue
        family, letters = _parts(m)
        if len(letters) == 1 and _is_name(family):
            by_family.setdefault(family, {})[letters] = re.sub(r"\s+", "", rhs)
    for forms in by_family.values():
        letters = sorted(forms)
        for a in letters:
            for b in letters:
                if a < b and _renamed(forms[a], a, b) != forms[b]:
                    return True
    return False


def defined_through_itself(definitions: dict[str, str]) -> bool:
    """Whether a family is defined, through the definitions, by itself under another letter:
    Bishop's a_k = Σ_j w_{kj} z_j with z_j = h(a_j) (PRML 5.48–5.49).  Read as one family,
    a would be defined circularly; the letters name layers (a_j hidden, a_k output)."""
    forms: dict[str, list[tuple[str, str]]] = {}
    for name, rhs in definitions.items():
        m = SUBSCRIPTED.fullmatch(name.strip())
        if m:
            family, letters = _parts(m)
            if len(letters) == 1 and _is_name(family):
                forms.setdefault(family, []).append((letters, rhs))
    for family, defs in forms.items():
        for letter, rhs in defs:
            seen, todo = set(), [rhs]
            while todo:
                for m in SUBSCRIPTED.finditer(todo.pop()):
                    other, letters = _parts(m)
                    if other == family and len(letters) == 1 and letters != letter:
                        return True
                    if other in forms and other not in seen:
                        seen.add(other)
                        todo.extend(r for _, r in forms[other])
    return False


def patterns(texts) -> dict[str, set[str]]:
    """Family → the subscript letter patterns it is written with across ``texts``."""
    out: dict[str, set[str]] = {}
    for text in texts:
        for m in SUBSCRIPTED.finditer(text):
            name, letters = _parts(m)
            if _is_name(name):
                out.setdefault(name, set()).add(letters)
    return out


def renamer(texts):
    """A function that renames, in one text, every family written with several subscript
    patterns in ``texts`` to one name per pattern (``o_k`` → ``\\mathrm{oK}_{k}``)."""
    several = {name for name, ps in patterns(texts).items() if len(ps) > 1}

    def rename(text: str) -> str:
        def one(m: re.Match) -> str:
            name, letters = _parts(m)
            if name not in several:
                return m.group(0)
            return r"\mathrm{%s%s}_{%s}" % (name.lstrip("\\"), letters.upper(), letters)
        return SUBSCRIPTED.sub(one, text)
    return rename
