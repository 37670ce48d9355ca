"""vec(X): the columns of X stacked into one column (Matrix Cookbook §10.2.2).

SymPy has the Kronecker product (``KroneckerProduct``) but no vec operator; this is the
small matrix expression the reader builds for ``\\mathrm{vec}(X)``.  Entry i of vec(X),
for X with r rows, is X[i mod r, i div r] (column-major order), which is all the
explicit witnesses need once the sizes are numbers.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr


class Vec(MatrixExpr):
    """vec(X) for a matrix expression X of shape r × c: an rc × 1 column."""

    def __new__(cls, arg):
        return super().__new__(cls, sp.sympify(arg))

    @property
    def arg(self):
        return self.args[0]

    @property
    def shape(self):
        rows, cols = self.arg.shape
        return (rows * cols, sp.Integer(1))

    def _entry(self, i, j, **kwargs):
        rows = self.arg.shape[0]
        return self.arg[i % rows, i // rows]

    def doit(self, **hints):
        arg = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        if isinstance(arg, sp.MatrixBase):
            return sp.ImmutableMatrix([arg[i, j] for j in range(arg.cols)
                                       for i in range(arg.rows)])
        return Vec(arg)

    def _sympystr(self, printer):
        return f"vec({printer._print(self.arg)})"
