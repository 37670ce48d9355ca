"""Code generation: NumPy forward/backward modules printed from verified derivations.

``generate(layers, hidden, output, loss, ...)`` returns the module's source
text; ``load(source)`` imports it without writing a file.  The pipeline is
:mod:`~symbp.codegen.sources` (verified formulas) → :mod:`~symbp.codegen.plan`
(which formula goes where) → :mod:`~symbp.codegen.emit` (CSE, printer,
template).  The command line is ``symbp codegen`` / ``symbp gradcheck``.
"""

from __future__ import annotations

import shlex
import types

from ..nn.activations import Activation


def _arg(act) -> str:
    if isinstance(act, str):
        return act
    from ..nn.activations import ACTIVATIONS

    if act.name in ACTIVATIONS and ACTIVATIONS.get(act.name) == act:
        return act.name
    return shlex.quote(f"{act.name}={act.expr}")


def command_line(layers, hidden, output, loss, dtype, layout, out_name: str | None) -> str:
    """The canonical ``python -m symbp codegen ...`` line that reproduces a module."""
    parts = ["python -m symbp codegen", "--layers", ",".join(str(n) for n in layers),
             "--hidden", _arg(hidden), "--output", _arg(output), "--loss", loss,
             "--dtype", dtype, "--layout", layout]
    if out_name:
        parts += ["-o", shlex.quote(out_name)]
    return " ".join(parts)


def generate(layers, hidden: Activation, output, loss: str, *, dtype: str = "float64",
             layout: str = "rows", out_name: str | None = None) -> str:
    """Source text of the generated module (deterministic in its arguments)."""
    from .emit import render
    from .plan import make_plan

    plan = make_plan(layers, hidden, output, loss, layout=layout, dtype=dtype)
    return render(plan, command_line(plan.layers, hidden, output, loss, dtype, layout,
                                     out_name))


def load(source: str, name: str = "symbp_generated_model") -> types.ModuleType:
    """Execute generated source as a fresh module object."""
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # noqa: S102 (our own output)
    return module
