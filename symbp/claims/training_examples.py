"""Andrew Ng's machine-learning notation: the i-th training example as a superscript.

CS229 and the Coursera course write x^{(i)} for the i-th input (a vector of n features),
x^{(i)}_j for its j-th feature, y^{(i)} for its label, θ for the parameters and
h_θ(x) = θᵀx (or g(θᵀx)) for the hypothesis, so that

    J(θ) = \\frac{1}{2m} \\sum_{i=1}^{m} (h_θ(x^{(i)}) − y^{(i)})²,
    ∂J/∂θ_j = \\frac{1}{m} \\sum_i (h_θ(x^{(i)}) − y^{(i)}) x^{(i)}_j.

A superscript (i) would otherwise be a power, and h_θ(…) a product.  When a definition of
h_θ is given, the claim and its definitions are restated in indexed families: x^{(i)}_j is
x_{ij}, y^{(i)} is y_i, h_θ(x^{(i)}) is the hypothesis with θᵀx^{(i)} written
Σ_{q=1}^{n} θ_q x_{iq}, and J(θ) is J.
"""

from __future__ import annotations

import re

_HYPOTHESIS = re.compile(r"\s*h\s*_\s*(?:\{\s*\\theta\s*\}|\\theta)\s*\(\s*([a-z])\s*\)\s*=\s*(.+?)\s*$",
                         re.S)
_CALL = re.compile(r"h\s*_\s*(?:\{\s*\\theta\s*\}|\\theta)\s*\(\s*([a-z])\s*\^\s*\{\s*\(\s*([a-z])"
                   r"\s*\)\s*\}\s*\)")
_THETA = r"(?:\\theta|\\boldsymbol\s*\{\s*\\theta\s*\}|\\mathbf\s*\{\s*\\theta\s*\})"
_TRANSPOSE = r"\^\s*(?:T|\{\s*T\s*\}|\\top|\{\s*\\top\s*\})"
NOTE = ("Ng's notation: x^{(i)}_j read as feature j of training example i (x_{ij}), "
        "y^{(i)} as y_i, h_θ(x^{(i)}) with θᵀx^{(i)} = Σ_q θ_q x_{iq}")


def rewrite(claim: str, defines: list) -> tuple[str, list] | None:
    """The claim and definitions in indexed families, or None when no h_θ is defined."""
    hypothesis = next((m for m in map(_HYPOTHESIS.fullmatch, defines) if m), None)
    if hypothesis is None:
        return None
    x, body = hypothesis.group(1), hypothesis.group(2)
    inner = re.compile(rf"{_THETA}\s*{_TRANSPOSE}\s*{x}(?![A-Za-z_^])|"
                       rf"(?<![A-Za-z\\]){x}\s*{_TRANSPOSE}\s*{_THETA}")
    if not inner.search(body):
        return None
    used = set(re.findall(r"[a-z]", claim + " ".join(defines)))
    q = next((c for c in "qpruvk" if c not in used), None)
    if q is None:
        return None

    def call(m):
        example = m.group(2)
        product = rf"\left(\sum_{{{q}=1}}^{{n}} \theta_{{{q}}} {x}_{{{example}{q}}}\right)"
        inlined = inner.sub(lambda _: product, body)
        if re.search(rf"(?<![A-Za-z\\]){x}(?![A-Za-z_{{])", inner.sub("", body)):
            return m.group(0)  # x used otherwise in the body: not inlined
        return rf"\left({inlined}\right)"

    def restate(text: str) -> str:
        text = _CALL.sub(call, text)
        text = re.sub(r"(?<![A-Za-z\\])([a-z])\s*_\s*(?:\{\s*([a-z])\s*\}|([a-z]))\s*\^\s*"
                      r"\{\s*\(\s*([a-z])\s*\)\s*\}", lambda m: f"{m.group(1)}_{{{m.group(4)}"
                      f"{m.group(2) or m.group(3)}}}", text)  # x_j^{(i)} → x_{ij}
        text = re.sub(r"(?<![A-Za-z\\])([a-z])\s*\^\s*\{\s*\(\s*([a-z])\s*\)\s*\}\s*_\s*"
                      r"(?:\{\s*([a-z])\s*\}|([a-z]))", lambda m: f"{m.group(1)}_{{{m.group(2)}"
                      f"{m.group(3) or m.group(4)}}}", text)  # x^{(i)}_j → x_{ij}
        text = re.sub(r"(?<![A-Za-z\\])([a-z])\s*\^\s*\{\s*\(\s*([a-z])\s*\)\s*\}",
                      r"\1_{\2}", text)  # y^{(i)} → y_i
        return re.sub(rf"(?<![A-Za-z\\])(J|\\ell|l)\s*\(\s*{_THETA}\s*\)", r"\1", text)

    others = [restate(d) for d in defines if d is not hypothesis.string]
    out = restate(claim)
    if re.search(r"h\s*_\s*(?:\{\s*\\theta|\\theta)", out + " ".join(others)):
        return None  # a call not in the form h_θ(x^{(i)}): left to the reader to refuse
    return out, others


_EXAMPLE_SUPERSCRIPT = re.compile(r"\^\s*\{\s*\(\s*([a-km-z])\s*\)\s*\}")


def one_example(claim: str, defines: list) -> tuple[str, list, str] | None:
    """d2l's l^{(i)} = ½(wᵀx^{(i)} + b − y^{(i)})²: a superscript (i) that no sum runs over
    names the one example every quantity belongs to; it is dropped (l, x, y of that
    example).  None when there is none, or when a sum runs over its letter (then the
    quantities of different examples meet, and :func:`rewrite` must read them)."""
    texts = [claim, *defines]
    letters = {m.group(1) for t in texts for m in _EXAMPLE_SUPERSCRIPT.finditer(t)}
    summed = {m.group(1) for t in texts
              for m in re.finditer(r"\\(?:sum|prod)\s*_\s*\{?\s*([a-z])", t)}
    if len(letters) != 1 or letters & summed:
        return None
    (i,) = letters
    joined = " ".join(texts)
    if re.search(rf"\^\s*\{{\s*\(\s*{i}\s*[+-]", joined) or re.search(
            rf"(?:[A-Z]|\\mathbf\s*\{{\s*[A-Z]\s*\}}|\\boldsymbol\s*\{{\s*[A-Z]\s*\}})"
            rf"\s*\^\s*\{{\s*\(\s*{i}\s*\)", joined):
        return None  # h^{(k-1)}, W^{(k)}: GBC's layers, not an example

    def drop(text: str) -> str:
        return _EXAMPLE_SUPERSCRIPT.sub(lambda m: "" if m.group(1) == i else m.group(0), text)

    return drop(claim), [drop(d) for d in defines], (
        f"the superscript ({i}) names one training example, the same for every quantity: "
        "read without it")
