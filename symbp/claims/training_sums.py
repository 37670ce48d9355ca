"""Nielsen's sums over training inputs: ``C = -\\frac{1}{n}\\sum_x [y \\ln a + …]``.

In *Neural Networks and Deep Learning* (eq. 57, 61) ``\\sum_x`` runs over the n training
inputs x, and inside it x, its components x_j, its label y, and everything computed from
them (z = Σ_j w_j x_j + b, a = σ(z)) belong to that input.  Read literally, x would be a
summation index unrelated to x_j, and a true formula such as ∂C/∂w_j = 1/n Σ_x x_j(σ(z) − y)
would be judged against the wrong thing.  :func:`per_example` rewrites the claim and its
definitions so that each such quantity carries an example index s = 1..n:
``x_j → x_{s,j}``, ``y → y_s``, ``z → z_s``, ``a → a_s``, ``\\sum_x → \\sum_{s=1}^{n}``.
"""

from __future__ import annotations

import re

from .scanner import term_end

SUM_X = re.compile(r"\\sum\s*_\s*(?:\{\s*x\s*\}|x)(?![A-Za-z])")
_NAME = r"(?<![\\A-Za-z])({names})(?![A-Za-z])(\s*_\s*(?:\{{[^{{}}]*\}}|[A-Za-z0-9]))?"
NOTE = ("\\sum_x read as Nielsen's sum over the n training inputs x: x, x_j, y and what is "
        "computed from them (z, a) belong to each input")


def _index(text: str, names: set[str]) -> str:
    """Give every per-example name in ``text`` the example index s."""
    pattern = re.compile(_NAME.format(names="|".join(sorted(names, key=len, reverse=True))))

    def sub(m):
        name, script = m.group(1), m.group(2)
        if script:
            inner = script.split("_", 1)[1].strip().strip("{}").strip()
            return f"{name}_{{s,{inner}}}"
        return f"{name}_s"

    return pattern.sub(sub, text)


def _rewrite_sums(text: str, names: set[str]) -> str:
    out, pos = [], 0
    for m in SUM_X.finditer(text):
        if m.start() < pos:
            continue
        end = term_end(text, m.end(), stops="+-=")
        out.append(text[pos:m.start()])
        out.append(r"\sum_{s=1}^{n} " + _index(text[m.end():end], names))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def per_example(claim: str, defines: list[str]):
    """(claim, defines) rewritten as above, or None when no ``\\sum_x`` is written."""
    if not any(SUM_X.search(t) for t in [claim, *defines]):
        return None
    names = {"x", "y"}
    heads = {}
    for d in defines:
        m = re.match(r"\s*([A-Za-z])\s*=(.*)$", d, re.DOTALL)
        if m and not SUM_X.search(d):
            heads[m.group(1)] = m.group(2)
    changed = True
    while changed:
        changed = False
        for h, rhs in heads.items():
            if h not in names and re.search(_NAME.format(names="|".join(names)), rhs):
                names.add(h)
                changed = True
    new_defines = []
    for d in defines:
        m = re.match(r"\s*([A-Za-z])\s*=(.*)$", d, re.DOTALL)
        if m and m.group(1) in names and not SUM_X.search(d):
            new_defines.append(f"{m.group(1)}_s = {_index(m.group(2), names)}")
        else:
            new_defines.append(_rewrite_sums(d, names))
    return _rewrite_sums(claim, names), new_defines
