"""Which of a document's definitions restate the backprop network.

A course note defines, in its own words, the network that ``--context backprop`` already
knows (Nielsen ch. 2, eqs. (23)–(29)):

* ``z^{l} = W^{l} a^{l-1} + b^{l}`` (at any layer label: ``z^{l+1} = W^{l+1} a^{l} + b^{l+1}``),
* ``a^{l} = σ(z^{l})`` (or entrywise ``a^l_j = σ(z^l_j)``),
* ``δ^{l} = ∂J/∂z^{l}`` for its cost J,
* ``σ(z) = 1/(1 + e^{-z})``.

Given as ``--define`` they pin each quantity to the one layer written (z^{L}, z^{l+1}), so a
claim about another layer (∂J/∂W^{l} = δ^{l}(a^{l-1})ᵀ) loses them.  Read instead in the
backprop context, the claim is about every layer at once; and a claim true there for a
generic cost C is true for the note's cost J as well (J is one such C).
"""

from __future__ import annotations

import re

_WRAP = re.compile(r"\\(?:mathbf|boldsymbol|bm|vec)\s*\{([^{}]*)\}")
_LAYER = re.compile(r"\^\s*\{?\s*\(?\s*([lL])\s*(?:([+-])\s*(\d+))?\s*\)?\s*\}?")
_SPACING = re.compile(r"\\(?:left|right|,|;|!|quad)|\s+")

#: the network's definitions with layer offsets written as ^{<k>} (k relative to the
#: first label of the definition) and entry subscripts removed
_FORMS = (
    "z^{<0>}=W^{<0>}a^{<-1>}+b^{<0>}",
    "a^{<0>}=\\sigma(z^{<0>})",
    "\\delta^{<0>}=\\frac{\\partialJ}{\\partialz^{<0>}}",
    "\\sigma(z)=\\frac{1}{1+e^{-z}}",
)


def _canonical(text: str) -> str | None:
    """The definition with wrappers, spacing, cost arguments and entry subscripts removed
    and its layer labels made relative to the first one; None when labels mix l and L."""
    t = _WRAP.sub(r"\1", text)
    t = _WRAP.sub(r"\1", t)
    t = _SPACING.sub("", t)
    t = re.sub(r"J\([^()]*\)", "J", t)  # J(\mathbf{W}, \mathbf{b}, \mathbf{x}, \mathbf{y})
    t = re.sub(r"_\{?[a-z]\}?", "", t)  # a^l_j = σ(z^l_j): the entrywise form
    labels = [(m.group(1), int((m.group(2) or "+") + (m.group(3) or "0")))
              for m in _LAYER.finditer(t)]
    if len({letter for letter, _ in labels}) > 1:
        return None
    first = labels[0][1] if labels else 0
    return _LAYER.sub(lambda m: "^{<%d>}" % (int((m.group(2) or "+") + (m.group(3) or "0"))
                                              - first), t)


def restates_network(definition: str) -> bool:
    """Whether a definition is one of the backprop network's own (see module docstring)."""
    return _canonical(definition) in _FORMS


_COST = re.compile(r"\s*[CJLE]\s*(?:\([^()=]*\))?\s*=")


def is_cost(definition: str) -> bool:
    """C = …, J(\\mathbf{W}, \\mathbf{b}, …) = …: the definition of a cost."""
    return bool(_COST.match(definition))
