"""The plan of a generated module: which verified formula becomes which function.

:func:`make_plan` turns an architecture (layers, hidden/output activation,
loss, layout) into :class:`Block` s — small functions such as ``_hidden(z)``
or ``_grad_W(A, Delta)`` — each a list of :class:`Line` s ``target = expr``
with the citation of the derivation step the line implements.  Every
expression comes from :mod:`symbp.codegen.sources`; the only transformations
here are *substitutions proved elsewhere* (the stable forms of
``derivations/stability.py``, applied where their left side occurs) and the
change of notation from one unit to a whole batch (z_j → the array ``z``,
Σ over units → :class:`~symbp.codegen.printer.UnitSum`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp

from ..errors import UsageError
from ..nn import losses as _losses
from ..nn.activations import Activation, tanh_f
from ..nn.activations import z as Z_SYMBOL
from . import sources
from .printer import TotalSum, UnitMax, UnitSum

SOFTMAX = "softmax"
A_SYMBOL = sp.Symbol("a", real=True)
Y_SYMBOL = sp.Symbol("y", real=True)
N_SYMBOL = sp.Symbol("N", integer=True, positive=True)
M_SYMBOL = sp.Symbol("m", real=True)
#: names in generated code of the unit-level symbols of the derivations
CODE_NAMES = {Z_SYMBOL: "z", A_SYMBOL: "a", Y_SYMBOL: "Y", _losses.y: "Y", _losses.a: "a",
              N_SYMBOL: "N", M_SYMBOL: "m"}
#: undefined printing functions whose definition is the NumPy primitive of that name
PRIMITIVES = {tanh_f: sp.tanh}
LAYOUTS = {"rows": {"unit_axis": 1, "batch_axis": 0, "rules": "dense_layer_rows"},
           "columns": {"unit_axis": 0, "batch_axis": 1, "rules": "dense_layer_columns"}}


@dataclass(frozen=True)
class Line:
    target: str
    expr: sp.Basic
    citation: str


@dataclass
class Block:
    """A generated function ``name(*params)`` returning its last line's target."""

    name: str
    params: tuple[str, ...]
    lines: list[Line]
    doc: str
    inplace: str | None = None  # a parameter that may be overwritten by the result
    into: bool = False  # takes ``out=None``: a preallocated array for the result


@dataclass
class Plan:
    layers: tuple[int, ...]
    hidden: Activation
    output: Activation | str
    loss: str
    layout: str
    dtype: str
    blocks: list[Block] = field(default_factory=list)
    init: list[Block] = field(default_factory=list)

    @property
    def unit_axis(self) -> int:
        return LAYOUTS[self.layout]["unit_axis"]

    @property
    def batch_axis(self) -> int:
        return LAYOUTS[self.layout]["batch_axis"]


# --- stable rewrites -----------------------------------------------------------
@lru_cache(maxsize=1)
def _elementwise_rewrites() -> list[tuple[sp.Basic, sp.Basic, str]]:
    """(pattern, replacement, citation) from the 'elementwise' stable forms."""
    from derivations.stability import STABLE_FORMS

    out = []
    for name, tag in STABLE_FORMS["elementwise"]:
        from ..api import derive

        formula, lhs = sources.catalog_formula(name, tag)
        defs = {d.lhs: d.rhs for d in derive(name).derivation.definitions}
        pattern_src = lhs.xreplace(defs)  # σ(z) → 1/(1 + e^{−z})
        w = sp.Wild("w")
        out.append((pattern_src.xreplace({Z_SYMBOL: w}),
                    formula.expr.xreplace({Z_SYMBOL: w}), formula.citation, w))
    return out


def stabilize(expr: sp.Basic) -> tuple[sp.Basic, list[str]]:
    """Apply every proved stable form whose left side occurs in ``expr``."""
    cites = []
    for pattern, replacement, citation, w in _elementwise_rewrites():
        new = expr.replace(pattern, replacement)
        if new != expr:
            cites.append(citation)
            expr = new
    for undefined, primitive in PRIMITIVES.items():
        expr = expr.replace(undefined, primitive)
    return expr, cites


def printable(expr) -> bool:
    """Whether the NumPy printer can print ``expr`` (NumPy has no erfinv, DiracDelta, …)."""
    from .printer import SymbpNumPyPrinter

    try:
        SymbpNumPyPrinter().doprint(expr)
    except Exception:  # noqa: BLE001 PrintMethodNotImplementedError and friends
        return False
    return True


def _cite(formula: sources.Formula, extra: list[str]) -> str:
    return "; ".join([formula.citation, *extra])


# --- from one unit to a whole batch ----------------------------------------------
def batch_form(expr: sp.Basic) -> sp.Basic:
    """z_j, y_j (Indexed) → the arrays z, y; Σ over units → UnitSum (vectorized rows)."""
    expr = expr.replace(lambda e: isinstance(e, sp.Sum), lambda e: UnitSum(e.function))
    names = {"z": Z_SYMBOL, "y": Y_SYMBOL, "a": A_SYMBOL}
    return expr.replace(lambda e: isinstance(e, sp.Indexed),
                        lambda e: names[str(e.base.label)])


def _total(per_sample: sp.Basic) -> sp.Basic:
    """Σ over the batch of a per-sample cost c·Σ_j g_j → c·TotalSum(g)."""
    coeff, rest = per_sample.as_coeff_Mul()
    if isinstance(rest, UnitSum):
        return coeff * TotalSum(rest.args[0])
    return TotalSum(per_sample)


def _shift_line() -> Line:
    from derivations.stability import SHIFT

    sym, _choice = SHIFT
    return Line(CODE_NAMES[sym], UnitMax(Z_SYMBOL),
                "softmax_shift, note: any m is exact; m = max over the units, so no exponent "
                "is positive")


