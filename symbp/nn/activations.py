"""The activation functions, each one SymPy expression in ``z``, declared once.

Derivatives are *not* stored: the catalog derives them from ``expr`` (see
``derivations/activations.py``), and so do the code generator and reports.
Adding an activation is one ``ACTIVATIONS.add(...)`` line.

``func`` is an undefined SymPy function used for readable printing
(``σ(z)``, ``σ'(z)``); the definition ``func(z) := expr`` links the two.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .registry import Registry

z = sp.Symbol("z", real=True)

sigma = sp.Function("sigma", real=True)
tanh_f = sp.Function("tanh", real=True)  # printed tanh; defined as sp.tanh
f_scaled = sp.Function("f", real=True)
relu_f = sp.Function("ReLU", real=True)
softplus_f = sp.Function("softplus", real=True)
identity_f = sp.Function("g", real=True)


@dataclass(frozen=True)
class Activation:
    """An elementwise activation a = f(z).

    ``domain``: where numeric witnesses and property tests sample z.
    ``smooth``: False where f′ has a kink (ReLU at 0; checks avoid it).
    """

    name: str
    expr: sp.Expr
    func: type
    description: str
    domain: tuple[float, float] = (-4.0, 4.0)
    smooth: bool = True
    source: str = ""

    @property
    def applied(self) -> sp.Expr:
        """``f(z)`` as printed in derivations, e.g. σ(z)."""
        return self.func(z)

    def definition(self):
        """``f(z) := expr`` for a derivation's context."""
        return (self.func(z), self.expr)


ACTIVATIONS: Registry[Activation] = Registry("activation")

ACTIVATIONS.add(Activation("sigmoid", 1 / (1 + sp.exp(-z)), sigma,
                           "logistic sigmoid σ(z) = 1/(1+e^{−z})"))
ACTIVATIONS.add(Activation("tanh", sp.tanh(z), tanh_f, "hyperbolic tangent"))
ACTIVATIONS.add(Activation("tanh_scaled", sp.Rational(17159, 10000) * sp.tanh(2 * z / 3),
                           f_scaled, "scaled tanh 1.7159·tanh(2z/3) (LeCun; the course's tanh_opt)"))
ACTIVATIONS.add(Activation("relu", sp.Max(0, z), relu_f, "rectified linear unit max(0, z)",
                           smooth=False))
ACTIVATIONS.add(Activation("softplus", sp.log(1 + sp.exp(z)), softplus_f,
                           "softplus ln(1 + e^z)"))
ACTIVATIONS.add(Activation("linear", z, identity_f, "identity (linear output)"))


def custom(name: str, expr: sp.Expr) -> Activation:
    """A user's own activation, e.g. ``custom("softsign", z/(1+Abs(z)))``."""
    return Activation(name, expr, sp.Function(name, real=True), f"user-defined: {expr}")
