"""Convolutional networks: ``symbp codegen --arch conv5x5x16,relu,maxpool2,flatten,dense10``.

The architecture is a comma-separated list of layers, applied in order to an input of
shape (batch, channels, height, width) (``--input C,H,W``, default 1,28,28):

==================  =============================================================
``convKHxKWxO``     2-D convolution (cross-correlation), stride 1, valid, O output
                    channels (``conv5x5x16``); catalog entry ``conv2d``
``maxpoolS``        S × S max pooling, stride S (``maxpool2``); entry ``maxpool``
``avgpoolS``        S × S average pooling, stride S; entry ``avgpool``
``flatten``         (C, H, W) → C·H·W in C order; entry ``flatten``
``denseN``          dense layer with N units (rows layout); ``dense_layer_rows``
an activation       ``relu``, ``sigmoid``, ``tanh``, … (any registered name), applied
                    elementwise to the conv or dense layer before it
==================  =============================================================

The last layer is a dense layer; its activation is ``--output``.  Every formula of the
generated module is read from a verified derivation (:mod:`symbp.codegen.sources`): the
conv layer's matrix products from the im2col parts of ``conv2d``, turned from index form
(Σ_r A[m, r] B[r, o]) into matrix form (A @ B) by :func:`matrix_form`; the dense layers,
activations, output δ and loss exactly as for ``--layers``.  What is not math — views,
reshapes, padding, the flipped view of a kernel, routing δ to the argmax of a window — is
in the template ``templates/cnn.py.tmpl``, each line citing the definition it implements.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp

from ..errors import DerivationError, UsageError
from ..nn.activations import Activation
from . import sources
from .plan import (
    Block,
    Line,
    _delta_block,
    _derivative_block,
    _forward_block,
    _init_blocks,
    _layer_blocks,
    _loss_block,
)
from .printer import SymbpNumPyPrinter

TEMPLATE = "cnn.py.tmpl"

DEFAULT_INPUT = (1, 28, 28)
_CONV = re.compile(r"^conv(\d+)x(\d+)x(\d+)$")
_POOL = re.compile(r"^(max|avg)pool(\d+)$")
_DENSE = re.compile(r"^dense(\d+)$")
ARCH_HINT = ("e.g. --arch conv5x5x16,relu,maxpool2,conv5x5x32,relu,maxpool2,flatten,"
             "dense128,relu,dense10 (layers: convKHxKWxO, maxpoolS, avgpoolS, flatten, denseN, "
             "and activation names after conv/dense layers)")


@dataclass(frozen=True)
class Layer:
    kind: str  # conv, act, maxpool, avgpool, flatten, dense
    args: tuple = ()
    act: Activation | None = None
    in_shape: tuple = ()
    out_shape: tuple = ()

    @property
    def token(self) -> str:
        if self.kind == "conv":
            return "conv{}x{}x{}".format(*self.args)
        if self.kind in ("maxpool", "avgpool"):
            return f"{self.kind}{self.args[0]}"
        if self.kind == "dense":
            return f"dense{self.args[0]}"
        if self.kind == "act":
            return self.act.name
        return self.kind


def parse_input(text: str | None) -> tuple[int, int, int]:
    if text is None:
        return DEFAULT_INPUT
    parts = re.split(r"[,x]", text.strip())
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        shape = ()
    if len(shape) != 3 or any(s < 1 for s in shape):
        raise UsageError(f"--input must be three positive integers C,H,W, got '{text}'",
                         where="--input", hint="e.g. --input 1,28,28 for MNIST")
    return shape


def parse_arch(text: str, input_shape=DEFAULT_INPUT) -> list[Layer]:
    """The layers of ``--arch`` with their shapes; UsageError for anything inconsistent."""
    from .spec import resolve

    tokens = [t.strip() for t in (text or "").split(",")]
    if not text or any(not t for t in tokens):
        raise UsageError(f"--arch must be a comma-separated list of layers, got '{text}'",
                         where="--arch", hint=ARCH_HINT)
    shape = tuple(input_shape)
    layers: list[Layer] = []
    for pos, tok in enumerate(tokens, 1):
        where = f"--arch, layer {pos} '{tok}'"
        if m := _CONV.match(tok):
            kh, kw, o = (int(g) for g in m.groups())
            if min(kh, kw, o) < 1:
                raise UsageError("a convolution needs a kernel of at least 1×1 and at least "
                                 "one output channel", where=where, hint=ARCH_HINT)
            if len(shape) != 3:
                raise UsageError("a convolution needs an input of shape (C, H, W); it comes "
                                 "after flatten/dense here", where=where, hint=ARCH_HINT)
            c, h, w = shape
            if kh > h or kw > w:
                raise UsageError(f"the kernel {kh}×{kw} is larger than its input {h}×{w}",
                                 where=where, hint="use a smaller kernel or fewer pooling layers")
            new = (o, h - kh + 1, w - kw + 1)
            layers.append(Layer("conv", (kh, kw, o), None, shape, new))
        elif m := _POOL.match(tok):
            s = int(m.group(2))
            if len(shape) != 3:
                raise UsageError("pooling needs an input of shape (C, H, W)", where=where,
                                 hint=ARCH_HINT)
            c, h, w = shape
            if s < 1 or h % s or w % s:
                raise UsageError(f"{s}×{s} pooling with stride {s} needs the height and width "
                                 f"to be multiples of {s}; the input here is {h}×{w}",
                                 where=where, hint="change the kernel sizes or the pool size")
            layers.append(Layer(f"{m.group(1)}pool", (s,), None, shape, (c, h // s, w // s)))
        elif tok == "flatten":
            if len(shape) != 3:
                raise UsageError("flatten needs an input of shape (C, H, W)", where=where,
                                 hint=ARCH_HINT)
            layers.append(Layer("flatten", (), None, shape, (shape[0] * shape[1] * shape[2],)))
        elif m := _DENSE.match(tok):
            units = int(m.group(1))
            if units < 1:
                raise UsageError("a dense layer needs at least one unit", where=where)
            if len(shape) != 1:
                raise UsageError("a dense layer needs a flat input: put flatten before it",
                                 where=where, hint=ARCH_HINT)
            layers.append(Layer("dense", (units,), None, shape, (units,)))
        else:
            if tok == "softmax":
                raise UsageError("softmax cannot be a hidden activation; it is the output "
                                 "activation (--output softmax)", where=where)
            if not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", tok):
                raise UsageError(f"cannot read the layer '{tok}'", where=where, hint=ARCH_HINT)
            act = resolve(tok, None, "--arch", allow_softmax=False)
            if not layers or layers[-1].kind not in ("conv", "dense"):
                raise UsageError(f"the activation '{tok}' must follow a conv or dense layer",
                                 where=where, hint=ARCH_HINT)
            layers.append(Layer("act", (), act, shape, shape))
        shape = layers[-1].out_shape
    if layers[-1].kind != "dense":
        raise UsageError("the last layer must be a dense layer (its activation is --output)",
                         where="--arch", hint=ARCH_HINT)
    return layers


# --- index form → matrix form -----------------------------------------------------------
#: names in generated code of the im2col matrices of derivations/conv2d.py
MATRIX_NAMES = {"X^{col}": "Xcol", "K^{mat}": "Kmat", "D^{mat}": "Dmat", "G^{col}": "Gcol",
                "F^{mat}": "Fmat", "b": "b"}


def _mat(base: sp.IndexedBase) -> sp.MatrixSymbol:
    name = str(base.label)
    if name not in MATRIX_NAMES:
        raise DerivationError(f"no code name for the matrix '{name}'")
    return sp.MatrixSymbol(MATRIX_NAMES[name], sp.Symbol("rows"), sp.Symbol("cols"))


def matrix_form(expr, left: str | None = None) -> sp.Basic:
    """Σ_r A[m, r] B[r, o] → A B; Σ_m A[m, r] B[m, o] → Aᵀ B (``left`` names A);
    Σ_m A[m, o] → 1ᵀ A (column sums); b[o] → 1 b (a row broadcast over the rows).

    A change of notation only: the sum over the shared index of a product of two
    2-index entries is, by definition, an entry of a matrix product."""
    out = []
    for t in sp.Add.make_args(sp.sympify(expr)):
        if isinstance(t, sp.Indexed) and len(t.indices) == 1:  # b[o]
            row = sp.MatrixSymbol(MATRIX_NAMES[str(t.base.label)], 1, sp.Symbol("cols"))
            out.append(sp.MatMul(sp.OneMatrix(sp.Symbol("rows"), 1), row))
            continue
        if not (isinstance(t, sp.Sum) and len(t.limits) == 1):
            raise DerivationError(f"not an entry of a matrix product: {t}")
        var = t.limits[0][0]
        factors = list(sp.Mul.make_args(t.function))
        if not all(isinstance(f, sp.Indexed) and len(f.indices) == 2 for f in factors):
            raise DerivationError(f"not an entry of a matrix product: {t}")
        if len(factors) == 1:  # Σ_m A[m, o]: the column sums 1ᵀ A
            (a,) = factors
            if a.indices[0] != var:
                raise DerivationError(f"not a column sum: {t}")
            out.append(sp.MatMul(sp.OneMatrix(1, sp.Symbol("rows")), _mat(a.base)))
            continue
        if len(factors) != 2:
            raise DerivationError(f"not an entry of a matrix product: {t}")
        f, g = factors
        pos = (list(f.indices).index(var) if var in f.indices else -1,
               list(g.indices).index(var) if var in g.indices else -1)
        if pos == (0, 1):
            f, g, pos = g, f, (1, 0)
        elif pos in ((0, 0), (1, 1)) and left is not None and str(g.base.label) == left:
            f, g = g, f
        elif pos in ((0, 0), (1, 1)) and str(f.base.label) != left:
            raise DerivationError(f"which factor comes first is ambiguous in {t}")
        if -1 in pos:
            raise DerivationError(f"the summed index is not shared by both factors in {t}")
        a = _mat(f.base) if pos[0] == 1 else sp.Transpose(_mat(f.base))
        b = _mat(g.base) if pos[1] == 0 else sp.Transpose(_mat(g.base))
        out.append(sp.MatMul(a, b))
    return out[0] if len(out) == 1 else sp.MatAdd(*out)


def _indexed_to_arrays(expr) -> sp.Basic:
    """δ[n,c,i,j] → the array delta: the whole-batch arrays of an elementwise formula."""
    return expr.replace(lambda e: isinstance(e, sp.Indexed),
                        lambda e: sp.Symbol(str(e.base.label), real=True))


class WindowSum(sp.Function):
    """Σ over the entries of each s × s window (printed as a sum over the window axes)."""


# --- verified sources -----------------------------------------------------------------
@lru_cache(maxsize=16)
def maxpool_derivation(size: int):
    """The verified max-pooling derivation for size × size windows (catalog: size 2)."""
    from ..api import derive, verify

    if size == 2:
        v = derive("maxpool")
    else:
        from derivations.pooling import maxpool_derivation_fn

        from ..core.proof import Builder

        b = Builder(f"maxpool{size}")
        maxpool_derivation_fn(size)(b)
        v = verify(b.build(f"Max pooling ({size} × {size})", "", "conv"))
    if not v.verified:
        raise DerivationError(f"the max-pooling derivation for {size}×{size} windows does not "
                              "verify; refusing to generate code from it")
    return v


def _conv_blocks() -> list[Block]:
    blocks = []
    for name, params, tag, target, doc in (
            ("_conv_forward", ("Xcol", "Kmat", "b"), "im2col", "Z",
             "conv layer as one matrix product: rows (n, i, j), columns o"),
            ("_conv_grad_K", ("Xcol", "Dmat"), "dK_im2col", "dKmat",
             "∂L/∂K as a (C·kh·kw) × O matrix"),
            ("_conv_grad_b", ("Dmat",), "db_im2col", "db", "∂L/∂b of a conv layer"),
            ("_conv_grad_x", ("Gcol", "Fmat"), "dx_im2col", "G",
             "∂L/∂x: the padded δ times the flipped kernel, rows (n, u, v), columns c")):
        f, _ = sources.catalog_formula("conv2d", tag)
        blocks.append(Block(name, params, [Line(target, matrix_form(f.expr, left="X^{col}"),
                                                f.citation)], doc))
    return blocks


def _avgpool_blocks() -> list[Block]:
    forward = sources.catalog_definition("avgpool", "pooling layer")
    expr = forward.expr.replace(lambda e: isinstance(e, sp.Sum),
                                lambda e: WindowSum(sp.Symbol("xw", real=True)))
    spread, _ = sources.catalog_formula("avgpool", "route")
    return [Block("_avgpool_mean", ("xw", "s"), [Line("y", expr, forward.citation)],
                  "mean of each s × s window; xw has shape (N, Ho, s, Wo, s, C)"),
            Block("_avgpool_spread", ("delta", "s"),
                  [Line("dwin", _indexed_to_arrays(spread.expr), spread.citation)],
                  "the share of δ that each entry of a window receives")]


@dataclass
class CnnPlan:
    layers: list[Layer]
    output: Activation | str
    loss: str
    dtype: str
    input_shape: tuple
    blocks: list[Block] = field(default_factory=list)
    init: list[Block] = field(default_factory=list)
    cites: dict = field(default_factory=dict)


def make_cnn_plan(layers: list[Layer], output, loss: str, *, dtype: str = "float64",
                  input_shape=DEFAULT_INPUT) -> CnnPlan:
    plan = CnnPlan(layers, output, loss, dtype, tuple(input_shape))
    delta = _delta_block(output, loss)  # first: an invalid (output, loss) pair fails early
    fresh = not isinstance(delta.lines[-1].expr, sp.Symbol)
    blocks = []
    seen = set()
    for layer in layers:
        if layer.kind == "act" and layer.act.name not in seen:
            seen.add(layer.act.name)
            fwd = _forward_block(f"_act_{layer.act.name}", layer.act)
            der = _derivative_block(layer.act)
            der.name = f"_act_{layer.act.name}_prime"
            blocks += [fwd, der]
    blocks += [_forward_block("_output", output), delta, _loss_block(output, loss)]
    blocks += _layer_blocks("rows", fresh)
    kinds = {layer.kind for layer in layers}
    if "conv" in kinds:
        blocks += _conv_blocks()
    if "avgpool" in kinds:
        blocks += _avgpool_blocks()
    plan.blocks = blocks
    plan.init = _init_blocks()
    cites = {}
    if "conv" in kinds:
        v = sources.catalog_formula("conv2d", "im2col")[0]
        d = {x.name: sources.catalog_definition("conv2d", x.name).citation
             for x in _conv_defs()}
        cites["im2col"] = d["im2col of x"]
        cites["kmat"] = d["kernel matrix"]
        cites["dmat"] = d["delta matrix"]
        cites["pad"] = d["zero-padded delta"]
        cites["flip"] = d["flipped kernel"]
        cites["fmat"] = d["flipped kernel matrix"]
        cites["gcol"] = d["im2col of the padded delta"]
        cites["z"] = v.citation
    routes, maxes = [], []
    for size in sorted({layer.args[0] for layer in layers if layer.kind == "maxpool"}):
        v = maxpool_derivation(size)
        routes.append(sources.part_formula(v.derivation, "route").citation)
        maxes.append(sources.part_formula(v.derivation, "max_derivative").citation)
    cites["maxpool_route"] = "; ".join(routes) or "maxpool, step 3"
    cites["maxpool_max"] = "; ".join(maxes) or "maxpool, step 4"
    cites["flatten"] = sources.catalog_formula("flatten", "dx")[0].citation \
        if "flatten" in kinds else "flatten"
    for key in ("im2col", "kmat", "dmat", "pad", "flip", "fmat", "gcol", "z"):
        cites.setdefault(key, "conv2d")
    plan.cites = cites
    return plan


class CnnPrinter(SymbpNumPyPrinter):
    """The NumPy printer of generated modules, plus the window sum of pooling."""

    def _print_WindowSum(self, expr):
        return f"np.sum({self._print(expr.args[0])}, axis=(2, 4))"


def _param_shapes(layers) -> list[tuple]:
    out = []
    for layer in layers:
        if layer.kind == "conv":
            kh, kw, o = layer.args
            c = layer.in_shape[0]
            out.append(((o, c, kh, kw), (o,), c * kh * kw, o * kh * kw))
        elif layer.kind == "dense":
            n_in, n_out = layer.in_shape[0], layer.args[0]
            out.append(((n_in, n_out), (n_out,), n_in, n_out))
    return out


def _arch_tuples(layers) -> list[tuple]:
    out = []
    for layer in layers:
        if layer.kind == "act":
            out.append(("act", layer.act.name))
        else:
            out.append((layer.kind, *layer.args))
    return out


def render_cnn(plan: CnnPlan, command: str) -> str:
    """The generated CNN module's source text."""
    from importlib import resources

    import jinja2

    from .. import __version__
    from .emit import render_block
    from .init_schemes import ALIASES, SCHEMES

    printer = CnnPrinter(unit_axis=1)
    text = resources.files("symbp.codegen").joinpath("templates", TEMPLATE).read_text("utf-8")
    env = jinja2.Environment(keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    output_name = plan.output if isinstance(plan.output, str) else plan.output.name
    acts = []
    for layer in plan.layers:
        if layer.kind == "act" and layer.act.name not in acts:
            acts.append(layer.act.name)
    return env.from_string(text).render(
        version=__version__, command=command, arch=",".join(x.token for x in plan.layers),
        arch_tuples=repr(_arch_tuples(plan.layers)), input_shape=repr(plan.input_shape),
        dtype=plan.dtype, output=output_name, loss=plan.loss,
        n_out=plan.layers[-1].out_shape[0], activations=acts,
        blocks=[render_block(b, printer) for b in plan.blocks],
        init_blocks=[render_block(b, printer) for b in plan.init],
        schemes=[(x.name, x.draw, x.bias_draw) for x in SCHEMES],
        aliases=sorted(ALIASES.items()), param_shapes=repr(_param_shapes(plan.layers)),
        cites=plan.cites, kinds=sorted({layer.kind for layer in plan.layers}))


def _conv_defs():
    from ..api import derive

    return derive("conv2d").derivation.definitions


def command_line(arch: str, input_shape, output, loss, dtype, out_name) -> str:
    from . import _arg

    parts = ["python -m symbp codegen", "--arch", arch, "--input",
             ",".join(str(s) for s in input_shape), "--output", _arg(output), "--loss", loss,
             "--dtype", dtype]
    if out_name:
        parts += ["-o", shlex.quote(out_name)]
    return " ".join(parts)


def generate_cnn(arch: str, output, loss: str, *, input_shape=DEFAULT_INPUT,
                 dtype: str = "float64", out_name: str | None = None) -> str:
    """Source text of the generated CNN module (deterministic in its arguments)."""
    layers = parse_arch(arch, input_shape)
    plan = make_cnn_plan(layers, output, loss, dtype=dtype, input_shape=input_shape)
    canonical = ",".join(layer.token for layer in layers)
    return render_cnn(plan, command_line(canonical, input_shape, output, loss, dtype, out_name))
