"""Activation arguments of ``codegen``/``gradcheck``: a registry name or ``name=expr``.

``--hidden sigmoid`` names a registry entry; ``--hidden 'softsign=z/(1+Abs(z))'``
defines the user's own in SymPy syntax, parsed in a restricted namespace (the
variable ``z``, numbers and a fixed list of elementary functions; no Python
built-ins, no attribute access); ``--hidden-latex 'softsign=\\frac{z}{1+|z|}'``
goes through the LaTeX front end.  Errors are :class:`~symbp.errors.InputError`
/ :class:`~symbp.errors.UsageError` saying what, where, and what to do.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

from ..errors import InputError, UsageError
from ..nn.activations import ACTIVATIONS, Activation, custom, z

SOFTMAX = "softmax"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
#: what a user's expression may use, besides z and numbers
FUNCTIONS = {f.__name__: f for f in (
    sp.exp, sp.log, sp.sqrt, sp.tanh, sp.sinh, sp.cosh, sp.atan, sp.asinh, sp.sin,
    sp.cos, sp.Abs, sp.Max, sp.Min, sp.sign)}
FUNCTIONS.update({"abs": sp.Abs, "max": sp.Max, "min": sp.Min, "ln": sp.log, "pi": sp.pi,
                  "E": sp.E})
_PARSER_NAMES = {"Integer": sp.Integer, "Float": sp.Float, "Rational": sp.Rational,
                 "Symbol": sp.Symbol, "Function": sp.Function}


def _split(spec: str, option: str) -> tuple[str, str]:
    name, _, body = spec.partition("=")
    name, body = name.strip(), body.strip()
    if not _NAME.match(name) or not body:
        raise UsageError(f"cannot read the activation '{spec}'", where=option,
                         hint="give a registered name (" + ", ".join(ACTIVATIONS.names()) +
                              ") or NAME=EXPRESSION in z, e.g. 'softsign=z/(1+Abs(z))'")
    if name in ACTIVATIONS or name == SOFTMAX:
        raise UsageError(f"'{name}' is already a registered activation", where=option,
                         hint="choose another name for your own function")
    return name, body


def _check(name: str, expr, spec: str, option: str) -> Activation:
    expr = sp.sympify(expr)
    extra = expr.free_symbols - {z}
    if extra:
        names = ", ".join(sorted(str(s) for s in extra))
        raise InputError(f"the activation '{name}' uses unknown name(s): {names}",
                         where=f"{option} {spec}",
                         hint="write it in the single variable z with the functions "
                              + ", ".join(sorted(FUNCTIONS)))
    if expr.atoms(sp.core.function.AppliedUndef):
        raise InputError(f"the activation '{name}' calls an unknown function",
                         where=f"{option} {spec}",
                         hint="allowed functions: " + ", ".join(sorted(FUNCTIONS)))
    if z not in expr.free_symbols:
        raise InputError(f"the activation '{name}' does not depend on z", where=option,
                         hint="a constant activation has no useful derivative")
    if expr.has(sp.zoo, sp.nan, sp.oo, sp.I):
        raise InputError(f"the activation '{name}' is not a real finite expression",
                         where=f"{option} {spec}")
    bad = _undefined_at(expr)
    if bad is not None:
        raise InputError(f"the activation '{name}' = {expr} is not a finite real number at "
                         f"z = {bad:g}", where=f"{option} {spec}",
                         hint="an activation must be defined for every real z "
                              "(e.g. write log(1 + exp(z)), not log(z))")
    return custom(name, expr)


def _undefined_at(expr) -> float | None:
    """A sample z in [−40, 40] (step 0.25) where ``expr`` is not real and finite, if any."""
    f = sp.lambdify(z, expr, modules=["mpmath"])
    import mpmath

    for k in range(-160, 161):
        x = k / 4
        try:
            v = f(mpmath.mpf(x))
        except (ZeroDivisionError, ValueError, OverflowError, TypeError):
            return x
        if isinstance(v, mpmath.mpc) and abs(v.imag) > 1e-30:
            return x
        if not mpmath.isfinite(v if not isinstance(v, mpmath.mpc) else v.real):
            return x
    return None


def parse_sympy(spec: str, option: str = "--hidden") -> Activation:
    """``NAME=EXPRESSION`` in SymPy syntax → a custom Activation."""
    name, body = _split(spec, option)
    if "__" in body or "." in body.replace("..", "") and re.search(r"[A-Za-z_]\.", body):
        raise InputError(f"the activation '{name}' contains attribute access or dunder names",
                         where=f"{option} {spec}", hint="use only z, numbers and functions")
    local = {"z": z, **FUNCTIONS}
    try:
        expr = parse_expr(body, local_dict=local, global_dict={"__builtins__": {},
                                                                 **_PARSER_NAMES},
                          transformations=standard_transformations + (convert_xor,),
                          evaluate=True)
    except Exception as exc:  # noqa: BLE001 SyntaxError, TypeError, TokenError, ...
        raise InputError(f"cannot parse the activation '{name}': {type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''}",
                         where=f"{option} {spec}",
                         hint="use SymPy syntax in z, e.g. 'softsign=z/(1+Abs(z))'") from None
    return _check(name, expr, spec, option)


def parse_latex(spec: str, option: str = "--hidden-latex") -> Activation:
    """``NAME=LATEX`` → a custom Activation (through symbp's LaTeX front end)."""
    name, body = _split(spec, option)
    try:
        expr = _front_end(body)
    except InputError as exc:
        raise InputError(f"cannot parse the LaTeX of activation '{name}': {exc.what}",
                         where=f"{option} {spec}",
                         hint="e.g. 'softsign=\\frac{z}{1+|z|}'") from None
    expr = sp.sympify(expr)
    for act in ACTIVATIONS:  # σ(z) written in the LaTeX means the registry's sigmoid, …
        expr = expr.replace(act.func, sp.Lambda(z, act.expr))
    named = {s: z for s in expr.free_symbols if str(s) == "z"}
    return _check(name, expr.xreplace(named), spec, option)


def _front_end(body: str):
    """symbp's LaTeX front end (notation layer + the arithmetic parser), on ``a = <body>``."""
    from ..claims.build import Builder, Env, Retry, ShapeConflict
    from ..notation.latex_in import read_claim

    text = f"a = {body}"
    scanner, sides = read_claim(text)
    env = Env([text], list(scanner.atoms))
    for _ in range(50):
        try:
            return Builder(env, scanner.table).build(sides[1][0])
        except Retry:
            continue
        except ShapeConflict as exc:
            raise InputError(str(exc)) from None
    raise InputError("the LaTeX expression could not be read")


def resolve(spec: str | None, latex: str | None, option: str, *,
            allow_softmax: bool) -> Activation | str:
    """The activation named or defined by ``--hidden``/``--hidden-latex`` (or output)."""
    if latex is not None:
        return parse_latex(latex, option + "-latex")
    if spec is None:
        raise UsageError(f"{option} is required", where=option)
    if spec == SOFTMAX:
        if not allow_softmax:
            raise UsageError("softmax cannot be a hidden activation: it couples the units "
                             "of a layer, so only the output layer may use it",
                             where=option, hint="use e.g. --hidden sigmoid and --output softmax")
        return SOFTMAX
    if "=" in spec:
        return parse_sympy(spec, option)
    return ACTIVATIONS.get(spec, option=option)