# --- blocks -------------------------------------------------------------------------
def _forward_block(name: str, act: Activation | str) -> Block:
    if act == SOFTMAX:
        from derivations.stability import STABLE_FORMS

        f, _ = sources.catalog_formula(*STABLE_FORMS["softmax"])
        return Block(name, ("z",), [_shift_line(), Line("a", batch_form(f.expr), f.citation)],
                     "softmax a = e^{z−m}/Σ e^{z−m} (shift-invariant form)")
    f = sources.activation_forward(act)
    expr, extra = stabilize(f.expr)
    return Block(name, ("z",), [Line("a", expr, _cite(f, extra))], f"a = {act.name}(z)")


def _derivative_block(act: Activation) -> Block:
    f, in_a = sources.activation_derivative(act)
    expr, extra = stabilize(f.expr)
    if in_a and not printable(expr):  # e.g. erfinv in the form in a: use the form in z
        f, in_a = sources.activation_derivative_in_z(act), False
        expr, extra = stabilize(f.expr)
    return Block("_hidden_prime", ("z", "a"), [Line("fp", expr, _cite(f, extra))],
                 f"{act.name}′ at z (a = {act.name}(z))" +
                 (", written in the output a" if in_a else ""))


def _loss_block(output, loss: str) -> Block:
    from derivations.stability import STABLE_FORMS

    out_name = output if isinstance(output, str) else output.name
    key = (out_name, loss)
    lines = []
    if key in STABLE_FORMS["loss"]:
        f, _ = sources.catalog_formula(*STABLE_FORMS["loss"][key])
        per = batch_form(f.expr)
        if per.has(M_SYMBOL):
            lines.append(_shift_line())
        per, extra = stabilize(per)
        cite = _cite(f, extra)
    else:
        spec = _losses.LOSSES.get(loss, option="--loss")
        per, extra = stabilize(spec.per_unit)
        cite = "; ".join([f"definition of {loss}: ℓ(a, y) = {spec.per_unit}", *extra])
    lines.append(Line("total", _total(per), cite))
    lines.append(Line("L", sp.Symbol("total") / N_SYMBOL,
                      "the batch loss is the mean over samples: L = (1/N) Σ_n C_n"))
    return Block("_loss", ("z", "a", "Y", "N"), lines, "mean over the batch of the per-sample "
                 "loss (summed over output units)")


def _delta_block(output, loss: str) -> Block:
    f = sources.output_delta(output, loss)
    # a coupled δ (softmax + mse) keeps Σ_i over the output units: the unit-axis UnitSum
    expr, extra = stabilize(batch_form(f.expr))
    return Block("_output_delta", ("z", "a", "Y"), [Line("delta", expr, _cite(f, extra))],
                 "per-sample output error δ = ∂C/∂z of the output layer")


def _layer_blocks(layout: str, fresh_delta: bool) -> list[Block]:
    rules = LAYOUTS[layout]["rules"]
    z = sources.catalog_definition(rules, "dense layer")
    out = [Block("_affine", ("A", "W", "b", "out=None"), [Line("Z", z.expr, z.citation)],
                 "weighted input of a layer", into=True)]
    spec = [("_mean", ("D", "N"), "mean", "Delta", "D" if fresh_delta else None,
             "Δ = ∂L/∂Z of the batch mean, from the per-sample deltas D"),
            ("_grad_W", ("A", "Delta", "out=None"), "dW", "dW", None, "∂L/∂W"),
            ("_grad_b", ("Delta", "out=None"), "db", "db", None, "∂L/∂b"),
            ("_grad_A", ("Delta", "W", "out=None"), "dA", "G", None,
             "∂L/∂A, passed to the layer below"),
            ("_hadamard", ("G", "Fp"), "hadamard", "Delta", "G",
             "Δ of the layer below: through its activation")]
    for name, params, tag, target, inplace, doc in spec:
        f, _ = sources.catalog_formula(rules, tag)
        out.append(Block(name, params, [Line(target, f.expr, f.citation)], doc, inplace,
                         into="out=None" in params))
    return out


def _init_blocks() -> list[Block]:
    from .init_schemes import SCHEMES

    return [Block(f"_scale_{s.name}", ("n_in", "n_out"), [Line("s", s.scale, s.citation)],
                  s.doc) for s in SCHEMES]


def make_plan(layers, hidden: Activation, output, loss: str, *, layout: str = "rows",
              dtype: str = "float64") -> Plan:
    """Everything the module needs, each line from a verified derivation."""
    layers = tuple(int(n) for n in layers)
    if len(layers) < 2 or any(n < 1 for n in layers):
        raise UsageError(f"--layers needs at least two positive sizes (input and output), "
                         f"got {','.join(map(str, layers))}", where="--layers",
                         hint="e.g. --layers 784,100,10")
    if hidden == SOFTMAX:
        raise UsageError("softmax cannot be a hidden activation (it couples the units of a "
                         "layer; only the output layer may use it)", where="--hidden",
                         hint="use e.g. --hidden sigmoid, or --output softmax")
    if layout not in LAYOUTS:
        raise UsageError(f"unknown layout '{layout}'", where="--layout",
                         hint=f"use one of {', '.join(LAYOUTS)}")
    plan = Plan(layers, hidden, output, loss, layout, dtype)
    delta = _delta_block(output, loss)  # first: an invalid pair fails before anything else
    fresh = not isinstance(delta.lines[-1].expr, sp.Symbol)
    plan.blocks = [_forward_block("_hidden", hidden), _derivative_block(hidden),
                   _forward_block("_output", output), delta, _loss_block(output, loss),
                   *_layer_blocks(layout, fresh)]
    plan.init = _init_blocks()
    return plan
