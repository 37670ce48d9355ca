"""Weight-initialization schemes of generated modules, declared once as data.

Each scheme is a distribution and its scale as a SymPy expression in the fan-in
``n_in`` and fan-out ``n_out`` (printed into the module like every formula).
``draw`` is the NumPy generator call for the distribution with scale ``s``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

n_in = sp.Symbol("n_in", integer=True, positive=True)
n_out = sp.Symbol("n_out", integer=True, positive=True)


@dataclass(frozen=True)
class Scheme:
    name: str
    scale: sp.Expr
    draw: str  # NumPy call drawing a sample of scale s
    bias_draw: str  # how biases start
    citation: str
    doc: str


#: other names people use for the same schemes
ALIASES = {"glorot": "xavier", "kaiming": "he"}

DRAWS = {"uniform": "rng.uniform(-s, s, shape)", "normal": "rng.normal(0.0, s, shape)",
         "zeros": "np.zeros(shape)"}

SCHEMES = [
    Scheme("uniform", sp.Rational(1, 2), DRAWS["uniform"], DRAWS["uniform"],
           "course code: weights and biases uniform in (−0.5, 0.5)",
           "uniform(−s, s) with s = 1/2 for weights and biases"),
    Scheme("xavier", sp.sqrt(6 / (n_in + n_out)), DRAWS["uniform"], DRAWS["zeros"],
           "Glorot & Bengio (2010): uniform(−s, s), s = √(6/(n_in + n_out))",
           "Xavier/Glorot uniform weights, zero biases"),
    Scheme("he", sp.sqrt(2 / n_in), DRAWS["normal"], DRAWS["zeros"],
           "He et al. (2015): normal with standard deviation √(2/n_in)",
           "He normal weights, zero biases"),
]
