"""Symbols shared by the catalog, named as in the course notes (Nielsen, ch. 2–3)."""

import sympy as sp

from symbp.core.expr import index, layered, size

n = size("n")  # number of output units
j, k = index("j"), index("k")
z = sp.IndexedBase("z", real=True)  # weighted inputs of one layer
a = sp.IndexedBase("a", real=True)  # activations of that layer
y = sp.IndexedBase("y", real=True)  # targets
C = sp.Symbol("C", real=True)  # the cost of one training example

# layered families: the first index is the layer (w^l_{jk}, a^l_j, …)
w = layered("w")
b = layered("b")
zl = layered("z")
al = layered("a")
delta = layered("delta")
