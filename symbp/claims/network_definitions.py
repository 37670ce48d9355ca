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
from dataclasses import dataclass

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
    "\\sigma(z)=\\frac{1}{1+\\exp(-z)}",
)


def _canonical(text: str) -> str | None:
    """The definition with wrappers, spacing, cost arguments and entry subscripts removed
    and its layer labels made relative to the first one; None when labels mix l and L."""
    t = _WRAP.sub(r"\1", text)
    t = _WRAP.sub(r"\1", t)
    t = _SPACING.sub("", t)
    t = re.sub(r"\^([lL])", r"^{\1}", t)  # z^l as z^{l}: the label's braces are its own
    t = re.sub(r"J\([^()]*\)", "J", t)  # J(\mathbf{W}, \mathbf{b}, \mathbf{x}, \mathbf{y})
    t = re.sub(r"\\partial[CE](?![A-Za-z])", r"\\partialJ", t)  # δ^l = ∂C/∂z^l: any cost letter
    t = re.sub(r"_(?:\{[a-z]\}|[a-z])", "", t)  # a^l_j = σ(z^l_j): the entrywise form
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


#: an activation letter defined as the sigmoid (UFLDL's f(z) = 1/(1 + exp(−z)))
_SIGMOID_DEFINITION = re.compile(
    r"\s*([a-zA-Z])\s*\(\s*([a-z])\s*\)\s*=\s*\\frac\s*\{\s*1\s*\}\s*\{\s*1\s*\+\s*"
    r"(?:e\s*\^\s*\{\s*-\s*\2\s*\}|\\exp\s*\(\s*-\s*\2\s*\))\s*\}\s*")
#: UFLDL's numbering: W^{(l)} maps layer l to layer l+1 (z^{(l+1)} = W^{(l)} a^{(l)} + b^{(l)})
_SHIFTED_FORM = "z^{<0>}=W^{<-1>}a^{<-1>}+b^{<-1>}"
_PARAMETER_LAYER = re.compile(r"((?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*)?(?<![A-Za-z\\])[Wb]\s*\}?)"
                              r"\s*\^\s*\{?\s*\(?\s*([lL])\s*(?:([+-])\s*(\d+))?\s*\)?\s*\}?")
_GENERIC_COST = re.compile(r"(?<![A-Za-z\\{_^])([JE])(?![A-Za-z_])")


@dataclass
class NetworkReading:
    """A claim and its definitions restated for ``--context backprop``."""
    claim: str
    defines: list
    note: str
    false_holds: bool  # a FALSE there is FALSE for the written cost too


def as_backprop(claim: str, defines) -> NetworkReading | None:
    """When ``defines`` give the backprop network in a textbook's own letters (Nielsen's
    z^{l+1} = W^{l+1}a^l + b^{l+1}, or UFLDL's z^{(l+1)} = W^{(l)}a^{(l)} + b^{(l)} with
    f(z) = 1/(1 + exp(−z)), a^{(l)} = f(z^{(l)}), δ^{(l)} = ∂J/∂z^{(l)}) and a cost J of
    a^L, the claim restated in the backprop context: UFLDL's W^{(l)} is W^{l+1} there, f is
    σ and the cost is C.  A claim true there is true for every cost, so for J; a claim
    about generic layers only that does not name y or L is false there exactly when it is
    false for J (it depends on the cost only through δ, whose value at the output, a^L − y
    for the usual costs, takes every value as the target y varies)."""
    defines = list(defines)
    act = next((m for m in map(_SIGMOID_DEFINITION.fullmatch, defines)
                if m and m.group(1) not in ("e",)), None)
    f = act.group(1) if act and act.group(1) != "\\sigma" else None

    def as_sigma(t: str) -> str:
        return re.sub(rf"(?<![A-Za-z\\]){f}(?=\s*(?:'|\^\s*\{{?\s*(?:'|\\prime)|\())",
                      r"\\sigma", t) if f else t

    texts = [as_sigma(d) for d in defines]
    network, shifted, costs, rest = [], False, [], []
    for d, original in zip(texts, defines):
        form = _canonical(d)
        if act is not None and original is act.string:
            continue  # f(x) = 1/(1 + e^{−x}): what σ is in the network
        if form in _FORMS:
            network.append(d)
        elif form == _SHIFTED_FORM:
            network.append(d)
            shifted = True
        elif is_cost(d) and _GENERIC_COST.match(d.strip()):
            costs.append(d)
        else:
            rest.append(d)
    if not any(_LAYER.search(d) for d in network) or len(costs) > 1 \
            or any(_LAYER.search(d) for d in rest):
        return None  # σ(z) = 1/(1 + e^{-z}) alone is no network
    cost = _GENERIC_COST.match(costs[0].strip()).group(1) if costs else None
    text = as_sigma(claim)
    if shifted:
        text = _PARAMETER_LAYER.sub(lambda m: "%s^{%s%s}" % (
            m.group(1), m.group(2), _offset(int((m.group(3) or "+") + (m.group(4) or "0")) + 1)),
            text)
    if cost:
        text = _GENERIC_COST.sub("C", text)
    note = ("the definitions restate the backprop network"
            + (" in UFLDL's numbering (W^{(l)} read as W^{l+1})" if shifted else "")
            + (f", {f} the sigmoid σ" if f else "")
            + (f"; read for a generic cost C (true for every cost, so for {cost})"
               if cost else ""))
    generic = not re.search(r"(?<![A-Za-z\\])(?:y|L)(?![A-Za-z])|\^\s*\{?\s*\(?\s*L", claim)
    return NetworkReading(text, rest, note, false_holds=generic)


def _offset(k: int) -> str:
    return "" if k == 0 else f"+{k}" if k > 0 else str(k)
