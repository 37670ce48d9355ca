"""Plan → Python source: canonical CSE, one cited line per formula, the template.

Each block of the plan becomes a function whose body is
``name = expr  # <derivation>, step N: <equation>`` lines: the expressions go
through ``sympy.cse(..., order='canonical')`` and
:class:`~symbp.codegen.printer.SymbpNumPyPrinter`; the structure around them
(functions, the loop over layers) comes from ``templates/model.py.tmpl``,
which holds no math.  The output is a pure function of the arguments, so
generating twice gives identical bytes.
"""

from __future__ import annotations

from importlib import resources

import jinja2
import sympy as sp

from .. import __version__
from ..errors import DerivationError, InputError
from .init_schemes import ALIASES, SCHEMES
from .plan import CODE_NAMES, Block, Plan
from .printer import SymbpNumPyPrinter

TEMPLATE = "model.py.tmpl"


def _code_symbols(expr):
    """Rename the derivations' symbols to the names used in generated code."""
    mapping = {s: sp.Symbol(name, **s.assumptions0) for s, name in CODE_NAMES.items()}
    return expr.xreplace(mapping)


def _inplace_call(expr, name: str, printer) -> str | None:
    """``np.multiply(x, f, out=x)`` / ``np.divide(x, d, out=x)`` for a product with x."""
    args = list(expr.args)
    if not isinstance(expr, (sp.Mul, sp.MatMul, sp.HadamardProduct)) or len(args) != 2:
        return None
    mine = [a for a in args if getattr(a, "name", None) == name]
    if len(mine) != 1:
        return None
    other = args[1] if args[0] is mine[0] else args[0]
    if isinstance(other, sp.Pow) and other.exp == -1:
        return f"np.divide({name}, {printer.doprint(other.base)}, out={name})"
    if isinstance(expr, sp.MatMul) and not other.is_number:
        return None  # a true matrix product is never in place
    return f"np.multiply({name}, {printer.doprint(other)}, out={name})"


def block_lines(block: Block, printer) -> list[str]:
    """The body of one generated function: cited assignments, then ``return``."""
    out = []
    exprs = [_code_symbols(line.expr) for line in block.lines]
    matrix = any(getattr(e, "is_Matrix", False) for e in exprs)
    if matrix:
        temps, reduced = [], exprs
    else:
        temps, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("t"), order="canonical")
    nodes = []  # (defined name, used names, code line) in first-use order
    for sym, value in temps:
        user = next((i for i, e in enumerate(reduced) if e.has(sym)), len(reduced) - 1)
        nodes.append((str(sym), _names(value),
                      f"{sym} = {printer.doprint(value)}  # {block.lines[user].citation}"))
    for line, expr in zip(block.lines, reduced):
        code = None
        if block.inplace and line is block.lines[-1]:
            code = _inplace_call(expr, block.inplace, printer)
        if block.into and line is block.lines[-1]:
            into = printer.print_into(expr, "out")
            if into is None:
                raise DerivationError(f"{block.name}: cannot compute {expr} into a "
                                      "preallocated array", hint="report this as a bug")
            code = f"{printer.doprint(expr)} if out is None else {into}"
        code = code or printer.doprint(expr)
        nodes.append((line.target, _names(expr), f"{line.target} = {code}  # {line.citation}"))
    out += _ordered(nodes)
    out.append(f"return {block.lines[-1].target}")
    return out


def _names(expr) -> set[str]:
    return {str(s) for s in expr.free_symbols}


def _ordered(nodes) -> list[str]:
    """Assignments in a valid order: each after the names it uses (stable otherwise)."""
    defined = {name for name, _, _ in nodes}
    done: set[str] = set()
    out = []
    pending = list(nodes)
    while pending:
        for i, (name, uses, code) in enumerate(pending):
            if (uses & defined) <= done | {name}:
                out.append(code)
                done.add(name)
                del pending[i]
                break
        else:  # a cycle cannot occur in CSE output; keep the order if it did
            out += [code for _, _, code in pending]
            break
    return out


def render_block(block: Block, printer) -> str:
    try:
        lines = block_lines(block, printer)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 the printer has no NumPy form for a function
        what = "; ".join(str(line.expr) for line in block.lines)
        raise InputError(f"cannot write {block.doc!r} ({what}) with NumPy: "
                         f"{str(exc).splitlines()[0]}",
                         hint="use functions NumPy provides (exp, log, tanh, abs, sqrt, …)"
                         ) from None
    body = "\n".join(f"    {line}" for line in lines)
    doc = block.doc.replace('"', "'")
    return f"def {block.name}({', '.join(block.params)}):\n    \"\"\"{doc}.\"\"\"\n{body}\n"


def _template() -> jinja2.Template:
    text = resources.files("symbp.codegen").joinpath("templates", TEMPLATE).read_text("utf-8")
    env = jinja2.Environment(keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    return env.from_string(text)


def render(plan: Plan, command: str) -> str:
    """The generated module's source text."""
    printer = SymbpNumPyPrinter(unit_axis=plan.unit_axis)
    output_name = plan.output if isinstance(plan.output, str) else plan.output.name
    schemes = [(s.name, s.draw, s.bias_draw) for s in SCHEMES]
    affine = next(b for b in plan.blocks if b.name == "_affine").lines[-1].expr
    inputs = {m: sp.MatrixSymbol("X", *m.shape) for m in affine.atoms(sp.MatrixSymbol)
              if m.name == "A"}
    text = _template().render(
        version=__version__, command=command, layers=plan.layers, dtype=plan.dtype,
        hidden=plan.hidden.name, output=output_name, loss=plan.loss, layout=plan.layout,
        hidden_expr=str(plan.hidden.expr), affine=printer.doprint(affine.xreplace(inputs)),
        unit_axis=plan.unit_axis, batch_axis=plan.batch_axis,
        blocks=[render_block(b, printer) for b in plan.blocks],
        init_blocks=[render_block(b, printer) for b in plan.init], schemes=schemes,
        aliases=sorted(ALIASES.items()))
    return text
