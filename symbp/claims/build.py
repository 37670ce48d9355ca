"""Post-processing: a latex2sympy2 tree with placeholders → SymPy with this notation's meaning.

See :mod:`symbp.notation.latex_in` for layer 1.  Here:

* ``z_j`` → ``IndexedBase('z')[j]`` with ``j`` an integer index symbol, so
  ``Σ_k e^{z_k}`` sums over the same family and ``∂a_j/∂z_k`` is computed;
  ``\\delta_{jk}`` → Kronecker delta; sum bounds are size symbols.
* layer superscripts (``a^{l-1}``) are labels: with ``--context backprop`` they
  are quantities of the representative network (:mod:`.network`), otherwise
  layered families / matrices named ``a^{l-1}``.
* matrices: shapes are symbolic and unified while building (``AB`` needs
  cols(A) = rows(B), ``A + B`` equal shapes, ``tr``/``det``/inverse square);
  two different fixed sizes that must agree are a :class:`ShapeConflict`,
  which the judge reports as a *false* claim with the shapes as the reason.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.matrices.expressions.hadamard import HadamardPower, HadamardProduct
from sympy.matrices.expressions.kronecker import KroneckerProduct
from sympy.matrices.expressions.matexpr import MatrixElement

from ..core.by_expression import ByExpression
from ..core.expr import LayerLabel
from ..nn.activations import sigma as SIGMA
from ..notation.latex_in import TRANSPOSE, Atom, LatexInputError, Raw, placeholder_name
from .differential import differential, differential_of_variable
from .vec import Vec
from .network import (
    Jacobian,
    Logistic,
    MatrixGradient,
    NetCost,
    NetDerivative,
    NetGradient,
    NetJacobian,
    NetMatrix,
    NetSum,
    Network,
    PatternVector,
    mentions_network,
)

SCALAR_CAPITALS = {"L", "N", "T"}
SIZE_KEY = placeholder_name("SIZE")
ELEMENTWISE = {"tanh": sp.tanh, "exp": sp.exp, "ln": sp.log, "sinh": sp.sinh, "cosh": sp.cosh,
               "sin": sp.sin, "cos": sp.cos, "sqrt": sp.sqrt, "sign": sp.sign,
               "relu": lambda x: sp.Max(0, x), "step": lambda x: sp.Heaviside(x, 0),  # 𝟙(x > 0)
               "stepge": lambda x: sp.Heaviside(x, 1),  # 𝟙(x ≥ 0)
               "softplus": lambda x: sp.log(1 + sp.exp(x))}  # ζ(x) = ln(1 + eˣ), Goodfellow 3.31
GENERIC = {"f", "g", "h", "phi", "varphi", "psi"}


def _derivative_at(f, u, order, arg):
    """f^(order) at ``arg``: written out when f's derivative is known (σ′ = σ(1 − σ));
    an unevaluated Subs only for an undefined f.  (SymPy's Subs compares equal across
    different points in some cases, so a cached σ′(z^l_j) of one size could stand in for
    another's: the written-out form has no such trap.)"""
    d = sp.diff(f(u), (u, order))
    if d.has(sp.Derivative):
        return sp.Subs(sp.Derivative(f(u), (u, order)), u, arg)
    return d.xreplace({u: arg})
NET_FAMILIES = {"a": "a", "z": "z", "b": "b", "W": "W", "w": "W", "delta": "delta"}


#: a generic function's coefficient, as judge's _generic_piece writes it: \mathrm{tr}(G^T …)
_COEFFICIENT = re.compile(r"\\mathrm\{tr\}\((\\mathbf\{)?([A-Za-z])\}?\^T ")


class Retry(Exception):
    """Shapes were unified; build again with the merged dimensions."""


class ShapeConflict(Exception):
    """Two fixed sizes that must agree differ: the expression cannot be formed."""


class NotUnderstood(LatexInputError):
    pass


def _index(name: str):
    return sp.Integer(int(name)) if name.isdigit() else sp.Symbol(name, integer=True)


def layer_offset(text: str) -> tuple[str, int]:
    m = re.fullmatch(r"([A-Za-z])([+-]\d+)?", text)
    return m.group(1), int(m.group(2) or 0)


JACOBIAN_NOTE = ("∂f/∂x of a vector by a vector read as the Jacobian in numerator layout: "
                 "[∂f_i/∂x_j], len(f) × len(x)")


_UNBOUNDED_SUM = re.compile(r"\\sum\s*_\s*\{?\s*([a-z])\s*\}?(?!\s*\^)")
_BOUNDED_SUM = re.compile(r"\\(?:sum|prod)\s*_\s*\{\s*([a-z])\s*=[^{}]*\}\s*\^\s*\{?\s*([a-zA-Z])")


def _bound_of_claim_sums(claim: str, joined: str) -> str | None:
    """The written bound of a sum over what the claim sums without bounds: Σ_m e^{z_m} in the
    claim, Σ_{j=1}^{K} e^{z_j} in a definition: K (not the n of another sum, Σ_{i=1}^{n} w x)."""
    families = set()
    for m in _UNBOUNDED_SUM.finditer(claim):
        families |= set(re.findall(r"([A-Za-z]+)\s*_\s*\{?\s*%s\s*\}?" % m.group(1),
                                   claim[m.end():m.end() + 60]))
    if not families:
        return None
    for m in _BOUNDED_SUM.finditer(joined):
        summand = joined[m.end():m.end() + 60]
        if any(re.search(r"(?<![A-Za-z])%s\s*_\s*\{?\s*%s\s*\}?" % (re.escape(f), m.group(1)),
                         summand) for f in families):
            return m.group(2)
    return None


class Env:
    """Per-claim notation state: which names are matrices, sizes, indices, shapes."""

    def __init__(self, texts: list[str], atoms: list[Atom], *, matrix_mode=False,
                 network=False, matrix_names=(), scalar_names=(), defined_names=(),
                 scalar_layers=False, broadcast_names=(), functions=(), labelled=(),
                 written_only=False, cdot_entrywise=False, layout=None):
        joined = " ".join(texts)
        self.size_names = set(re.findall(r"\\(?:sum|prod)_\{[^{}]*\}\s*\^\s*\{?\s*([a-zA-Z])",
                                         joined))
        first = re.search(r"\\(?:sum|prod)_\{[^{}]*\}\s*\^\s*\{?\s*([a-zA-Z])", joined)
        self.default_size = self.size(_bound_of_claim_sums(texts[0], joined)
                                      or (first.group(1) if first else "n"))
        self.index_names = {i for a in atoms for i in a.indices if not i.isdigit()}
        # net_o beside o = σ(net_o), net_h beside h: a letter that is also a name of its own
        # (and no summation index) is a label in a subscript, not an index
        summed = set(re.findall(r"\\(?:sum|prod)\s*_\s*\{?\s*([a-zA-Z])", joined))
        self.label_letters = {a.name for a in atoms if len(a.name) == 1 and not a.indices
                              and not a.layer and not a.bold} - summed - self.size_names - {
            "n", "e"}
        # a^{(2)} written whole somewhere: its a^{(2)}_j are that vector's entries
        self.layer_vectors = {(a.name, a.layer) for a in atoms
                              if a.layer and a.layer.isdigit() and not a.indices}
        # names written bold without scripts (\mathbf{z}): their plain z_i is an entry
        self.bold_names = {a.name for a in atoms if a.bold and not a.indices and not a.layer}
        # names written with a letter index somewhere (w_j): their w_1 is an entry
        self.letter_indexed = {a.name for a in atoms if any(not i.isdigit() for i in a.indices)}
        # lowercase names numbered like layers (h_1 beside W_1): labels, not entries
        self.labelled = {a.name for a in atoms
                         if a.indices and all(i.isdigit() for i in a.indices)} if any(
            a.name[0].isupper() and a.indices and all(i.isdigit() for i in a.indices)
            for a in atoms) else set()
        self.labelled |= set(labelled)  # z_1 = w_1 x + b_1 defined: z_1, z_2 are names
        self.vector_names = set()
        for m in TRANSPOSE.finditer(joined):
            before = joined[:m.start()].rstrip()
            vm = re.search(r"(?:\\(?:mathbf|boldsymbol|bm|vec)\{)?\\?([a-zA-Z]+)\}?$", before)
            if vm and vm.group(1)[0].islower():
                self.vector_names.add(vm.group(1))
        # matrices written (a capital other than a cost's name, or a transpose)
        self.matrix_text = bool(TRANSPOSE.search(joined) or re.search(
            r"(?<![\\A-Za-z])(?![CEJLN](?![A-Za-z_]))[A-Z](?![a-z])", joined))
        self.markers = bool(TRANSPOSE.search(joined)) or any(
            t in joined for t in (r"\odot", r"\circ", r"\bullet", "tr", r"\det", "diag", r"\|"))
        self.user_sigma = bool(re.search(r"(^|=|\s)\\sigma\s*\(\s*[a-z]\s*\)\s*=", joined))
        self.scalar_names = set(scalar_names)
        self.written_only = written_only  # d(F): only the written dX vary (no X, Y, Z rule)
        self.cdot_entrywise = cdot_entrywise  # u · v of two columns: entrywise, not u^T v
        self.layered = network or any(a.layer for a in atoms)  # a network's claim: x, y data
        self.functions = set(functions)  # names a definition makes functions (\\zeta(x) = …)
        self.defined_names = set(defined_names)
        self.scalar_layers = scalar_layers
        self.broadcast_names = set(broadcast_names)  # names read as numbers added entrywise
        self.added_vectors: set[str] = set()  # names made vectors only by an addition
        self.row_vectors: set[str] = set()  # Y = XW + b: b a row added to every row
        # families written with an index letter (a_j, y_i = δ_ij) whose bold name stands for
        # the column of their entries (\vec{a_{out}}, \vec{y}) — only in a claim that writes
        # a column by its pattern ([a_1; ⋮; a_n])
        self.family_vectors = {a.name for a in atoms if len(a.indices) == 1
                               and not a.indices[0].isdigit()} if re.search(
            r"\\vdots", joined) else set()
        self.intermediates: list = []
        self.ones = 0  # \mathbf{1} columns made in this build  # expressions differentiated by (e^{net_k}, Σ_m e^{net_m})
        self.built_by_expression = False
        self.notes: set[str] = set()  # how an ambiguous notation was read, for the verdict  # left sides of --define: f in df is d(f)
        self.matrix_mode = matrix_mode
        self.matrix_names = set(matrix_names)
        self.parent: dict = {}
        self.declared_ones = False  # a size 1 declared by the writer (b ∈ ℝ^{1×q})
        self.layout = layout  # "numerator" / "denominator" when the writer names one
        # the arbitrary coefficients of a generic function (tr(GᵀY) + tr(Hᵀ(Y⊙Y))): constants
        self.fixed_names = {("\\mathbf{%s}" % m.group(2)) if m.group(1) else m.group(2)
                            for m in _COEFFICIENT.finditer(joined)}
        self.index_bounds: dict = {}
        self.network = None
        layered = [a for a in atoms if a.layer and a.name in NET_FAMILIES
                   and not a.layer.isdigit()]  # a^{(2)}: a concrete layer, not the network's
        if network:
            bases = {layer_offset(a.layer)[0] for a in layered}
            if len(bases) > 1:
                raise NotUnderstood("the claim mixes layer l and output layer L",
                                    hint="write the claim for one of them")
            mentioned = {(NET_FAMILIES[a.name], layer_offset(a.layer)[1]) for a in layered}
            self.network = Network(bases.pop() if bases else "l", mentioned)

    # -- symbols ---------------------------------------------------------
    def size(self, name: str) -> sp.Symbol:
        return sp.Symbol(name, integer=True, positive=True)

    def scalar(self, name: str):
        if name in self.size_names or name == "n":
            return self.size(name)
        if name in self.index_names:
            return sp.Symbol(name, integer=True)
        return sp.Symbol(name, real=True)

    # -- shapes ----------------------------------------------------------
    def find(self, d):
        while d in self.parent:
            d = self.parent[d]
        return d

    def flexible(self, d) -> bool:
        return isinstance(d, sp.Symbol) and d.name.startswith(("r_", "c_"))

    def unify(self, d1, d2, why: str):
        a, b = self.find(d1), self.find(d2)
        if a == b:
            return
        if (a == 1 or b == 1) and not (self.declared_ones and (self.flexible(a)
                                                               or self.flexible(b))):
            # an inferred size is not made 1 (that would be a degenerate reading) — unless
            # the writer declared a row or a single output (W^{[2]} ∈ ℝ^{1×n_1}, Y ∈ ℝ^{1×m})
            raise ShapeConflict(why + " (it would need a matrix to be a single row/column)")
        if self.flexible(a):
            self.parent[a] = b
        elif self.flexible(b):
            self.parent[b] = a
        elif not (a.is_Symbol or a.is_Integer) or not (b.is_Symbol or b.is_Integer):
            # r_A r_B against r_C r_D (Kronecker products): sizes that may well agree, but
            # this reader does not solve for them — never a reason to say false
            raise NotUnderstood(f"{why}: sizes {a} and {b} would have to agree, which is "
                                "not worked out for products of sizes")
        else:
            raise ShapeConflict(why)
        raise Retry()

    def declare(self, names: list[str], rows: str | None, cols: str | None) -> None:
        """Sizes the writer gave (X ∈ ℝ^{n×d}): X's rows are n and its columns d for every
        reading, so a claim that needs other sizes cannot be formed (and says which)."""
        if "1" in (rows, cols) and not (cols == "1" and rows != "1"):
            self.declared_ones = True
        def dim(text: str):
            if text.isdigit():
                return sp.Integer(int(text))
            self.size_names.add(text)
            return self.size(text)
        for name in names:
            if cols is None:  # c ∈ ℝ: a number
                self.scalar_names.add(name)
                continue
            (self.vector_names if cols == "1" and rows != "1" else self.matrix_names).add(name)
            if rows == "1" and cols != "1":  # b ∈ ℝ^{1×q}: a row, added to every row (d2l)
                self.row_vectors.update({name, "\\mathbf{%s}" % name})
            for full in (name, "\\mathbf{%s}" % name):
                self.parent[sp.Symbol(f"r_{{{full}}}", integer=True, positive=True)] = dim(rows)
                if cols != "1":
                    self.parent[sp.Symbol(f"c_{{{full}}}", integer=True, positive=True)] = dim(cols)

    def matrix(self, name: str, vector: bool):
        rows = self.find(sp.Symbol(f"r_{{{name}}}", integer=True, positive=True))
        cols = sp.Integer(1) if vector else self.find(sp.Symbol(f"c_{{{name}}}", integer=True,
                                                                  positive=True))
        return sp.MatrixSymbol(name, rows, cols)

    def is_matrix_name(self, a: Atom) -> bool:
        if a.bold or a.name in self.matrix_names or a.name in self.vector_names:
            return True
        if a.name in self.size_names:  # \sum_{k=1}^{K}: K is a size, a number
            return False
        plain = a.name.rstrip("\u0302\u0303\u0304\u030c\u0306\u0307\u0308\u2032")
        capital = len(plain) == 1 and plain.isupper() and plain not in SCALAR_CAPITALS
        # W_{输出层}, W_{out}, W_{hidden}: a layer's matrix with a label (not E_{total}, C_0)
        labelled = bool(re.fullmatch(r"[A-Z]_(?:cjk[A-P]+|out|in|hid|hidden|output|input)", plain)) \
            and plain[0] not in SCALAR_CAPITALS
        return (capital or labelled) and a.name not in self.scalar_names


def _scaled(m) -> bool:
    """A matrix product with a factor read as a number (θX): that factor may be a vector."""
    return isinstance(m, sp.MatMul) and any(not is_matrix(a) and a.free_symbols
                                            for a in m.args)


def is_matrix(e) -> bool:
    return bool(getattr(e, "is_Matrix", False))


def shape_text(e) -> str:
    if not is_matrix(e):
        return "a scalar"
    return f"{sp.sstr(e).replace('.T', 'ᵀ')} ({sp.sstr(e.shape[0])}×{sp.sstr(e.shape[1])})"


class Builder:
    """Turns one :class:`Raw` tree into SymPy, under an :class:`Env`."""

    def __init__(self, env: Env, table: dict):
        self.env = env
        self.table = table

    def build(self, raw: Raw):
        return self.conv(raw.tree)

    # -- atoms -----------------------------------------------------------
    def bind_indices(self, idx, shape) -> None:
        """The index letters of an entry A_{ik} run over A's sizes (unified with any range
        they were given elsewhere)."""
        for i, dim in zip(idx, shape):
            if isinstance(i, sp.Symbol):
                known = self.env.index_bounds.setdefault(i, dim)
                if known != dim:
                    self.env.unify(known, dim, f"the index {i} runs over 1..{known} in one "
                                               f"place and over 1..{dim} in another")

    def atom(self, a: Atom):
        env = self.env
        idx = [_index(i) for i in a.indices]
        if a.layer and a.layer.isdigit():  # a^{(2)}, a concrete layer: a name of its own
            name = f"{a.name}^{{({a.layer})}}"
            if idx and (a.name, a.layer) in env.layer_vectors and len(idx) <= 2:
                # a^{(2)}_j beside \mathbf{a}^{(2)}: the j-th entry of that vector
                m = env.matrix(name, vector=not a.name[0].isupper())
                if len(idx) != (1 if m.shape[1] == 1 else 2):
                    raise NotUnderstood(f"{name} takes {1 if m.shape[1] == 1 else 2} index(es)")
                self.bind_indices(idx, m.shape)
                return MatrixElement(m, idx[0] - 1, idx[1] - 1 if len(idx) == 2 else 0)
            if idx:
                return sp.IndexedBase(LayerLabel(a.name, real=True))[(sp.Integer(int(a.layer)),
                                                                      *idx)]
            if env.scalar_layers and a.name[0].islower() and not a.bold:
                return env.scalar(name)
            return env.matrix(name, vector=not a.name[0].isupper())
        if a.layer:
            base, off = layer_offset(a.layer)
            if env.network is not None and a.name in NET_FAMILIES:
                kind = NET_FAMILIES[a.name]
                try:
                    m = env.network.matrix(kind, off)
                except KeyError as exc:
                    raise NotUnderstood(str(exc)) from None
                if not idx:
                    return m
                need = 2 if kind == "W" else 1
                if len(idx) != need:
                    raise NotUnderstood(f"{a.name}^{a.layer} takes {need} index(es)")
                for i, dim in zip(idx, m.shape):
                    if isinstance(i, sp.Symbol):
                        known = env.index_bounds.setdefault(i, dim)
                        if known != dim:
                            raise ShapeConflict(
                                f"the index {i} runs over 1..{known} in one place and over "
                                f"1..{dim} in {a.name}^{a.layer}_{''.join(a.indices)}")
                return MatrixElement(m, idx[0] - 1, (idx[1] - 1) if need == 2 else 0)
            label = sp.Symbol(base, integer=True) + off
            if idx:
                return sp.IndexedBase(LayerLabel(a.name, real=True))[(label, *idx)]
            name = f"{a.name}^{{{a.layer}}}"
            if env.scalar_layers and a.name[0].islower() and not a.bold:
                return env.scalar(name)  # the reading where a^L is one number
            return env.matrix(name, vector=not a.name[0].isupper())
        if a.name == "I" and not a.layer and not a.bold and "I" not in env.defined_names \
                and len(idx) == 2 and all(isinstance(i, sp.Symbol) for i in idx):
            return sp.KroneckerDelta(*idx)  # I_{kj} (Bishop): the identity's entry, δ_kj
        if a.name == "delta" and len(idx) == 2:
            i, j = idx  # δ_ij: both indices run over the same range (y_i = δ_ij, y a column)
            if isinstance(i, sp.Symbol) and isinstance(j, sp.Symbol):
                if i in env.index_bounds and j not in env.index_bounds:
                    env.index_bounds[j] = env.index_bounds[i]
                elif j in env.index_bounds and i not in env.index_bounds:
                    env.index_bounds[i] = env.index_bounds[j]
            return sp.KroneckerDelta(*idx)
        if len(a.indices) == 1 and len(a.indices[0]) == 1 and a.indices[0].isdigit() \
                and a.name not in env.letter_indexed and (
                    a.name[0].isupper() or a.bold or len(a.name) > 1
                    or a.name in env.labelled):
            # W_1, h_1, b_2, net_1: a numbered name (a layer's W_1), not an entry of W
            label = Atom(f"{a.name}_{''.join(a.indices)}", a.bold)
            if label.name in env.row_vectors and not a.bold:
                return self.atom(label)  # b_1 in XW_1 + b_1: a row on every row
            if env.scalar_layers and not a.bold:
                return env.scalar(label.name)  # the reading of a net of single units
            if (a.name[0].isupper() and label.name not in env.scalar_names) or a.bold \
                    or label.name in env.vector_names:
                return env.matrix(("\\mathbf{%s}" % label.name) if a.bold else label.name,
                                  vector=not a.name[0].isupper())
            return env.scalar(label.name)
        if env.network is not None and not idx and (a.name == "C" or (
                a.name in ("J", "L", "E") and a.name not in env.defined_names)):
            if a.name != "C":
                env.notes.add(f"{a.name} read as the network's cost C")
            return env.network.cost()
        if not a.bold and idx and a.name in env.bold_names and a.name not in env.family_vectors:
            a = Atom(a.name, True, a.layer, a.indices)  # z_i beside \mathbf{z}: its entry
        if len(idx) == 1 and isinstance(idx[0], sp.Symbol) and a.name in ("E", "C", "J", "L") \
                and not a.bold and a.name not in env.matrix_names \
                and a.name not in env.bold_names:
            # Bishop's E_n, L_i: the error of example n, one number of a family (not a
            # column of a matrix E)
            return sp.IndexedBase(sp.Symbol(a.name, real=True))[tuple(idx)]
        if idx and len(idx) <= 2 and all(isinstance(i, sp.Symbol) for i in idx) \
                and env.is_matrix_name(Atom(a.name, a.bold)) \
                and (a.name[0].isupper() or a.bold or a.name in env.vector_names) \
                and a.name != "delta":
            # A_{ik}, \mathbf{x}_i: an entry of the matrix or vector A, x written elsewhere
            whole = self.atom(Atom(a.name, a.bold))
            if len(idx) == 1 and whole.shape[1] != 1:
                raise NotUnderstood(f"{a.name}_{a.indices[0]} has one index, but {a.name} "
                                    "is a matrix", hint="write A_{ij}")
            full = idx + [sp.Integer(1)] * (2 - len(idx))
            self.bind_indices(full, whole.shape)
            return MatrixElement(whole, full[0] - 1, full[1] - 1)
        if len(a.indices) == 1 and a.indices[0] in env.label_letters and not a.bold:
            return env.scalar(f"{a.name}_{a.indices[0]}")  # net_o with o a name: a label
        if idx:
            return sp.IndexedBase(sp.Symbol(a.name, real=True))[tuple(idx)]
        family = a.name.split("_")[0]
        if a.bold and not idx and not a.layer and family[:1].islower() \
                and family in env.family_vectors:
            # \vec{a_{out}} beside a_1, a_j, a_n (or y beside y_i = δ_ij): the column of
            # that family's entries
            r = sp.Dummy("r", integer=True)
            n = env.find(sp.Symbol(f"r_{{{a.name}}}", integer=True, positive=True))
            env.notes.add(f"the vector {a.name} read as the column of the entries {family}_i")
            return PatternVector(n, sp.Lambda(r, sp.IndexedBase(
                sp.Symbol(family, real=True))[r + 1]))
        if a.name == "I" and not a.layer and "I" not in env.defined_names:
            # I, \mathbf{I}: the identity, of the size its neighbours give it
            env.notes.add("I read as the identity matrix")
            return sp.Identity(env.find(sp.Symbol("r_{I}", integer=True, positive=True)))
        if a.name in env.row_vectors and not a.bold:
            return sp.MatrixSymbol(a.name, 1, env.find(
                sp.Symbol(f"c_{{{a.name}}}", integer=True, positive=True)))
        if a.bold and "\\mathbf{%s}" % a.name in env.row_vectors and not a.layer:
            name = "\\mathbf{%s}" % a.name  # O = XW + b (d2l): the bias a row on every row
            return sp.MatrixSymbol(name, 1, env.find(
                sp.Symbol(f"c_{{{name}}}", integer=True, positive=True)))
        if env.is_matrix_name(a):
            vector = a.name[0].islower() and a.name not in env.matrix_names
            return env.matrix(("\\mathbf{%s}" % a.name) if a.bold else a.name, vector=vector)
        return env.scalar(a.name)

    # -- the tree --------------------------------------------------------
    def conv(self, t):
        if isinstance(t, sp.Symbol):
            if t.name in self.table:
                return self.entry(self.table[t.name])
            if t.name == SIZE_KEY:
                return self.env.default_size
            return self.env.scalar(t.name)
        if isinstance(t, (sp.Number, sp.NumberSymbol)) or t in (sp.oo, -sp.oo, sp.E, sp.pi):
            return t
        if isinstance(t, sp.Mul):
            return self.mul(list(t.args))
        if isinstance(t, sp.Add):
            return self.add([self.conv(a) for a in t.args])
        if isinstance(t, sp.Pow):
            return self.power(t.base, t.exp)
        if isinstance(t, sp.exp):
            return self.elementwise("exp", self.conv(t.args[0]))
        if isinstance(t, sp.log):
            x = self.elementwise("ln", self.conv(t.args[0]))
            if len(t.args) > 1 and t.args[1] != sp.E:
                return x / sp.log(self.scalar_only(self.conv(t.args[1]), "a log base"))
            return x
        if isinstance(t, (sp.Sum, sp.Product)):
            return self.sum(t)
        if isinstance(t, sp.Limit):
            f, x, x0 = (self.conv(a) for a in t.args[:3])
            if not isinstance(x, sp.Symbol):
                raise NotUnderstood("a limit variable must be a plain name")
            return sp.Limit(self.scalar_only(f, "a limit"), x, x0)
        if isinstance(t, sp.Abs):
            return self.absolute(self.conv(t.args[0]))
        if isinstance(t, (sp.Max, sp.Min)):
            return t.func(*[self.scalar_only(self.conv(a), "max/min") for a in t.args])
        if isinstance(t, (sp.tanh, sp.sinh, sp.cosh, sp.sin, sp.cos)):
            return self.elementwise(t.func.__name__, self.conv(t.args[0]))
        if isinstance(t, sp.factorial):
            return sp.factorial(self.scalar_only(self.conv(t.args[0]), "a factorial"))
        raise NotUnderstood(f"this construct is not understood: {type(t).__name__}",
                            hint="see `symbp verify --help` for the notation symbp reads")

    def entry(self, e):
        kind = e[0]
        if kind == "atom":
            return self.atom(e[1])
        if kind == "group":
            return self.build(e[1])
        if kind == "abs":
            return self.absolute(self.build(e[1]))
        if kind == "norm":
            x = self.build(e[1])
            if not is_matrix(x):
                self.vector_name(x)  # \|x\|: x is a vector
                return sp.Abs(x)
            return sp.sqrt(sp.Trace(x.T * x))
        if kind == "deriv":
            return self.derivative(self.build(e[1]), self.build(e[2]), e[3])
        if kind == "call":
            return self.call(e[1], e[2], e[3], e[4])
        if kind == "entry":  # (W^l)_{jk}: entry j, k of a matrix (entry j of a vector)
            m = self.build(e[1])
            if not is_matrix(m):
                raise NotUnderstood("a subscript on a parenthesised scalar is not understood")
            idx = [_index(i) for i in e[2]]
            if len(idx) == 1:
                if m.shape[1] != 1:
                    raise NotUnderstood("a matrix entry needs two indices, as in (W^l)_{jk}")
                idx.append(sp.Integer(1))
            for i, dim in zip(idx, m.shape):
                if isinstance(i, sp.Symbol):
                    self.env.index_names.add(i.name)
                    known = self.env.index_bounds.setdefault(i, dim)
                    if known != dim:
                        self.env.unify(known, dim, f"the index {i} runs over 1..{known} in "
                                                   f"one place and over 1..{dim} in another")
            return MatrixElement(m, idx[0] - 1, idx[1] - 1)
        if kind == "ones":  # \mathbf{1}: ones, its length from its neighbours
            self.env.ones += 1
            return sp.OneMatrix(self.env.find(sp.Symbol(f"r_{{1{self.env.ones}}}", integer=True,
                                                        positive=True)), 1)
        if kind == "pattern":  # [a_1; ⋮; a_j − 1; ⋮; a_n]
            return self.pattern_vector([None if r is None else self.scalar_only(
                self.build(r), "an entry of a written vector") for r in e[1]])
        if kind == "cases":  # \begin{cases} 1, & x > 0 \\ 0, & x < 0 \end{cases}
            relations = {">": sp.StrictGreaterThan, "<": sp.StrictLessThan, "=": sp.Eq,
                         "\\ge": sp.GreaterThan, "\\geq": sp.GreaterThan,
                         "\\le": sp.LessThan, "\\leq": sp.LessThan, "\\ne": sp.Ne,
                         "\\neq": sp.Ne}
            pieces = []
            for value, cond in e[1]:
                v = self.scalar_only(self.build(value), "a case's value")
                if cond is None:
                    pieces.append((v, True))
                    continue
                left, op, right = cond
                pieces.append((v, relations[op](
                    self.scalar_only(self.build(left), "a case's condition"),
                    self.scalar_only(self.build(right), "a case's condition"))))
            return sp.Piecewise(*pieces)
        if kind == "explicit":  # \begin{bmatrix} … \end{bmatrix}
            cells = [[self.scalar_only(self.build(c), "an entry of a written matrix")
                      for c in row] for row in e[1]]
            return sp.ImmutableMatrix(cells)
        if kind == "dvar":
            if e[1].name in self.env.defined_names:  # df with f defined: d of its expression
                return differential(self.atom(e[1]), self.written_differentials(),
                                    self.env.written_only, self.env.layered,
                                    self.env.fixed_names)
            return differential_of_variable(self.atom(e[1]))
        if kind == "differential":
            return differential(self.build(e[1]), self.written_differentials(),
                                self.env.written_only, self.env.layered, self.env.fixed_names)
        raise NotUnderstood("a transpose or ⊙ is misplaced",
                            hint="write X^T after a name or a parenthesised group, "
                                 "and ⊙ between two factors")

    def written_differentials(self) -> list:
        """The dX the claim writes of undefined names (df of a defined f is d of its
        expression, not a variable)."""
        return [differential_of_variable(self.atom(x[1])) for x in self.table.values()
                if x[0] == "dvar" and x[1].name not in self.env.defined_names]

    def kronecker(self, args):
        """A ⊗ B: the Kronecker product of the products on each side (⊗ binds looser
        than juxtaposition, as ⊙ does)."""
        segments = self.split_at(args, "kronecker")
        if any(not seg for seg in segments):
            raise NotUnderstood("⊗ needs a factor on each side")
        factors = [self.mul(seg) for seg in segments]
        for f in factors:
            if not is_matrix(f):
                raise NotUnderstood("⊗ is read between matrices",
                                    hint="write A \\otimes B with A and B matrices")
        return KroneckerProduct(*factors)

    def split_at(self, items, kind) -> list[list]:
        """``items`` cut at the placeholders of ``kind`` (⊗, ·): the runs between them."""
        runs, current = [], []
        for a in items:
            if self.marker(a, kind):
                runs.append(current)
                current = []
            else:
                current.append(a)
        runs.append(current)
        return runs

    def marker(self, t, kind):
        return isinstance(t, sp.Symbol) and self.table.get(t.name, ("",))[0] == kind

    def mul(self, args):
        if any(self.marker(a, "kronecker") for a in args):
            return self.kronecker(args)
        segments, current = [], []
        for a in args:
            if self.marker(a, "hadamard"):
                segments.append(current)
                current = []
            elif self.marker(a, "dot"):
                current.append(a)
            else:
                current.append(self.conv(a))
        segments.append(current)
        if len(segments) == 1:
            return self.product(segments[0])
        for seg in segments:
            if not seg:
                raise NotUnderstood("⊙ needs a factor on each side")
            if len(seg) == 1 and not is_matrix(seg[0]) and any(
                    is_matrix(f) for other in segments for f in other):
                self.vector_name(seg[0])  # x ⊙ y next to a vector: x is a vector
        if not any(is_matrix(f) for seg in segments for f in seg):
            for seg in segments:  # b ⊙ c alone: ⊙ is entrywise, so b and c are vectors
                if len(seg) == 1:
                    self.vector_name(seg[0])
            # (ŷ − y) ⊙ σ'(z) with every quantity read as one number (a unit, or names the
            # definitions make numbers): entry by entry, ⊙ is the product — unless matrices
            # are about, whose transposes a reading in numbers would not see
            if self.env.matrix_text:
                raise NotUnderstood("⊙ between quantities read as numbers, next to matrices: "
                                    "which of them are vectors could not be inferred",
                                    hint=r"write the vectors bold (\mathbf{z}) or with a "
                                         "layer (z^l)")
            self.env.notes.add("⊙ between quantities read as numbers: their product (the "
                               "identity entry by entry)")
            return sp.Mul(*[self.product(seg) for seg in segments])
        try:
            return self.hadamard_loose(segments)
        except ShapeConflict:
            tight = self.hadamard_tight(segments)
            if tight is None:
                raise
            self.env.notes.add("⊙ read as binding only its neighbouring factors (the "
                               "reading with whole products on each side cannot be formed)")
            return tight

    def hadamard_loose(self, segments):
        """``W^T δ ⊙ σ'(z)`` = (W^T δ) ⊙ σ'(z): ⊙ binds looser than the products next to
        it, the convention of Nielsen's BP2 and of course notes."""
        parts = []
        for seg in segments:
            if not any(is_matrix(f) for f in seg):
                # σ'(z) ⊙ … with z read as a number: z is a vector after all; else the reader,
                # not the claim, failed (a number ⊙ a vector is read by nobody as "false")
                for f in seg:
                    for name in sorted(getattr(f, "free_symbols", ()), key=str):
                        if self.vector_name(name, probe=True):
                            self.vector_name(name)
                raise NotUnderstood("⊙ between a vector and a quantity read as a number: "
                                    "which names are vectors could not be inferred",
                                    hint=r"write the vectors bold (\mathbf{z}) or with a "
                                         "layer (z^l)")
            parts.append(self.product(seg))
        if any(len(seg) > 1 for seg in segments):
            self.env.notes.add("⊙ read as applying to the whole product on each side, "
                               "as in (W^T δ) ⊙ σ'(z)")
        first = parts[0]
        for p in parts[1:]:
            self.same_shape(first, p, "⊙")
        return HadamardProduct(*parts)

    def hadamard_tight(self, segments):
        """``(a - y) ⊙ σ'(z) a^T`` = ((a - y) ⊙ σ'(z)) a^T: ⊙ binds its neighbours only;
        None when that reading cannot be formed either."""
        factors = list(segments[0])
        try:
            for seg in segments[1:]:
                left, right = factors[-1], seg[0]
                if not (is_matrix(left) and is_matrix(right)):
                    return None
                self.same_shape(left, right, "⊙")
                factors[-1] = HadamardProduct(left, right)
                factors.extend(seg[1:])
            return self.product(factors)
        except ShapeConflict:
            return None

    def vector_name(self, f, probe: bool = False) -> bool:
        """``f`` is a plain lowercase Latin name (or θ, β, μ, ω, φ, ψ, ξ: parameters that
        CS229 and GBC write as vectors) that was read as a scalar but is used as a vector
        (multiplied on the right of a matrix, added to a vector, in a norm, in diag or ⊙):
        mark it a vector and rebuild (:class:`Retry`).  Other Greek letters (η, λ, α),
        indices, sizes, e and names a definition makes scalar stay scalars."""
        if isinstance(f, sp.Mul) and len(f.args) == 2 and f.args[0].is_Number:
            f = f.args[1]
        if not (isinstance(f, sp.Symbol) and f.is_integer is not True
                and re.fullmatch(r"[a-z](?:_\d+|_cjk[A-P]+|_[A-Za-z]{4,}|_(?:out|in|hid))?|"
                                 r"[a-z]{2,}_\d+|(?:delta|sigma)_cjk[A-P]+|"
                                 r"(?:theta|beta|mu|omega|phi|psi|xi)(?:_\d+)?", f.name)
                and f.name != "e"
                and f.name not in self.env.scalar_names
                and f.name not in self.env.vector_names):
            return False
        if probe:
            return True
        self.env.vector_names.add(f.name)
        raise Retry()

    def pattern_vector(self, rows):
        """A column written [x_1; ⋮; x_n] or [x_1; ⋮; s_j; ⋮; x_n]: entry i is the first row
        with its index 1 read as i (the last row, with n read as i, must say the same), and
        entry j is the middle row.  Its length is the n of the last row."""
        first, last = rows[0], rows[-1]
        special = rows[2] if len(rows) == 5 else None
        ones = {x for x in sp.preorder_traversal(first)
                if isinstance(x, sp.Indexed) and x.indices == (1,)}
        ends = {x for x in sp.preorder_traversal(last) if isinstance(x, sp.Indexed)
                and len(x.indices) == 1 and isinstance(x.indices[0], sp.Symbol)
                and (x.indices[0].name in self.env.size_names or x.indices[0].name in "nNmK")}
        sizes = {x.indices[0] for x in ends}
        if not ones or len(sizes) != 1:
            raise NotUnderstood("a column written with \\vdots is read when its first row "
                                "uses index 1 and its last row index n (a_1, ⋮, a_n)")
        last_index = sizes.pop()
        n = self.env.size(last_index.name)
        i = sp.Dummy("i", integer=True, positive=True)
        generic = first.xreplace({x: x.base[i] for x in ones})
        if generic != last.xreplace({x: x.base[i] for x in ends}):
            raise NotUnderstood("the first and last rows around \\vdots do not follow one "
                                "pattern")
        r = sp.Dummy("r", integer=True)
        entry = generic.xreplace({i: r + 1})
        if special is not None:
            marks = {x.indices[0] for x in sp.preorder_traversal(special)
                     if isinstance(x, sp.Indexed) and len(x.indices) == 1
                     and isinstance(x.indices[0], sp.Symbol) and x.indices[0] != last_index}
            if len(marks) != 1:
                raise NotUnderstood("the middle row between two \\vdots must name its entry "
                                    "(a_j − 1: the j-th)")
            j = marks.pop()
            entry = sp.Piecewise((special, sp.Eq(r + 1, j)), (entry, True))
        return PatternVector(n, sp.Lambda(r, entry))

    def row_name(self, t) -> None:
        """A plain lowercase name added to a matrix product (Y = XW + b, CS231n) is a row
        added to every row: mark it and rebuild (:class:`Retry`).  A numbered one (b_1 in
        H = max(0, XW_1 + b_1)) is first made a name of its own, like W_1."""
        if isinstance(t, sp.Indexed) and len(t.indices) == 1 and t.indices[0].is_Integer \
                and re.fullmatch(r"[a-z]", str(t.base)) \
                and str(t.base) not in self.env.letter_indexed \
                and str(t.base) not in self.env.labelled:
            self.env.labelled.add(str(t.base))
            raise Retry()
        if isinstance(t, sp.Symbol) and re.fullmatch(r"[a-z](?:_\d+)?", t.name) and t.name != "e" \
                and t.is_integer is not True and t.name not in self.env.scalar_names \
                and t.name not in self.env.row_vectors:
            self.env.row_vectors.add(t.name)
            raise Retry()

    def scalar_name(self, m) -> None:
        """A capital read as a matrix (C_0, A) that is added to a number is a number:
        mark it a scalar and rebuild (:class:`Retry`) — unless its shape was fixed."""
        if isinstance(m, sp.MatMul) and len(m.args) == 2 and m.args[0].is_Number:
            m = m.args[1]  # −M in f_{y_i} − M
        if isinstance(m, sp.MatrixSymbol) and re.fullmatch(r"[A-Z](?:_\d+)?", m.name) \
                and all(self.env.flexible(self.env.find(d)) for d in m.shape) \
                and m.name not in self.env.scalar_names:
            self.env.scalar_names.add(m.name)
            raise Retry()

    def product(self, factors):
        """The product of the factors; a ``\\cdot`` between two columns (∇C · Δv) is their
        dot product uᵀv (entrywise with ``env.cdot_entrywise``), elsewhere a product."""
        if any(self.marker(f, "dot") for f in factors):
            groups = self.split_at(factors, "dot")
            if any(not g for g in groups):
                raise NotUnderstood("\\cdot needs a factor on each side")
            out = self.product(groups[0])
            for g in groups[1:]:
                out = self.dot(out, self.product(g))
            return out
        return self.plain_product(factors)

    def dot(self, u, v):
        if is_matrix(u) and is_matrix(v) and u.shape[1] == 1 and v.shape[1] == 1 \
                and u.shape != (1, 1) and v.shape != (1, 1):
            self.same_shape(u, v, "·")
            if self.env.cdot_entrywise:
                return HadamardProduct(u, v)
            return sp.Trace(sp.MatMul(u.T, v))
        return self.plain_product([u, v])

    def plain_product(self, factors):
        for prev, f in zip(factors, factors[1:]):
            if is_matrix(prev) and prev.shape[1] != 1:
                self.vector_name(f)  # A x: x is a vector
        scalars = [f for f in factors if not is_matrix(f)]
        mats = [f for f in factors if is_matrix(f)]
        if len(mats) > 1:
            mats = [m[0, 0] if m.shape == (1, 1) else m for m in mats]
            scalars += [m for m in mats if not is_matrix(m)]
            mats = [m for m in mats if is_matrix(m)]
        for left, right in zip(mats, mats[1:]):
            self.env.unify(left.shape[1], right.shape[0],
                           f"the product {shape_text(left)} · {shape_text(right)} "
                           f"has inner sizes that differ")
        out = sp.Mul(*scalars)
        if mats:
            m = sp.MatMul(*mats) if len(mats) > 1 else mats[0]
            return m if out == 1 else out * m
        return out

    def add(self, terms):
        mats = [t for t in terms if is_matrix(t)]
        if not mats:
            return sp.Add(*terms)
        scalars = [t for t in terms if not is_matrix(t)]
        if any(m.shape[1] == 1 and m.shape != (1, 1) for m in mats):
            for t in scalars:
                name = getattr(t, "name", None)
                if name in self.env.broadcast_names:
                    continue  # the other reading: x + c with c one number on every entry
                if self.vector_name(t, probe=True):
                    self.env.added_vectors.add(name)
                self.vector_name(t)  # Ax - b: b is a vector
        if any(s != 0 for s in scalars):
            if all(m.shape == (1, 1) for m in mats):
                return sp.Add(*scalars, *[m[0, 0] for m in mats])
            numbers = [t for t in scalars if t.is_number
                       or getattr(t, "name", None) in self.env.broadcast_names]
            if len(numbers) == len(scalars) and all(m.shape[1] == 1 for m in mats) \
                    and self.env.find(mats[0].shape[0]) != 1:
                # 1 - a, 1 + e^{-z} for a vector: the number on every entry (course notes)
                for m in mats[1:]:
                    self.same_shape(mats[0], m, "+")
                self.env.notes.add("a number added to a vector is added to every entry")
                ones = sp.OneMatrix(*mats[0].shape)
                return sp.MatAdd(*mats, *[c * ones for c in numbers])
            for m in mats:
                self.scalar_name(m)  # C = C_0 + λ/2n Σ w²: the capital C_0 is a number
            if len(scalars) == 1 and all(m.shape[1] != 1 for m in mats):
                self.row_name(scalars[0])  # XW + b (CS231n): b is a row on every row
            if any(getattr(t, "free_symbols", None) for t in scalars) or any(
                    not m.free_symbols <= {d for d in m.shape if isinstance(d, sp.Symbol)}
                    and _scaled(m) for m in mats):
                # y + θX, with θ or y read as numbers: the reading failed, not the claim
                raise NotUnderstood(f"a quantity read as a number is added to "
                                    f"{shape_text(mats[0])}: which names are vectors could "
                                    "not be inferred",
                                    hint=r"write vectors bold (\mathbf{y}) or use them as "
                                         r"vectors elsewhere (y^T, \|y\|)")
            raise ShapeConflict(f"a scalar is added to {shape_text(mats[0])}")
        columns = [m for m in mats if isinstance(m, sp.MatrixSymbol) and m.shape[1] == 1
                   and m.name.startswith("\\mathbf{") and m.name[8:9].islower()
                   and "^" not in m.name and m.name not in self.env.row_vectors]
        if len(columns) == 1 and len(mats) == 2 and any(
                isinstance(m, sp.MatMul) and m.shape[1] != 1 for m in mats) \
                and self.env.flexible(self.env.find(columns[0].shape[0])):
            # \mathbf{X}\mathbf{W} + \mathbf{b}: b, written bold, is the row added to every
            # row (d2l), not a column
            self.env.row_vectors.add(columns[0].name)
            raise Retry()
        rows = [m for m in mats if isinstance(m, sp.MatrixSymbol) and m.shape[0] == 1
                and m.name in self.env.row_vectors]
        full = [m for m in mats if m not in rows]
        if rows and full:  # XW + b: the row b added to every row of XW, as NumPy broadcasts
            self.env.notes.add(f"{', '.join(m.name for m in rows)} (a row) is added to every "
                               "row, as NumPy broadcasts")
            for m in rows:
                self.env.unify(m.shape[1], full[0].shape[1],
                               f"the row {m.name} and {shape_text(full[0])} differ in width")
            mats = full + [sp.OneMatrix(full[0].shape[0], 1) * m for m in rows]
        for m in mats[1:]:
            self.same_shape(mats[0], m, "+")
        return sp.MatAdd(*mats) if len(mats) > 1 else mats[0]

    def same_shape(self, a, b, op):
        why = f"{shape_text(a)} {op} {shape_text(b)}: the shapes differ"
        if not is_matrix(a) or not is_matrix(b):
            raise ShapeConflict(why)
        self.env.unify(a.shape[0], b.shape[0], why)
        self.env.unify(a.shape[1], b.shape[1], why)

    def square(self, a, what):
        if isinstance(a, KroneckerProduct):  # tr(A ⊗ B), (A ⊗ B)⁻¹: A and B square
            for f in a.args:
                self.square(f, what)
            return
        self.env.unify(a.shape[0], a.shape[1], f"{what} needs a square matrix, "
                                               f"but {shape_text(a)} is not square")

    def power(self, base_t, exp_t):
        if self.marker(exp_t, "transpose"):
            b = self.conv(base_t)
            return b.T if is_matrix(b) else b
        if self.marker(exp_t, "invtranspose"):  # X^{-T} = (X^{-1})^T
            b = self.conv(base_t)
            if not is_matrix(b):
                return sp.Pow(b, -1)
            self.square(b, "an inverse")
            return sp.Inverse(b).T
        b = self.conv(base_t)
        e = self.conv(exp_t)
        if not is_matrix(b):
            if is_matrix(e):
                raise NotUnderstood("a matrix in an exponent is not understood")
            return sp.Pow(b, e)
        if e == -1:
            if b.shape[1] == 1 and self.env.find(b.shape[0]) != 1:
                # 1/(1 + e^{-z}) of a vector z: entrywise (there is no inverse of a vector)
                self.env.notes.add("1/v of a vector v read entrywise")
                return HadamardPower(b, -1)
            self.square(b, "an inverse")
            return sp.Inverse(b)
        if getattr(e, "is_Integer", False) and e < -1:  # X^{-2} = (X^{-1})^2
            self.square(b, "an inverse")
            return sp.MatPow(sp.Inverse(b), -e)
        if getattr(e, "is_Integer", False) and e > 0:
            if b.shape[1] == 1 and self.env.find(b.shape[0]) != 1:
                raise NotUnderstood("the power of a vector is ambiguous",
                                    hint=r"write v^T v or \|v\|_2^2")
            self.square(b, "a matrix power")
            return sp.MatPow(b, e)
        raise NotUnderstood("this power of a matrix is not understood")

    def sum(self, t):
        body, limits = t.args[0], t.args[1:]
        new_limits = []
        for var_t, lo_t, hi_t in limits:
            var = self.conv(var_t)
            if not isinstance(var, sp.Symbol):
                raise NotUnderstood("a summation index must be one letter")
            name = var.name
            self.env.index_names.add(name)
            new_limits.append((sp.Symbol(name, integer=True), lo_t, hi_t))
        f = self.conv(body)
        if is_matrix(f):
            raise NotUnderstood("a sum of matrices over an index is not supported")
        out_limits = []
        excluded = []
        for var, lo_t, hi_t in new_limits:
            entry = self.table.get(lo_t.name) if isinstance(lo_t, sp.Symbol) else None
            if entry is not None and entry[0] == "except":  # \sum_{i \ne k}
                other = sp.Symbol(entry[1], integer=True)
                self.env.index_names.add(entry[1])
                excluded.append((var, other))
                lo_t = sp.Integer(1)
            lo = self.conv(lo_t)
            if isinstance(hi_t, sp.Symbol) and hi_t.name == SIZE_KEY and var in \
                    self.env.index_bounds:
                hi = self.env.index_bounds[var]
            else:
                hi = self.conv(hi_t)
                bound = self.env.index_bounds.get(var)
                if bound is not None and bound != hi and isinstance(hi, sp.Symbol):
                    # \sum_{i=1}^{n} x_i A_{ij}: A's size along i is n
                    self.env.unify(bound, hi, f"the index {var} runs over 1..{hi} in the sum "
                                              f"and over 1..{bound} in a matrix")
            f = f.xreplace({sp.Symbol(var.name, real=True): var})
            out_limits.append((var, lo, hi))
        if isinstance(t, sp.Sum) and mentions_network(f):
            return NetSum(f, *out_limits)
        total = (sp.Sum if isinstance(t, sp.Sum) else sp.Product)(f, *out_limits)
        for var, other in excluded:  # Σ_{i≠k} f(i) = Σ_i f(i) − f(k)
            total = total - f.xreplace({var: other})
        return total

    def absolute(self, x):
        if is_matrix(x):
            self.square(x, "a determinant |X|")
            return sp.Determinant(x)
        return sp.Abs(x)

    def scalar_only(self, x, what):
        if is_matrix(x):
            raise ShapeConflict(f"{what} of {shape_text(x)} is not defined")
        return x

    def elementwise(self, name, x, primes=0, func=None):
        if name in ("exp", "ln") and is_matrix(x) and x.shape[1] != 1:
            raise NotUnderstood(f"{name} of a matrix is ambiguous (matrix {name} or entrywise?)",
                                hint="apply it to a column vector or to entries")
        if func is None:
            fn = ELEMENTWISE[name]
            if primes:  # \tanh'(z): the derivative of the named function, at the argument
                u, plain = sp.Dummy("u", real=True), fn
                fn = (lambda arg, p=primes: _derivative_at(plain, u, p, arg))
        else:
            u = sp.Dummy("u", real=True)
            fn = (lambda arg, f=func, p=primes: _derivative_at(f, u, p, arg)) if primes else func
        if is_matrix(x):
            t = sp.Dummy("t", real=True)
            return x.applyfunc(sp.Lambda(t, fn(t)))
        return fn(x)

    def call(self, fname, primes, args, index):
        vals = [self.build(a) for a in args]
        if fname in ("max", "min"):
            if primes:
                raise NotUnderstood("a prime on max/min is not understood")
            mats = [v for v in vals if is_matrix(v)]
            if len(mats) == 1 and all(v.is_number for v in vals if not is_matrix(v)):
                # max(0, Z) of a matrix: entrywise (ReLU), as course notes write it
                t = sp.Dummy("t", real=True)
                op = sp.Max if fname == "max" else sp.Min
                rest = [v for v in vals if not is_matrix(v)]
                self.env.notes.add(f"{fname}(…) of a matrix read entrywise")
                return mats[0].applyfunc(sp.Lambda(t, op(t, *rest)))
            return (sp.Max if fname == "max" else sp.Min)(
                *[self.scalar_only(v, fname) for v in vals])
        if len(vals) != 1 and fname not in GENERIC and fname not in self.env.functions:
            raise NotUnderstood(f"{fname} takes one argument")
        x = vals[0]
        if fname == "sigma":
            opaque = self.env.network is not None and not self.env.user_sigma
            return self.elementwise("sigma", x, primes, Logistic if opaque else SIGMA)
        if fname in GENERIC or fname in self.env.functions:
            func = sp.Function(fname, real=True)
            if len(vals) > 1:
                if primes:
                    raise NotUnderstood("a prime on a function of several variables")
                return func(*[self.scalar_only(v, fname) for v in vals])
            return self.elementwise(fname, x, primes, func)
        if fname in ELEMENTWISE and fname not in ("sign", "relu"):  # no ordinary derivative
            return self.elementwise(fname, x, primes)
        if fname == "relu" and primes == 1:  # ReLU′: the step, wherever it is defined (x ≠ 0)
            self.env.notes.add("ReLU′ read as the step function 𝟙(x > 0) (undefined at 0)")
            return self.elementwise("step", x)
        if primes:
            raise NotUnderstood(f"a prime on {fname} is not understood",
                                hint=r"write \frac{d}{dx}")
        if fname in ELEMENTWISE:
            return self.elementwise(fname, x)
        if fname == "vec":  # vec(X): X's columns stacked (Matrix Cookbook §10.2.2)
            if not is_matrix(x):
                raise NotUnderstood("vec(…) is read of a matrix")
            return Vec(x)
        if fname == "tr":
            if not is_matrix(x):
                self.env.notes.add("the trace of a number is the number (a 1×1 matrix)")
                return x  # tr(a) = a: the trace trick's first step
            self.square(x, "a trace")
            return sp.Trace(x)
        if fname == "det":
            return self.absolute(x) if is_matrix(x) else x
        if fname == "diag":
            if not is_matrix(x):
                self.vector_name(x)  # diag(x): x is a vector
            if not is_matrix(x) or x.shape[1] != 1:
                raise NotUnderstood("diag(v) needs a column vector v")
            return sp.DiagMatrix(x)
        if fname == "softmax":
            return self.softmax(x, index)
        raise NotUnderstood(f"the function {fname} is not understood")

    def softmax(self, x, index):
        i = sp.Dummy("i", integer=True)
        if is_matrix(x) and index is None and isinstance(x, (sp.MatrixSymbol, sp.MatAdd,
                                                             sp.MatMul)) \
                and isinstance(self.env.find(x.shape[1]), sp.Symbol) and x.shape[0] != 1:
            # softmax(O) of a batch (d2l, CS231n): the softmax of each row
            from ..core.matrixcalc import RowSoftmax

            self.env.notes.add("softmax of a matrix read row by row (rows layout: one "
                               "example per row)")
            return RowSoftmax(x)
        if is_matrix(x) and x.shape[1] == 1:  # softmax(\mathbf{z}): the vector e^{z}/Σ e^{z}
            e = self.elementwise("exp", x)
            v = e * (1 / (sp.OneMatrix(1, x.shape[0]) * e)[0, 0])
            if index is None:
                return v
            j = _index(index.strip())
            if isinstance(j, sp.Symbol):
                self.env.index_names.add(j.name)
                known = self.env.index_bounds.setdefault(j, x.shape[0])
                if known != x.shape[0]:
                    self.env.unify(known, x.shape[0], f"the index {j} runs over different sizes")
            return MatrixElement(v, j - 1, 0)
        if isinstance(x, sp.Indexed) and index is None and len(x.indices) == 1:
            base, j = x.base, x.indices[0]
        elif isinstance(x, sp.Symbol) and index is not None:
            base, j = sp.IndexedBase(sp.Symbol(x.name, real=True)), _index(index.strip())
            self.env.index_names.add(str(j))
        else:
            raise NotUnderstood("softmax is understood as softmax(z)_j or softmax(z_j)")
        n = self.env.default_size
        return sp.exp(base[j]) / sp.Sum(sp.exp(base[i]), (i, 1, n))

    def derivative(self, f, x, order):
        """∂f/∂x in the layout the notes use (the gradient shaped like x, the Jacobian
        [∂f_i/∂x_j]), or in the one the writer names after the formula (``\\text{(分母布局)}``,
        denominator layout: Jacobians transposed; numerator layout: gradients transposed)."""
        d = self._derivative(f, x, order)
        gradient = isinstance(d, MatrixGradient) or (isinstance(d, NetGradient)
                                                     and not isinstance(d, NetJacobian))
        jacobian = isinstance(d, (Jacobian, NetJacobian)) and not isinstance(d, MatrixGradient)
        if (self.env.layout == "numerator" and gradient) or (
                self.env.layout == "denominator" and jacobian):
            self.env.notes.discard(JACOBIAN_NOTE)
            self.env.notes.add(f"{self.env.layout} layout, as the words after the formula say")
            return d.T
        return d

    def _derivative(self, f, x, order):
        net = self.env.network
        if net is not None and (mentions_network(f) or mentions_network(x)):
            if order != 1:
                raise NotUnderstood("higher derivatives of network quantities are not supported")
            if is_matrix(f):
                if f.shape[1] == 1 and isinstance(x, NetMatrix) and x.shape[1] == 1:
                    self.env.notes.add(JACOBIAN_NOTE)
                    return NetJacobian(f, x)
                raise NotUnderstood("the derivative of a matrix by a matrix is not supported; "
                                    "differentiate a scalar or a vector")
            if isinstance(x, NetMatrix):
                return NetGradient(f, x)
            if isinstance(x, MatrixElement) and isinstance(x.parent, NetMatrix):
                return NetDerivative(f, x)
            if isinstance(x, NetCost):
                raise NotUnderstood("differentiating by C is not understood")
            if isinstance(x, sp.Symbol) and x.name in ("a", "z") and net.base == "L" \
                    and mentions_network(f):
                # Nielsen's ∇_a C (BP1): the gradient by the output layer's a^L (z^L)
                self.env.notes.add(f"∇_{x.name} C read as ∇_{{{x.name}^L}} C")
                try:
                    return NetGradient(f, net.matrix(x.name, 0))
                except KeyError as exc:
                    raise NotUnderstood(str(exc)) from None
            if mentions_network(f):
                raise NotUnderstood(
                    f"{sp.sstr(x)} is not a quantity of the network, so how C depends on it "
                    "is unknown", hint="differentiate by a layer quantity such as z^l_j, "
                                       "a^L, w^l_{jk}, W^l or b^l")
        if isinstance(x, sp.Transpose) and isinstance(x.arg, sp.MatrixSymbol) \
                and x.arg.shape[1] == 1 and order == 1:
            # ∂f/∂xᵀ (explicit numerator layout): the Jacobian [∂f_i/∂x_j] of a vector f, the
            # gradient as a row for a number f
            d = self._derivative(f, x.arg, order)
            self.env.notes.add("∂f/∂xᵀ, a derivative by a row: numerator layout (the Jacobian "
                               "[∂f_i/∂x_j] of a vector, the gradient as a row of a number)")
            return d.T if isinstance(d, MatrixGradient) or not isinstance(d, Jacobian) else d
        if is_matrix(f) and f.shape == (1, 1):
            f = f[0, 0]
        if isinstance(f, sp.MatrixSymbol) and f != x and f.shape[1] == 1 \
                and isinstance(x, sp.MatrixSymbol) and x.shape[1] == 1 \
                and (re.sub(r"\\mathbf\{(.*)\}", r"\1", f.name) in self.env.defined_names
                     or "^" in f.name and f.name in self.env.defined_names):  # z^{L} = …
            self.env.notes.add(JACOBIAN_NOTE)  # ∂p/∂f with p = softmax(f) defined
            return Jacobian(f, x)
        if isinstance(f, sp.MatrixSymbol) and f != x:
            raise NotUnderstood(f"{f} is differentiated but not defined, so its dependence on "
                                "the variable is unknown",
                                hint="use --context (e.g. backprop, softmax_ce) or --define it")
        if isinstance(x, sp.MatrixSymbol):
            if is_matrix(f):
                if f.shape[1] == 1 and x.shape[1] == 1:
                    self.env.notes.add(JACOBIAN_NOTE)
                    return Jacobian(f, x)
                raise NotUnderstood("the derivative of a matrix by a matrix is not supported")
            return MatrixGradient(f, x)
        if isinstance(x, (sp.Symbol, sp.Indexed, MatrixElement)):
            if is_matrix(f):
                return f.applyfunc(lambda e: sp.Derivative(e, (x, order)))
            return sp.Derivative(f, (x, order))
        if not is_matrix(x) and not is_matrix(f) and order == 1 and isinstance(x, sp.Expr) \
                and x.free_symbols and (isinstance(x, (sp.Sum, sp.exp)) or x.is_Pow):
            # da_j/de^{net_k}, da_j/dΣ_m e^{net_m}: by an intermediate expression, the other
            # intermediates of the claim held fixed (see symbp.core.by_expression)
            known = self.env.intermediates
            if not any(k == x for k in known):
                known.append(x)
                if self.env.built_by_expression:
                    raise Retry()  # an earlier one was built without this intermediate
            self.env.built_by_expression = True
            self.env.notes.add("a derivative by an expression (de^{net_k}, dΣ_m e^{net_m}) "
                               "holds the claim's other such expressions fixed")
            return ByExpression(f, x, *known)
        raise NotUnderstood("a derivative must be taken with respect to a variable",
                            hint=r"e.g. \frac{\partial C}{\partial z_j}")
