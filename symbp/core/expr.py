"""Shared symbols and helpers for writing derivations in course notation.

* :func:`layered` makes an indexed family whose first index is the layer:
  ``w = layered("w")``; ``w[l, j, k]`` prints as ``w^{l}_{jk}``.
* :func:`fresh` makes a bound summation index that can never clash with a free
  one (a shared name silently breaks SymPy's softmax derivative).
"""

from __future__ import annotations

import sympy as sp

BOLD: set[str] = set()  # matrix/vector symbol names printed in bold in matrix form


class LayerLabel(sp.Symbol):
    """Label of a layered family: its first index is the layer (printed as a superscript).

    A distinct class, so the layered ``z`` (z^l_j) never equals the plain ``z`` (z_j).
    """


def is_layered(base) -> bool:
    return isinstance(getattr(base, "label", base), LayerLabel)

def layered(name: str, **assumptions) -> sp.IndexedBase:
    """``w = layered("w")``: ``w[l, j, k]`` is w^l_{jk}."""
    return sp.IndexedBase(LayerLabel(name, real=True, **assumptions))


def bold(symbol):
    BOLD.add(str(symbol.name if hasattr(symbol, "name") else symbol))
    return symbol


def index(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True)


def size(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, positive=True)


def fresh(name: str = "i") -> sp.Symbol:
    """A summation index distinct from every index written in the catalog."""
    return sp.Dummy(name, integer=True)
