"""Where every formula of a generated module comes from: verified derivations.

Each function returns :class:`Formula` objects — an expression plus the
citation of the derivation step that proves it.  Nothing here states math:
expressions are read from the goals of derivations that have been verified
(``symbp.derive`` for catalog entries, the activation/loss derivation APIs for
registry and user activations), or from the registry's definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ..errors import DerivationError, InputError, SymbpError
from ..nn.activations import Activation
from ..notation.text_out import text


@dataclass(frozen=True)
class Formula:
    expr: sp.Expr
    citation: str  # "<derivation>, step N: <equation>"


def _step_number(derivation, tag: str) -> int:
    """1-based number of the last step of the part tagged ``tag``."""
    count = 0
    for part in derivation.parts:
        count += len(part.steps)
        if tag in (part.tag, part.title):
            return count
    raise DerivationError(f"derivation '{derivation.name}' has no part '{tag}'")


def _equation(lhs, rhs) -> str:
    try:
        return f"{text(lhs)} = {text(rhs)}"
    except Exception:  # noqa: BLE001 printing must never stop code generation
        return f"{lhs} = {rhs}"


def part_formula(derivation, tag: str) -> Formula:
    """The goal of part ``tag`` of an (already verified) derivation."""
    for part in derivation.parts:
        if tag in (part.tag, part.title):
            n = _step_number(derivation, tag)
            return Formula(part.goal_rhs, f"{derivation.name}, step {n}: "
                                          f"{_equation(part.goal_lhs, part.goal_rhs)}")
    raise DerivationError(f"derivation '{derivation.name}' has no part '{tag}'")


def catalog_formula(name: str, tag: str) -> tuple[Formula, object]:
    """Part ``tag`` of catalog entry ``name``, which must verify; also its lhs."""
    from ..api import derive

    v = derive(name)
    if not v.verified:
        bad = ", ".join(str(r.index) for r in v.failures)
        raise DerivationError(f"derivation '{name}' does not verify (step(s) {bad}); "
                              "refusing to generate code from it",
                              hint=f"run `symbp derive {name}` to see the failing step")
    lhs = v.part_result(tag)[0]
    return part_formula(v.derivation, tag), lhs


def catalog_definition(name: str, label: str) -> Formula:
    """The definition named ``label`` in catalog entry ``name`` (verified entry)."""
    from ..api import derive

    v = derive(name)
    for d in v.derivation.definitions:
        if d.name == label:
            return Formula(d.rhs, f"{name}, definition: {_equation(d.lhs, d.rhs)}")
    raise DerivationError(f"derivation '{name}' has no definition '{label}'")


def activation_forward(act: Activation) -> Formula:
    """a = f(z): the registry's (or the user's) definition of the activation."""
    return Formula(act.expr, f"definition of {act.name}: {_equation(act.applied, act.expr)}")


@lru_cache(maxsize=128)
def activation_derivative(act: Activation) -> tuple[Formula, bool]:
    """f′ from the verified derivation: in the output a when possible (True), else in z."""
    d, ga = _verified_activation(act)
    if ga is not None:
        return part_formula(d, "in_terms_of_output"), True
    return part_formula(d, "derivative"), False


def activation_derivative_in_z(act: Activation) -> Formula:
    """f′(z) from the verified derivation (when the form in a cannot be printed)."""
    return part_formula(_verified_activation(act)[0], "derivative")


def _verified_activation(act: Activation):
    from derivations.activations import activation_derivation, activation_derivative_result

    try:
        _, ga = activation_derivative_result(act)
        return activation_derivation(act), ga
    except SymbpError:
        raise
    except Exception as exc:  # noqa: BLE001 SymPy failing on a user's function
        raise InputError(f"could not derive the derivative of activation '{act.name}' = "
                         f"{act.expr}: {type(exc).__name__}: {exc}",
                         hint="use a function that is differentiable for every real z "
                              "(its derivative must be an ordinary function)") from None


@lru_cache(maxsize=128)
def output_delta(output, loss: str) -> Formula:
    """δ_j of the output layer from the verified output-delta derivation."""
    from derivations.losses import output_delta_derivation, output_delta_result

    expr = output_delta_result(output, loss)  # verified; UsageError for an invalid pair
    cited = part_formula(output_delta_derivation(output, loss), "delta")
    return Formula(expr, cited.citation)
