"""Judging a user's claim ``lhs = rhs`` (or a chain ``a = b = c``).

Each ``=`` is one step, checked by :func:`symbp.core.witness.check_equation`
(a symbolic and a numeric witness; TRUE only when both say TRUE).  A step
whose sides cannot be formed (non-conforming shapes) is FALSE with the shapes
as the reason.  Everything else that goes wrong inside SymPy is UNDECIDED with
the reason; nothing here ever turns doubt into TRUE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.matexpr import MatrixElement

from ..core.context import (
    Assumption,
    Context,
    Definition,
    _rename_bound,
    restriction,
    positive_determinant,
    substitution,
    symmetric,
    sum_equals_one,
    vector_sums_to_one,
)
from ..core.explicit import all_free_symbols
from ..core.timeout import TimeLimitExceeded, time_limit
from ..core.verdict import Verdict
from ..core.witness import check_equation
from ..errors import InputError
from ..nn.activations import ACTIVATIONS
from ..nn.activations import sigma as SIGMA
from ..notation.contexts import defines_of, get_context
from ..notation.latex_in import (
    GREEK, LAYER, NAMED_FUNCS, NATIVE_FUNCS, TRANSPOSE, LatexInputError, cjk_labels,
    equals_signs, read_claim)
from .build import Builder, Env, NotUnderstood, Retry, ShapeConflict, is_matrix, shape_text
from .differential import DMatrix, DSymbol
from .network_definitions import as_backprop, restates_network
from .scanner import Scanner, subscript_label
from . import prime_of_group, training_examples
from .layer_letters import chained_weights, defined_through_itself, layer_families, renamer
from .network import (Jacobian, MatrixGradient, NetCost, NetGradient, NetMatrix,
                      PatternVector, mentions_network)
from .training_sums import NOTE as TRAINING_NOTE
from .training_sums import per_example

DEFAULT_TIMEOUT = 4.0


@dataclass
class Step:
    lhs: str
    rhs: str
    verdict: Verdict
    reason: str
    counterexample: dict | None = None
    definition: bool = False  # the step names something (a = …): nothing to check

    def to_dict(self) -> dict[str, Any]:
        out = {"lhs": self.lhs, "rhs": self.rhs, "verdict": self.verdict.value,
               "reason": self.reason, "counterexample": self.counterexample}
        if self.definition:
            out["definition"] = True
        return out


@dataclass
class Judgement:
    claim: str
    steps: list[Step] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        verdicts = [s.verdict for s in self.steps]
        if Verdict.FALSE in verdicts:
            return Verdict.FALSE
        checked = [s.verdict for s in self.steps if not s.definition]  # a = … names: skipped
        if checked and all(v is Verdict.TRUE for v in checked):
            return Verdict.TRUE
        return Verdict.UNDECIDED

    @property
    def first_wrong(self) -> int | None:
        for i, s in enumerate(self.steps):
            if s.verdict is Verdict.FALSE:
                return i
        return None

    @property
    def reason(self) -> str:
        i = self.first_wrong
        if i is not None:
            return self.steps[i].reason
        if self.verdict is Verdict.UNDECIDED:
            undecided = [s for s in self.steps if s.verdict is Verdict.UNDECIDED]
            return next((s.reason for s in undecided if not s.definition), undecided[0].reason)
        return "; ".join(s.reason for s in self.steps if not s.definition)

    @property
    def counterexample(self):
        i = self.first_wrong
        return self.steps[i].counterexample if i is not None else None

    def to_dict(self) -> dict[str, Any]:
        out = {"claim": self.claim, "verdict": self.verdict.value, "reason": self.reason,
               "counterexample": self.counterexample,
               "steps": [s.to_dict() for s in self.steps]}
        if self.first_wrong is not None:
            out["first_wrong_step"] = self.first_wrong + 1
        return out


def _definition(lhs, rhs, text) -> Definition:
    if isinstance(lhs, MatrixElement) and isinstance(lhs.parent, sp.MatrixSymbol) \
            and lhs.parent.shape[1] == 1 and lhs.j == 0 and not is_matrix(rhs):
        j = lhs.i + 1
        if isinstance(j, sp.Symbol):  # a^{(2)}_j = σ(z^{(2)}_j): the vector a^{(2)}, entrywise
            r = sp.Dummy("r", integer=True)
            return Definition(lhs.parent, PatternVector(lhs.parent.shape[0], sp.Lambda(
                r, _rename_bound(rhs).xreplace({j: r + 1}))), name=text)
    ok = (isinstance(lhs, sp.Indexed) and all(isinstance(i, (sp.Symbol, sp.Integer))
                                              for i in lhs.indices)) \
        or (isinstance(lhs, AppliedUndef) and all(isinstance(a, sp.Symbol) for a in lhs.args)) \
        or isinstance(lhs, (sp.Symbol, sp.MatrixSymbol))
    if not ok:
        raise LatexInputError(f"cannot define '{text}': the left side must be a name, "
                              "an indexed name (a_k) or a function of names (\\sigma(z))")
    return Definition(lhs, _rename_bound(rhs), name=text)


def _restates_builtin(lhs, rhs) -> bool:
    """A definition of a function symbp knows (ReLU, σ, tanh) written out as what it is:
    \\mathrm{ReLU}(z) = \\max(0, z).  (One that says otherwise stays an error.)"""
    if isinstance(lhs, (sp.Symbol, sp.Indexed, AppliedUndef, sp.MatrixSymbol)) \
            or is_matrix(lhs) or is_matrix(rhs) or not lhs.free_symbols \
            or not lhs.free_symbols <= rhs.free_symbols | lhs.free_symbols:
        return False
    try:
        d = lhs - rhs
        return sp.simplify(sp.piecewise_fold(d.rewrite(sp.Piecewise))) == 0 or \
            sp.simplify(d.rewrite(sp.exp)) == 0  # tanh x = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ)
    except Exception:  # noqa: BLE001 - cannot tell: not a restatement
        return False


def _atom_of(raw):
    tree = getattr(raw, "tree", None)
    if isinstance(tree, sp.Symbol):
        entry = raw.table.get(tree.name, ("",))
        if entry[0] == "atom":
            return entry[1]
    return None


def _atom_latex(a) -> str:
    name = a.name
    if "_" in name:  # out_o1, z_cjk…: a labelled name, written z_{cjk…}
        head, label = name.split("_", 1)
        name = f"{head}_{{{label}}}"
    for macro, mark in _ACCENTS.items():
        if name.endswith(mark):  # ŷ → \hat{y}
            name = "\\%s{%s}" % (macro, name[:-len(mark)])
    if re.fullmatch(r"[A-Za-z]{2,}", name) and name not in GREEK:
        name = "\\mathrm{%s}" % name  # net_j, Bishop's a_k renamed aK_k: one name
    elif name in GREEK:
        name = "\\" + name
    text = ("\\mathbf{%s}" % name) if a.bold else name
    if a.layer:  # z^{l-1} is the layer l − 1; a^{(k)}, a^{(2)}: labels in parentheses
        text += ("^{%s}" if LAYER.match(a.layer) else "^{(%s)}") % a.layer
    return text


#: names a generic function may be given and fresh names for its coefficients
_GENERIC_NAMES = set("LfJECg") | {"ell"}
_COEFFICIENTS = "GHKMNPQRSUV"
_GREEK_COEFFICIENTS = ("gamma", "kappa", "mu", "nu", "xi", "rho", "tau", "phi", "psi",
                       "omega", "eta", "zeta")
_DEFINED_NAME = re.compile(r"\s*(?:\\(mathbf|boldsymbol|bm|hat|tilde|bar|mathrm)\s*\{\s*)?\\?([A-Za-z]+)\s*\}?"
                           r"(?:\s*_\s*\{?\s*(\d|\w+|\\mathbf\s*\{\s*\w\s*\}|\\[A-Za-z]+)\s*\}?)?\s*"
                           r"(?:=|\(|_|\^)")


_FUNCTION_DEFINITION = re.compile(
    r"\s*(?:\\(?:mathrm|operatorname|text)\s*\{\s*([A-Za-z]+)\s*\}|\\([a-zA-Z]+)|([a-zA-Z]))"
    r"\s*\(\s*[a-zA-Z](?:\s*,\s*[a-zA-Z])*\s*\)\s*=")


def user_functions(defines) -> frozenset:
    """Names that definitions introduce as functions: ``\\zeta(x) = \\log(1 + \\exp(x))``,
    ``\\mathrm{softplus}(x) = …``, ``u(x) = …`` — read as functions wherever applied.
    Names symbp already knows (σ, ReLU, tanh …) keep their meaning."""
    out = set()
    for d in defines:
        m = _FUNCTION_DEFINITION.match(d)
        if not m:
            continue
        name = m.group(1) or m.group(2) or m.group(3)
        if name in GREEK or m.group(1) or m.group(3):
            if name not in NAMED_FUNCS and name not in NATIVE_FUNCS and name != "d":
                out.add(name)
    return frozenset(out)


def defined_names(defines) -> set:
    """The names the --define texts define: z for \\mathbf{z} = …, C_0 for C_0 = …, and
    with a layer also z^{L} for \\mathbf{z}^{L} = … (the name of that layer's vector)."""
    out = set()
    for d in defines:
        m = _DEFINED_NAME.match(d)
        if m:
            accent = _ACCENTS.get(m.group(1), "")
            sub = m.group(3) or ""  # C_0 = …, E_{total} = …: the subscript is part of the name
            if not sub.isdigit() or len(sub) > 1:
                sub = subscript_label(m.group(2), sub) or ""
            out.add(m.group(2) + accent + (f"_{sub}" if sub else ""))
            sup = re.match(r"\s*\^\s*(?:\{([^{}]*)\}|([A-Za-z]))\s*=", d[m.end() - 1:])
            layer = sup and LAYER.match((sup.group(1) or sup.group(2)).strip())
            numbered = sup and re.fullmatch(r"\(\s*(\d+)\s*\)", (sup.group(1) or "").strip())
            lettered = sup and re.fullmatch(r"\(\s*([A-Za-z])\s*(?:([+-])\s*(\d+)\s*)?\)",
                                            (sup.group(1) or "").strip())
            if numbered:  # \mathbf{z}^{(2)} = …: the name of layer 2's vector
                out.add(f"{m.group(2)}^{{({numbered.group(1)})}}")
            elif lettered and not layer:  # \mathbf{a}^{(k)} = …: GBC's layer k
                out.add(f"{m.group(2)}^{{{lettered.group(1)}"
                        f"{lettered.group(2) + lettered.group(3) if lettered.group(2) else ''}}}")
            if layer:
                out.add(f"{m.group(2)}^{{{layer.group(1)}"
                        f"{layer.group(2) + layer.group(3) if layer.group(2) else ''}}}")
    return out


def _generic_name(f) -> str | None:
    """L, f, J …, or a numbered capital C_0 (the unregularised cost): a name that may be
    read as a generic scalar function."""
    if f is None or f.layer or f.bold:
        return None
    if not f.indices:
        return f.name
    if f.name[0].isupper() and len(f.indices) == 1 and (
            f.indices[0].isdigit() or f.name in ("E", "C", "J", "L")):
        return f"{f.name}_{f.indices[0]}"  # C_0; Bishop's E_n, the error of example n
    return None


def _variable_keys(x: str) -> set:
    """The names a variable's text may be defined under: z_{cjk…} as z_cjk…, a_{j} and
    H_{ij} as a and H (their families), \\mathbf{z} as z."""
    plain = re.sub(r"\\(?:mathbf|mathrm)\{(\w+)\}", r"\1", x)
    if "^" in plain:  # h^{(k-1)}: that layer's name (h^{(k)} = f(a^{(k)}) does not define it)
        name, layer = plain.split("^", 1)
        layer = re.sub(r"[{}()\s]", "", layer)
        return {f"{name}^{{{layer}}}", f"{name}^{{({layer})}}"}
    key = re.sub(r"[{}]", "", plain)
    return {key, re.sub(r"_\w{1,2}$", "", key)}


def _uses(definition: str, x: str) -> bool:
    r"""Whether a definition's right side mentions the variable ``x`` (as _atom_latex
    writes it: \mathbf{a}^{(k)}, z_{j})."""
    rhs = definition.partition("=")[2]
    plain = lambda t: re.sub(r"\\(?:mathbf|boldsymbol|bm)\s*\{\s*(\w)\s*\}|\s+", r"\1", t)
    return plain(x) in plain(rhs)


def _normed(y: str, texts) -> bool:
    """A plain lowercase name inside a norm (‖w‖₂², J = J_0 + λ/2‖w‖²) or transposed: a vector."""
    if not re.fullmatch(r"[a-z]", y):
        return False
    name = rf"(?<![A-Za-z\\]){y}(?![A-Za-z_])"
    return any(re.search(rf"\\\|\s*{name}\s*\\\||{name}\s*\^\s*\{{?\s*(?:T|\\top)\b", t)
               for t in texts)


def _defined_as_vector(y: str, defines: list) -> bool:
    """z_{out} defined as W_{out} a + b (a capital's product): a vector, not a number."""
    key = re.sub(r"\s+", "", y)
    for d in defines:
        lhs, _, rhs = d.partition("=")
        if re.sub(r"\s+", "", lhs) == key and re.search(r"(?<![\\A-Za-z])[A-Z](?![a-z])", rhs):
            return True
    return False


def _generic_piece(y: str, fresh: list, free: list, vector: bool = False) -> str | None:
    """A term with an arbitrary gradient at every point in ``y``: tr(GᵀY) + tr(Hᵀ(Y⊙Y))
    for a matrix or vector, γy + κy² for a number, Σ_m (γ_m w_m + κ_m w_m²) for an
    indexed family w_j."""
    plain = re.sub(r"\\mathbf\{(\w)\}", r"\1", y)
    two = re.fullmatch(r"([a-zA-Z])_\{([a-zA-Z])([a-zA-Z])\}", y)
    if two and two.group(1).isupper():
        return None  # H_{ij}, entries of a matrix whose sizes the sums would have to match
    if two:  # h_{ij} a family of two indices: Σ_p Σ_q (γ_{pq} h_{pq} + κ_{pq} h_{pq}²)
        if len(fresh) < 2:
            return None
        g, h = fresh.pop(0), fresh.pop(0)
        w = two.group(1)
        return (f"\\sum_{{p}} \\sum_{{s}} (\\{g}_{{ps}} {w}_{{ps}} + \\{h}_{{ps}} {w}_{{ps}}^2)")
    m = re.fullmatch(r"([a-zA-Z]|\\mathrm\{[A-Za-z]+\})_\{?([a-zA-Z])\}?", y)
    if m:
        if len(fresh) < 2:
            return None
        g, h = fresh.pop(0), fresh.pop(0)
        w = m.group(1)
        return (f"\\sum_{{m}} (\\{g}_{{m}} {w}_{{m}} + \\{h}_{{m}} {w}_{{m}}^2)")
    if plain[0].isupper() or y.startswith("\\mathbf") or vector:
        if len(free) < 2:
            return None
        g, h = free.pop(0), free.pop(0)
        if (y.startswith("\\mathbf") or vector) and plain[0].islower():
            g, h = "\\mathbf{%s}" % g.lower(), "\\mathbf{%s}" % h.lower()
        return f"\\mathrm{{tr}}({g}^T {y}) + \\mathrm{{tr}}({h}^T ({y} \\odot {y}))"
    if len(fresh) < 2:
        return None
    g, h = fresh.pop(0), fresh.pop(0)
    return f"\\{g} {y} + \\{h} {y}^2"


_ARG = (r"(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*[A-Za-z]\s*\}|[A-Za-z])(?:_\{?\w\}?)?"
        r"(?:'{1,2}|\^\s*\{\s*'{1,2}\s*\})?")
_FUNCTION_OF = re.compile(rf"\s*(\\?[A-Za-z]+(?:_\{{?\w+\}}?)?)\s*=\s*([a-z]|\\ell)\s*\(\s*"
                          rf"({_ARG}(?:\s*,\s*{_ARG})*)\s*\)\s*")


_SIGMA_PRIME_MATRIX = re.compile(r"\\Sigma\s*(?:'|\^\s*\{?\s*\\prime\s*\}?)\s*\(")


def _sigma_prime_matrix(claim: str, defines: list) -> tuple[str, list]:
    """Nielsen's Σ'(z^L) (ch. 2, BP1 in matrix form): the square matrix with σ'(z^L) on its
    diagonal, diag(σ'(z^L)); a definition saying so is then redundant."""
    def rewrite(text: str) -> str:
        out, i = [], 0
        for m in _SIGMA_PRIME_MATRIX.finditer(text):
            close = Scanner.match_close(text, m.end() - 1)
            if close < 0 or m.start() < i:
                continue
            out.append(text[i:m.start()])
            out.append(f"\\mathrm{{diag}}(\\sigma'({text[m.end():close]}))")
            i = close + 1
        return "".join(out) + text[i:]

    kept = [d for d in defines if not (_SIGMA_PRIME_MATRIX.match(d.strip()) and "diag" in d)]
    return rewrite(claim), [rewrite(d) for d in kept]


_SUM_OVER_NAME = re.compile(r"\\sum\s*_\s*(?:\{\s*([a-z])\s*\}|([a-z]))(?![A-Za-z=])")


def _sum_over_parameters(claim: str, defines: list, assumes: list) -> tuple[str, list, list, list]:
    """Nielsen's L2 term λ/2n Σ_w w² (ch. 3, eq. 85): the sum runs over all the weights
    and ``w`` in the claim is any one of them.  Read as Σ_k w_k² with the claim's w one
    entry w_p.  Returns the claim, the definitions, the assumptions and a note."""
    names = {m.group(1) or m.group(2) for d in defines for m in _SUM_OVER_NAME.finditer(d)}
    for w in sorted(names):
        if not re.search(rf"\\partial\s*{w}(?![A-Za-z_^])", claim):
            continue
        used = set(re.findall(r"[a-z]", claim + " ".join(defines)))
        k, p = [c for c in "kqpuv" if c not in used][:2] or ("k", "p")
        bare = re.compile(rf"(?<![A-Za-z\\]){w}(?![A-Za-z_(])")
        summed = [d for d in defines if any((m.group(1) or m.group(2)) == w
                                            for m in _SUM_OVER_NAME.finditer(d))]
        defines = [bare.sub(f"{w}_{{{k}}}", _SUM_OVER_NAME.sub(
            lambda m: f"\\sum_{{{k}}}" if (m.group(1) or m.group(2)) == w else m.group(0), d))
            if d in summed else d for d in defines]
        claim = bare.sub(f"{w}_{{{p}}}", claim)
        assumes = [bare.sub(f"{w}_{{{p}}}", a) for a in assumes]
        note = (f"Σ_{w} over all the weights: read as Σ_{k} {w}_{k}, the claim's {w} as one "
                f"of them, {w}_{p}")
        return claim, defines, assumes, [note]
    return claim, defines, assumes, []


_SAMPLE_SUPERSCRIPT = re.compile(
    r"((?:\\(?:hat|tilde|bar)\s*\{\s*[a-zA-Z]\s*\}|(?<![A-Za-z\\])[a-zA-Z])\s*_\s*(?:\{[^{}]*\}|\w))"
    r"\s*\^\s*(?:\{\s*([a-km-z])\s*\}|([a-km-z]))(?![A-Za-z])")


def _sample_superscripts(claim: str, defines: list) -> tuple[str, list, list]:
    """周志华's ŷ_j^k (the j-th output for the k-th example): a letter superscript on an
    entry that a definition's left side carries names the example, not a power.  Every
    quantity of the claim is for the same example k, so the superscript is dropped."""
    letters = set()
    for d in defines:
        lhs = d.split("=", 1)[0]
        m = _SAMPLE_SUPERSCRIPT.fullmatch(lhs.strip())
        if m:
            letters.add(m.group(2) or m.group(3))
    if not letters:
        return claim, defines, []

    def drop(text: str) -> str:
        return _SAMPLE_SUPERSCRIPT.sub(
            lambda m: m.group(1) if (m.group(2) or m.group(3)) in letters else m.group(0), text)

    k = ", ".join(sorted(letters))
    note = (f"the superscript {k} on y_j^{k} names the example (as in 周志华's notation), "
            "not a power: every quantity is for that one example")
    return drop(claim), [drop(d) for d in defines], [note]


_GRADIENT_NAME = re.compile(r"\s*(d\s*(?:\\mathbf\s*\{\s*[A-Za-z]\s*\}|[A-Za-z])(?:_\{?\w\}?)?)"
                            r"\s*=\s*(\\frac\s*\{\s*\\partial[^{}]*\}\s*\{\s*\\partial[^{}]*\})\s*")


def _gradient_names(claim: str, defines: list) -> tuple[str, list, list]:
    """CS231n's ``dW = \\frac{\\partial L}{\\partial W}``: dW is the name of a gradient,
    not a differential; where the claim writes dW it means that derivative.  Returns the
    claim, the other definitions and notes."""
    kept, notes = [], []
    for d in defines:
        m = _GRADIENT_NAME.fullmatch(d)
        if not m:
            kept.append(d)
            continue
        pattern = r"\s*".join(re.escape(c) for c in m.group(1).replace(" ", ""))
        claim = re.sub(rf"(?<![A-Za-z\\]){pattern}(?![A-Za-z])", lambda _: f"({m.group(2)})",
                       claim)
        cost = re.match(r"\\frac\s*\{\s*\\partial\s*([^{}]*?)\s*\}", m.group(2)).group(1)
        # dW = X^T dY with dY so defined: dW is the gradient of the same L
        claim = re.sub(r"(?<![A-Za-z\\{])d([A-Z])(?![A-Za-z])",
                       lambda v: f"(\\frac{{\\partial {cost}}}{{\\partial {v.group(1)}}})", claim)
        notes.append(f"{m.group(1)} and the other d-names read as gradients of {cost}, "
                     f"as {d.strip()} says")
    return claim, kept, notes


def _letters_used(text: str) -> set:
    """The capitals of the names a text uses, lowercase ones too (h beside H: the fresh
    coefficient of a vector is written \\mathbf{h}, so neither may be taken)."""
    return {c.upper() for c in re.findall(r"[A-Za-z]", re.sub(r"\\[A-Za-z]+", " ", text))}


_INVERSE = re.compile(r"\s*(\\[A-Za-z]+|[a-z]|\\(?:mathrm|operatorname)\s*\{\s*[A-Za-z]+\s*\})\s*\^\s*\{\s*-\s*1\s*\}"
                      r"\s*\(\s*([a-z])\s*\)\s*=\s*([^=]+)")


def inverse_function(claim: str) -> tuple[str, str | None]:
    r"""``\sigma^{-1}(x) = \lograc{x}{1 - x}``: the inverse function, read as σ(log(x/(1−x))) = x
    (the same statement for a function that is one-to-one, as σ, ζ, tanh are)."""
    m = _INVERSE.fullmatch(claim)
    if not m:
        return claim, None
    f, x, rhs = m.groups()
    return (rf"{f}\left({rhs.strip()}\right) = {x}",
            f"{f}^{{-1}}({x}) = g({x}) read as {f}(g({x})) = {x}")


#: a generic function's name with a layer label, applied: f_l(z), g^{[l]}(Z), g^{[l]\prime}(Z)
_LABELLED_FUNCTION = re.compile(
    r"(?<![A-Za-z\\])([fg]|\\phi|\\varphi|\\psi)\s*(?:_\s*(\{\s*[lLk]\s*\}|[lLk])|\^\s*\{\s*([\[(]\s*"
    r"[lLk]\s*[\])])\s*(\\prime|')?\s*\})(?=\s*(?:'|\^\s*\{?\s*\\prime\s*\}?)*\s*\()")


def labelled_functions(claim: str, defines: list) -> tuple[str, list]:
    r"""UFLDL's and 邱锡鹏's f_l(z^{(l)}), Ng's g^{[l]}(Z^{[l]}) and g^{[l]\prime}: the layer's
    activation, a generic function.  When every text labels that function the same way
    (one layer's activation), the label is dropped: f_l′(z) is f′(z).  With two labels
    (f_l and f_{l+1}) they are different functions, and nothing is rewritten."""
    texts = [claim, *defines]
    labels: dict[str, set] = {}
    for t in texts:
        for m in _LABELLED_FUNCTION.finditer(t):
            labels.setdefault(m.group(1), set()).add(re.sub(r"\s+", "", m.group(2) or m.group(3)))
    single = {f for f, ls in labels.items() if len(ls) == 1}

    def plain(m):
        if m.group(1) not in single:
            return m.group(0)
        return m.group(1) + ("'" if m.group(4) else "")
    return _LABELLED_FUNCTION.sub(plain, claim), [_LABELLED_FUNCTION.sub(plain, d) for d in defines]


_CALLIGRAPHIC = re.compile(r"\\mathcal\s*\{\s*([A-Za-z])\s*\}|\\mathcal\s+([A-Za-z])")


def calligraphic(claim: str, defines: list) -> tuple[str, list]:
    r"""Ng's and d2l's loss \mathcal{L}: the name L (when no plain L is written as well;
    then it stays unread)."""
    texts = [claim, *defines]
    letters = {m.group(1) or m.group(2) for t in texts for m in _CALLIGRAPHIC.finditer(t)}
    for letter in letters:
        plain = re.compile(rf"(?<![A-Za-z\\{{]){letter}(?![A-Za-z])")
        if any(plain.search(_CALLIGRAPHIC.sub(" ", t)) for t in texts):
            continue
        texts = [_CALLIGRAPHIC.sub(lambda m: letter if (m.group(1) or m.group(2)) == letter
                                   else m.group(0), t) for t in texts]
    return texts[0], texts[1:]


_PARAMETER_LIST = re.compile(
    r"\s*((?:\\operatorname|\\mathrm)\s*\{\s*[A-Za-z]{2,}\s*\}|[A-Z](?:_\s*(?:\\[A-Za-z]+|\{\s*\\[A-Za-z]+"
    r"\s*\}))?|\\ell)\s*\(([^()=]+)\)\s*=")
#: f(\mathbf{x}) = ½ xᵀAx − bᵀx: a lowercase name of a function of a bold vector
_VECTOR_FUNCTION = re.compile(r"\s*([a-z])\s*\((\s*\\(?:mathbf|boldsymbol|bm)\s*\{\s*\\?[A-Za-z]+\s*\}"
                              r"(?:\s*,\s*\\(?:mathbf|boldsymbol|bm)\s*\{\s*\\?[A-Za-z]+\s*\})*\s*)\)\s*=")
_ARGUMENT = re.compile(r"\s*(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*\\?[A-Za-z]+\s*\}|\\?[A-Za-z]+)"
                       r"(?:\s*[_^]\s*(?:\{[^{}]*\}|\w))*\s*")


def parameter_lists(claim: str, defines: list) -> tuple[str, list]:
    r"""``R(W) = Σ_k Σ_l W_kl²``, ``L(a, y) = −(y ln a + …)``, ``\operatorname{LSE}(\mathbf{x})
    = ln Σ_i exp(x_i)``, ``ℓ(z) = …``: a quantity with its parameters listed, not a function
    to apply to other arguments — when every other place writes it bare or with the same
    arguments (never with a prime or other arguments), it is read as that name throughout.
    (In a claim alone, A(B) stays the product of two matrices.)"""
    for d in list(defines):
        m = _PARAMETER_LIST.match(d) or _VECTOR_FUNCTION.match(d)
        if not m or not all(_ARGUMENT.fullmatch(a) for a in m.group(2).split(",")) or \
                re.sub(r"\\(?:operatorname|mathrm)\s*\{\s*|\s*\}", "", m.group(1)).lstrip("\\") in (
                    *NAMED_FUNCS, *NATIVE_FUNCS, *GREEK, "softmax", "sigmoid"):
            continue  # \mathrm{ReLU}(z) = max(0, z): a function symbp knows, restated
        head = re.escape(m.group(1)).replace(r"\ ", r"\s*")
        args = r"\s*,\s*".join(re.escape(a.strip()).replace(r"\ ", r"\s*")
                                for a in m.group(2).split(","))
        call = re.compile(rf"(?<![A-Za-z\\]){head}(?![A-Za-z])\s*\(\s*{args}\s*\)")
        other = re.compile(rf"(?<![A-Za-z\\]){head}(?![A-Za-z])\s*(?:'|\^\s*\{{?\s*\\prime|\()")
        texts = [claim, *defines]
        if any(other.search(call.sub(" ", t)) for t in texts):
            continue  # f'(x) or f(2x) written: a function after all
        name = re.sub(r"\\operatorname", r"\\mathrm", m.group(1))
        claim, *defines = [call.sub(lambda _: " " + name + " ", t) for t in texts]
        # J(w) = J_0(w) + λ/2 ‖w‖²: the other capitals with the same parameters, too
        same = re.compile(rf"(?<![A-Za-z\\])([A-Z]_\s*(?:\{{\s*\w+\s*\}}|\w))\s*\(\s*{args}\s*\)")
        claim, *defines = [same.sub(lambda k: " " + k.group(1) + " ", t)
                           for t in [claim, *defines]]
    return claim, defines


def stated_dependence(claim: str, defines: list) -> tuple[list, list]:
    """``L = f(Y)`` with f named nowhere else says only that L is *some* scalar function
    of Y (CS231n's upstream loss): it becomes L = tr(GᵀY) + tr(Hᵀ(Y⊙Y)) with arbitrary
    G, H (see :func:`generic_functions`: a first-derivative identity holds for every such
    L exactly when it holds for this family).  Returns the definitions and notes."""
    out, notes = [], []
    functions = user_functions(defines) | defined_names(defines)
    text_all = claim + " ".join(defines)
    free = [c for c in _COEFFICIENTS if c not in _letters_used(text_all)]
    fresh = [g for g in _GREEK_COEFFICIENTS if "\\" + g not in text_all]
    for d in defines:
        m = _FUNCTION_OF.fullmatch(d)
        f = m and m.group(2).lstrip("\\")
        piece = None
        if m and f not in functions and f not in ("e", "d") and not re.search(
                rf"(?<![A-Za-z\\]){re.escape(m.group(2))}\s*(?:'|\()", claim):
            # L = l(\mathbf{o}, y): a generic function of each argument, added (its gradient
            # by each is arbitrary at a point, which is all a first-derivative claim uses)
            pieces = [_generic_piece(a.strip().replace(" ", ""), fresh, free)
                      for a in m.group(3).split(",")]
            piece = None if None in pieces else " + ".join(pieces)
        if piece is None:
            out.append(d)
            continue
        out.append(f"{m.group(1)} = {piece}")
        notes.append(f"{m.group(1)} = {m.group(2)}({m.group(3)}) read as a generic scalar "
                     f"function of {m.group(3)}: checked for {piece} with arbitrary "
                     "coefficients")
    return out, notes


def generic_functions(scanner, claim: str, defines: list, network: bool) -> list:
    """Undefined scalars that are differentiated (∂L/∂W with Y = XW given, df =
    tr((∂f/∂X)ᵀdX), ∂C_0/∂w_j) are read as a *generic* scalar function of the one quantity
    they are differentiated by that is defined (Y), or else of the variables they are
    differentiated by (X; w and b): the claim is then checked for L = tr(GᵀY) +
    tr(Hᵀ(Y⊙Y)) with arbitrary G, H (γ·y + κ·y² for a scalar, Σ_m γ_m w_m + κ_m w_m² for
    an indexed family), a family whose gradients at a point are arbitrary, so a
    first-derivative identity holds for every L exactly when it holds for this family.

    Returns [(name, argument, define text)]."""
    if network:
        return []
    defined = defined_names(defines)
    variables: dict[str, set] = {}
    uses: dict[str, int] = {}
    entries, scanned = list(scanner.table.values()), {}  # define → names it differentiates
    written = {a.name for a in scanner.atoms}
    for d in defines:  # δ_{out} = ∂E/∂z_{out} defined and δ_{out} used: its ∂E counts too
        head = defined_names([d])
        if not head & written or (head & _GENERIC_NAMES and not re.match(
                r"\s*\\(?:mathbf|boldsymbol|bm)\b", d)):  # \mathbf{g} = ∇_a J is no function
            continue
        try:
            table = list(read_claim(d)[0].table.values())
        except LatexInputError:
            continue
        entries += table
        scanned[d] = [_generic_name(_atom_of(e[1])) for e in table if e[0] == "deriv"]
    for entry in entries:
        if entry[0] == "deriv":
            f, x = _atom_of(entry[1]), _atom_of(entry[2])
            name = _generic_name(f)
            uses[name] = uses.get(name, 0) + 1
            if name is None or x is None or len(x.indices) > 2 or (
                    x.indices and not x.indices[0].isalpha()
                    and not (x.indices[0].isdigit() and x.name[0].isupper())) or (
                    len(x.indices) == 2 and not "".join(x.indices).isalpha()):
                variables.setdefault(name or getattr(f, "name", ""), set()).add("?")
                continue
            variables.setdefault(name, set()).add(
                _atom_latex(x) + (f"_{{{''.join(x.indices)}}}" if x.indices else ""))
        elif entry[0] == "dvar":
            variables.setdefault(entry[1].name, set())
            uses[entry[1].name] = uses.get(entry[1].name, 0) + 1
    text_all = claim + " ".join(defines)
    free = [c for c in _COEFFICIENTS if c not in _letters_used(text_all)]
    fresh = [g for g in _GREEK_COEFFICIENTS if "\\" + g not in text_all]
    out = []
    # E_k = ½ Σ_j (ŷ_j^k − y_j^k)² defined (周志华): the family E_k is defined, not generic
    families = {m.group(1) for d in defines
                if (m := re.match(r"\s*([A-Z])\s*_\s*\{?\s*[a-z]\s*\}?\s*=", d))}
    for name, xs in variables.items():
        base = name.split("_")[0]
        if "_" in name and base in families and not name.split("_")[1].isdigit():
            continue
        if not (base in _GENERIC_NAMES or (re.fullmatch(r"[a-zA-Z]", name)
                                           and uses.get(name, 0) >= 2)) \
                or name in defined or not xs:
            continue
        # the derivatives counted, and the other mentions in the definitions the claim uses
        mentioned = uses.get(name, 0) + sum(len(re.findall(
            re.escape(name).replace("_", r"\s*_\s*\{?\s*") + r"(?![A-Za-z0-9])", d))
            - scanned.get(d, []).count(name)
            for d in defines if defined_names([d]) & written)
        if mentioned < 2:
            # ∂C/∂z_j = a_j − y_j: the writer means one particular C, not any C — only a
            # claim that relates L's derivatives to each other (∂L/∂W = Xᵀ ∂L/∂Y, df =
            # tr(…)) holds for every L
            continue
        args = {x for x in xs - {"?"} if _variable_keys(x) & defined}
        if len(args) > 1:  # ∂J/∂a^{(k)} and ∂J/∂h^{(k)} with h^{(k)} = f(a^{(k)}): J of the top one
            args = {x for x in args if not any(
                _uses(d, x) for d in defines for y in args - {x}
                if _variable_keys(y) & defined_names([d]))} or args
        if "?" in xs and len(args) != 1:
            continue  # ∂E/∂w_{ji} with nothing defined to route it through: not read
        if len(args) != 1:
            # differentiated by one undefined variable only: by two (∂L/∂w and ∂L/∂a), the
            # writer chains them through definitions not given (a = σ(wx)), so L of two
            # independent variables would be a wrong reading
            args = xs if len(xs) == 1 and not (
                {re.sub(r"\\mathbf\{(\w)\}", r"\1", x) for x in xs} & defined) else set()
        if not args:
            continue
        pieces = [_generic_piece(y, fresh, free, _defined_as_vector(y, defines)
                                 or _normed(y, [claim, *defines]))
                  for y in sorted(args)]
        if None in pieces:
            continue
        out.append((name, ", ".join(sorted(args)), f"{name} = " + " + ".join(pieces)))
    return out


_INDEX_RELATION = re.compile(
    r"^\s*(?:\\text\s*\{\s*(?:for|if|when)\s*\}\s*)?([a-zA-Z](?:_\{?[a-zA-Z]\}?)?)\s*"
    r"(=|\\neq?(?![a-zA-Z])|\u2260)\s*([a-zA-Z](?:_\{?[a-zA-Z]\}?)?)\s*[.,;]?\s*$")


@dataclass
class IndexRelation:
    """An assumption ``k ≠ j`` or ``k = j`` between two free indices: the witnesses only
    take index values it admits (:func:`symbp.core.explicit.index_assignments`)."""

    first: str
    second: str
    equal: bool
    text: str = ""
    latex: str = ""
    name: str = "index relation"

    def rewrite(self, e):
        return e

    def constrain(self, values, sizes):
        return values

    def admits(self, values: dict) -> bool:
        got = {str(k): v for k, v in values.items()}
        if self.first not in got or self.second not in got:
            return True
        return (got[self.first] == got[self.second]) == self.equal


_NAME_TEXT = (r"(\\(?:hat|tilde|bar)\s*\{\s*[A-Za-z]\s*\}|\\[A-Za-z]+|[A-Za-z])"
              r"(?:\s*_\s*(?:\{[^{}]*\}|\w))?")
_NUMBER = r"(-?\s*\d+(?:\.\d+)?)"
_DOMAIN_CMP = re.compile(r"^\s*" + _NAME_TEXT + r"\s*(>|<|\\geq?|\\leq?|\\geqslant|\\leqslant)\s*"
                         + _NUMBER + r"\s*[.,;]?\s*$")
_DOMAIN_IN = re.compile(r"^\s*" + _NAME_TEXT + r"\s*\\in\s*(?:\\left)?\s*([(\[])\s*" + _NUMBER
                        + r"\s*,\s*" + _NUMBER + r"\s*(?:\\right)?\s*([)\]])\s*[.,;]?\s*$")
_ACCENTS = {"hat": "\u0302", "tilde": "\u0303", "bar": "\u0304"}


def _domain_name(text: str) -> str:
    m = re.match(r"\\(hat|tilde|bar)\s*\{\s*([A-Za-z])", text)
    if m:
        return m.group(2) + _ACCENTS[m.group(1)]
    return text.lstrip("\\")


_INEQUALITY = re.compile(r"\s*(>|<|\\geq?|\\leq?|\\geqslant|\\leqslant)(?![a-zA-Z])\s*")
_FLIP = {">": "<", "<": ">", r"\ge": r"\le", r"\le": r"\ge", r"\geq": r"\leq",
         r"\leq": r"\geq", r"\geqslant": r"\leqslant", r"\leqslant": r"\geqslant"}
_REVERSED_CMP = re.compile(r"^\s*" + _NUMBER + r"\s*(>|<|\\geq?|\\leq?|\\geqslant|\\leqslant)\s*(.+?)\s*$")
_NAMES_CMP = re.compile(r"^\s*([A-Za-z])\s*(>|<|\\geq?|\\leq?)\s*([A-Za-z])\s*[.,;]?\s*$")


def name_order(text: str):
    """``x > y`` between two single-letter names: (larger, smaller)."""
    m = _NAMES_CMP.match(text)
    if not m or m.group(1) == m.group(3):
        return None
    bigger = m.group(2) in (">",) or m.group(2).startswith("\\g")
    return (m.group(1), m.group(3)) if bigger else (m.group(3), m.group(1))


_DECLARED_NAME = (r"(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*\\?[A-Za-z]+\s*\}|\\?[A-Za-z]+)"
                  r"(?:\s*\^\s*\{\s*[\[(]\s*\d+\s*[\])]\s*\})?")  # W^{[1]}: Ng's layer 1
_DECLARED = re.compile(rf"\s*({_DECLARED_NAME}(?:\s*,\s*{_DECLARED_NAME})*)\s*\\in\s*"
                       r"\\mathbb\s*\{?\s*R\s*\}?\s*(?:\^\s*(?:\{([^{}]*)\}|(\w)))?\s*[.,;]?\s*")
_SIZE = re.compile(r"\s*(\d+|[A-Za-z](?:_\s*(?:\{\s*\w+\s*\}|\w))?)\s*")  # n, 3, n_1, n_{0}


def size_declaration(text: str):
    """``X \\in \\mathbb{R}^{n \\times d}``, ``A, B \\in \\mathbb{R}^{n\\times n}``,
    ``\\mathbf{x} \\in \\mathbb{R}^n``, ``c \\in \\mathbb{R}``: (names, rows, cols) with
    sizes as written (a letter or a number); cols None for a number, 1 for a column."""
    m = _DECLARED.fullmatch(text)
    if not m:
        return None
    names = [re.sub(r"\s*\^\s*\{\s*[\[(]\s*(\d+)\s*[\])]\s*\}", r"^{(\1)}", re.sub(
        r"\\(?:mathbf|boldsymbol|bm)\s*\{\s*(\\?[A-Za-z]+)\s*\}", r"\1", n.strip())).lstrip("\\")
             for n in m.group(1).split(",")]
    power = m.group(2) if m.group(2) is not None else m.group(3)
    if power is None:
        return names, None, None
    dims = re.split(r"\\times|×", power)
    if len(dims) > 2 or not all(_SIZE.fullmatch(d) for d in dims):
        return None
    dims = [re.sub(r"[{}\s]", "", d) for d in dims]  # n_{1} as n_1
    return names, dims[0], dims[1] if len(dims) == 2 else "1"


def domain_assumption(text: str):
    """``x > 0``, ``0 < x``, ``a \\ge 0``, ``\\hat{y} \\in (0, 1)``: (name, sampling
    interval) — the numeric witness samples only there (the symbolic witness is not told, so
    such a claim may stay undecided, never wrongly true or false)."""
    r = _REVERSED_CMP.match(text)
    if r:  # 0 < x is x > 0
        text = f"{r.group(3)} {_FLIP[r.group(2)]} {r.group(1)}"
    m = _DOMAIN_CMP.match(text)
    if m:
        name, op, v = _domain_name(m.group(1)), m.group(2), float(m.group(3).replace(" ", ""))
        if op in (">",) or op.startswith("\\ge"):
            return name, (v + (0.05 if op == ">" else 0.0), v + 3.0)
        return name, (v - 3.0, v - (0.05 if op == "<" else 0.0))
    m = _DOMAIN_IN.match(text)
    if m:
        lo, hi = float(m.group(3).replace(" ", "")), float(m.group(4).replace(" ", ""))
        if hi <= lo:
            return None
        pad = (hi - lo) * 0.02
        return _domain_name(m.group(1)), (lo + (pad if m.group(2) == "(" else 0),
                                          hi - (pad if m.group(5) == ")" else 0))
    return None


def index_relation(text: str) -> IndexRelation | None:
    """``k \\ne j``, ``k \\neq j``, ``\\text{for } i \\ne j``, ``k = j`` (two single letters)."""
    m = _INDEX_RELATION.match(text)
    if not m or m.group(1) == m.group(3) or "_" in m.group(1) and "_" in m.group(3):
        return None
    m = _INDEX_RELATION.match(re.sub(r"_\{([a-zA-Z])\}", r"_\1", text))  # y_{i} is y_i
    equal = m.group(2) == "="
    sign = "=" if equal else "≠"
    return IndexRelation(m.group(1), m.group(3), equal, f"{m.group(1)} {sign} {m.group(3)}",
                         f"{m.group(1)} {'=' if equal else chr(92) + 'ne'} {m.group(3)}")


def _assumption(lhs, rhs, text) -> Assumption:
    if rhs == 1 and isinstance(lhs, sp.Sum) and len(lhs.limits) == 1:
        var, lo, hi = lhs.limits[0]
        f = lhs.function
        if isinstance(f, sp.Indexed) and f.indices == (var,):
            return sum_equals_one(f.base, hi, int(lo) if lo.is_Integer else lo)
        if isinstance(f, MatrixElement) and isinstance(f.parent, sp.MatrixSymbol) \
                and f.j == 0 and f.i == var - 1 and lo == 1:
            return vector_sums_to_one(f.parent)  # Σ_k y_k = 1 with y a vector
        if isinstance(f, MatrixElement) and isinstance(f.parent, sp.MatrixSymbol) \
                and f.j == var - 1 and lo == 1 and f.parent.shape[1] != 1 \
                and not f.i.has(var):
            from ..core.matrixcalc import rows_sum_to_one

            return rows_sum_to_one(f.parent)  # Σ_j Y_ij = 1: every row of Y (one-hot rows)
    if rhs == 1 and is_matrix(lhs) and lhs.shape == (1, 1):
        ones = [a for a in sp.preorder_traversal(lhs) if isinstance(a, sp.OneMatrix)]
        vectors = [a for a in lhs.atoms(sp.MatrixSymbol) if a.shape[1] == 1]
        if isinstance(lhs, sp.MatMul) and len(lhs.args) == 2 and ones and len(vectors) == 1 \
                and lhs.args[1] == vectors[0]:
            return vector_sums_to_one(vectors[0])  # 1ᵀy = 1: the entries of y sum to one
    if isinstance(lhs, (sp.Symbol, sp.Indexed)) and not is_matrix(rhs) \
            and getattr(rhs, "is_number", False) and rhs.is_real is not False:
        # w = 2, z_2 = \ln 3 (a worked example's values): derivatives are taken at a free
        # point first, then the point is moved there (the values are not definitions)
        exact = sp.nsimplify(rhs, rational=True) if rhs.has(sp.Float) else rhs  # 0.8 = 4/5
        return restriction(lhs, exact, text)
    for m, other in ((lhs, rhs), (rhs, lhs)):
        if isinstance(m, sp.MatrixSymbol) and other == m.T:
            # B = Bᵀ: B is symmetric; everywhere read as its symmetric part (B + Bᵀ)/2
            return symmetric(m, text)
    raise LatexInputError(f"the assumption '{text}' is not understood",
                          hint=r"assumptions of the form \sum_{j=1}^{n} y_j = 1, x > 0, "
                               r"k \ne j or B = B^T are understood")


DEPENDENT = {"a", "C", "L", "J", "E", "h", "o"}  # names that usually depend on z, w, b


def _head(x):
    return x.base if isinstance(x, sp.Indexed) else x


def _name(x) -> str:
    return str(x.base.label) if isinstance(x, sp.Indexed) else str(x)


class Problem:
    """A claim with its context, read and built (shapes unified)."""

    def __init__(self, claim: str, contexts=(), defines=(), assumes=(), scalar_layers=False,
                 broadcast=(), written_only=False, cdot_entrywise=False):
        named = [get_context(c) for c in contexts]
        self.defines = [d for c in named for d in defines_of(c)] + list(defines)
        self.assumes = [a for c in named for a in c.assumes] + list(assumes)
        self.domains = {k: v for c in named for k, v in c.domains.items()}
        self.functions = user_functions(self.defines)
        self.plain_names = frozenset(m.group(1) for d in self.defines
                                     if (m := re.match(r"\s*([fgh])\s*=", d))) | frozenset(
            m.group(1) + "\u2032" for d in self.defines
            if (m := re.match(r"\s*([A-Za-z])\s*'\s*=", d)))  # y' = σ(z): a name
        self.scanner, self.sides = read_claim(claim, self.functions, self.plain_names)
        self.generic = generic_functions(self.scanner, claim, self.defines,
                                         network=any(c.network for c in named))
        self.defines = self.defines + [text for _, _, text in self.generic]
        self.extra = []
        self.index_relations = []
        self.orders = []  # (x, y) for x > y
        self.inequalities = []  # s_j − s_y + Δ > 0: Δ = s_y − s_j + ε, ε > 0 (restrictions)
        self.inequality_sign: dict[str, str] = {}
        declared, layout = [], None
        for kind, texts in (("define", self.defines), ("assume", self.assumes)):
            for t in texts:
                if kind == "assume" and _INDEX_RANGE.fullmatch(t):
                    continue  # 1 ≤ k ≤ l: the range of a layer or index label, nothing to sample
                mark = _LAYOUT_MARK.fullmatch(t) if kind == "assume" else None
                if mark:  # \text{(分母布局)} after the formula: the layout the writer uses
                    layout = mark.group(1)
                    continue
                sizes = size_declaration(t) if kind == "assume" else None
                if sizes is not None:  # X \in \mathbb{R}^{n \times d}: the sizes written
                    declared.append(sizes)
                    continue
                relation = index_relation(t) if kind == "assume" else None
                if relation is not None:  # k \ne j, i = j: a restriction of index values
                    self.index_relations.append(relation)
                    continue
                if kind == "assume" and _EXCLUDED_POINT.fullmatch(t):
                    # x ≠ 0, |w| ≠ 1, \mathbf{x} ≠ \mathbf{0}: a set of measure zero that the
                    # witnesses' random samples never hit
                    continue
                det = _POSITIVE_DET.fullmatch(t) if kind == "assume" else None
                if det is not None:  # det X > 0: samples taken where ln det X is real
                    name = det.group(1) or det.group(2)
                    sc, sides = read_claim(f"{name} = {name}", self.functions, self.plain_names)
                    self.extra.append(("positive_det", t, sc, sides))
                    continue
                domain = domain_assumption(t) if kind == "assume" else None
                if domain is not None:  # x > 0, \hat{y} \in (0, 1): where x is sampled
                    lo, hi = domain[1]
                    if domain[0] in self.domains:  # 0 < x and x < 1: both bounds
                        old = self.domains[domain[0]]
                        lo, hi = max(lo, old[0]), min(hi, old[1])
                        if lo >= hi:
                            raise LatexInputError(f"the assumptions on {domain[0]} leave no "
                                                  "value")
                    self.domains[domain[0]] = (lo, hi)
                    continue
                order = name_order(t) if kind == "assume" else None
                if order is not None:  # x > y: x = y + ε with ε > 0
                    self.orders.append(order)
                    continue
                rel = _INEQUALITY.search(t) if kind == "assume" and "=" not in t else None
                if rel is not None:  # s_j - s_y + \Delta > 0: an inequality between terms
                    sign = ">" if rel.group(1) == ">" or rel.group(1).startswith("\\g") else "<"
                    self.inequality_sign[t] = sign
                    t_eq = t[:rel.start()] + " = " + t[rel.end():]
                    try:
                        sc, sides = read_claim(t_eq, self.functions, self.plain_names)
                    except LatexInputError as err:
                        raise LatexInputError(f"in --assume '{t}': {err.what}",
                                              hint=err.hint) from None
                    self.extra.append(("inequality", t, sc, sides))
                    continue
                try:
                    sc, sides = read_claim(t, self.functions, self.plain_names)
                except LatexInputError as err:
                    raise LatexInputError(f"in --{kind} '{t}': {err.what}", where=err.where,
                                          hint=err.hint) from None
                if len(sides) != 2:
                    raise LatexInputError(f"--{kind} '{t}' must have exactly one '='")
                self.extra.append((kind, t, sc, sides))
        scalar_names = {n for n in self.domains if n[:1].isupper()}  # C > 0: a number
        for d in self.defines:
            m = re.match(r"\s*(?:\\(hat|tilde|bar)\s*\{\s*)?([A-Z])\s*\}?"
                         r"\s*(?:_\s*\{?\s*(\d)\s*\}?\s*(?==))?\s*(?:=|_|\()", d)
            if m:  # C = …, C_0 = …, \tilde{J} = …: a capital defined as a number
                name = m.group(2) + _ACCENTS.get(m.group(1), "")
                scalar_names.add(name)
                if m.group(3):
                    scalar_names.add(f"{name}_{m.group(3)}")
        atoms = list(self.scanner.atoms) + [a for _, _, sc, _ in self.extra for a in sc.atoms]
        self.env = Env([claim, *self.defines, *self.assumes], atoms,
                       matrix_mode=any(c.matrix_mode for c in named),
                       network=any(c.network for c in named),
                       matrix_names={m for c in named for m in c.matrix_names},
                       scalar_names=scalar_names, functions=self.functions,
                       labelled={m.group(1) for d in self.defines
                                 if (m := re.match(r"\s*([a-z]+)\s*_\s*\{?\s*\d\s*\}?\s*=", d))},
                       scalar_layers=scalar_layers, broadcast_names=broadcast,
                       written_only=written_only, cdot_entrywise=cdot_entrywise,
                       defined_names=defined_names(self.defines), layout=layout)
        for names, rows, cols in declared:
            self.env.declare(names, rows, cols)
        self.conflict: tuple[int, str] | None = None
        self.values = self._build()

    def _build(self):
        for _ in range(200):
            try:
                values = self._build_once()
            except Retry:
                continue
            self.env.index_bounds = {i: self.env.find(b)
                                     for i, b in self.env.index_bounds.items()}
            if self.env.parent and not getattr(self, "_settled", False):
                # sizes merged late: build once more so that every shape, sum bound,
                # definition and assumption is made with the settled sizes
                self._settled = True
                try:
                    values = self._build_once()
                except Retry:
                    continue
            roots = {d: self.env.find(d) for d in self.env.parent}
            return [v.xreplace(roots) if roots and isinstance(v, sp.Basic) else v
                    for v in values]
        raise NotUnderstood("the shapes of the matrices could not be settled")

    def _inequality(self, lhs, rhs, text: str):
        """``E > 0`` as a restriction: one variable that E is linear in, solved for with
        E = ε > 0 (derivatives are taken before the point is moved, see restriction)."""
        e = lhs - rhs if self.inequality_sign[text] == ">" else rhs - lhs
        if is_matrix(e) and e.shape == (1, 1):
            e = e[0, 0]
        if is_matrix(e) or e.has(MatrixElement):
            raise LatexInputError(f"the assumption '{text}' is not understood: an inequality "
                                  "between vectors or their entries is not read",
                                  hint="an inequality with a plain name is read, as in x > y, "
                                       "a - b + c > 0 or s_j - s_y + \\Delta > 0")
        eps = sp.Symbol("\\varepsilon_{%d}" % (len(self.inequalities) + 1), positive=True)
        # solved for a plain name (Δ in s_j − s_y + Δ > 0); an entry is not solved for
        # (s_1 − s_y + 1 > 0: y may take the value 1, which the writer excludes unsaid)
        plain = sorted((v for v in e.free_symbols if isinstance(v, sp.Symbol)
                        and not v.is_integer), key=sp.default_sort_key, reverse=True)
        for v in plain:
            c = sp.diff(e, v)
            if c.is_number and c != 0:
                return restriction(v, v + (eps - e) / c, text)
        raise LatexInputError(f"the assumption '{text}' is not understood",
                              hint="an inequality is read when it is linear in a plain name, "
                                   "as in s_j - s_y + \\Delta > 0 (not in an entry such as "
                                   "s_1 alone)")

    def _is_cost(self, f) -> bool:
        """``f`` is the network's cost C, or a name defined as C (J = C)."""
        if isinstance(f, NetCost):
            return True
        return any(d.lhs == f and isinstance(d.rhs, NetCost) for d in self.definitions)

    def _build_once(self):
        self.env.ones = 0  # the same \mathbf{1} gets the same size on every rebuild
        self.definitions, self.assumptions = [], []
        self.inequalities = []
        for kind, text, sc, sides in self.extra:
            b = Builder(self.env, sc.table)
            try:
                lhs, rhs = (b.build(r) for r, _, _ in sides)
            except ShapeConflict as exc:
                raise LatexInputError(f"in --{kind} '{text}': {exc}") from None
            if kind == "inequality":
                self.inequalities.append(self._inequality(lhs, rhs, text))
                continue
            if kind == "positive_det":
                if not isinstance(lhs, sp.MatrixSymbol):
                    raise LatexInputError(f"in --assume '{text}': the determinant needs a "
                                          "square matrix")
                b.square(lhs, "a determinant")
                self.assumptions.append(positive_determinant(lhs, text))
                continue
            if kind == "define" and isinstance(lhs, NetCost):  # C = ½‖a^L − y‖² in the network
                if is_matrix(rhs):
                    raise LatexInputError(f"in --define '{text}': the cost must be a number")
                self.env.network.set_cost(rhs)
                self.env.notes.add(f"the network's cost is {text}")
                continue
            if kind == "define" and is_matrix(lhs) and is_matrix(rhs) \
                    and lhs.shape != rhs.shape:  # Y = XW: Y has the shape of XW
                why = f"in --define '{text}': the sides have different shapes"
                try:
                    self.env.unify(lhs.shape[0], rhs.shape[0], why)
                    self.env.unify(lhs.shape[1], rhs.shape[1], why)
                except ShapeConflict as exc:
                    raise LatexInputError(str(exc)) from None
            if kind == "define" and isinstance(lhs, sp.Symbol) and is_matrix(rhs) \
                    and rhs.shape != (1, 1) and lhs.name in self.env.scalar_names:
                self.env.scalar_names.discard(lhs.name)  # Y = XW: Y is a matrix after all
                raise Retry()
            if kind == "define" and isinstance(lhs, sp.Symbol) and is_matrix(rhs) \
                    and rhs.shape[1] == 1 and rhs.shape != (1, 1) \
                    and lhs.name[0].islower() and lhs.name not in self.env.vector_names:
                # δ_{out} = ∂L/∂z_{out} with z_{out} a vector: δ_{out} is one too
                self.env.vector_names.add(lhs.name)
                raise Retry()
            if kind == "define" and isinstance(lhs, NetMatrix) and lhs.qty == "delta" \
                    and isinstance(rhs, NetGradient) and rhs.args[1].qty == "z" \
                    and rhs.args[1].offset == lhs.offset and self._is_cost(rhs.args[0]):
                # δ^l = ∂J/∂z^l with J the cost: the network's own definition of δ^l
                self.env.notes.add(f"'{text}' is the network's own definition")
                continue
            if kind == "define" and _restates_builtin(lhs, rhs):
                # \mathrm{ReLU}(z) = \max(0, z): the meaning symbp already gives the name
                self.env.notes.add(f"'{text}' agrees with symbp's own definition")
                continue
            if kind == "define" and not is_matrix(lhs) and is_matrix(rhs) \
                    and rhs.shape == (1, 1):
                rhs = rhs[0, 0]  # J = ½ wᵀHw: the number in the 1×1 product
            if kind == "define":
                self.definitions.append(_definition(lhs, rhs, text))
            else:
                self.assumptions.append(_assumption(lhs, rhs, text))
        b = Builder(self.env, self.scanner.table)
        values = []
        self.conflict = None
        for i, (raw, _, _) in enumerate(self.sides):
            try:
                values.append(b.build(raw))
            except ShapeConflict as exc:
                self.conflict = (max(i - 1, 0), str(exc))
                return values
        for i in range(len(values) - 1):
            left, right = values[i], values[i + 1]
            if is_matrix(left) or is_matrix(right):
                values[i], values[i + 1] = self._conform(left, right, i)
                if self.conflict:
                    return values
        return values

    def _conform(self, left, right, i):
        if is_matrix(left) and is_matrix(right):
            # an '=' says the shapes agree: the sizes of undeclared matrices and vectors are
            # unified across it (Retry rebuilds with them); the claim is false for shape
            # reasons only when no sizes make both sides the same shape, e.g. a vector
            # forced to be a single entry, or two sizes the writer fixed that differ
            if left.shape != right.shape:
                why = (f"the two sides have different shapes: {shape_text(left)} and "
                       f"{shape_text(right)}")
                try:
                    self.env.unify(left.shape[0], right.shape[0], why)
                    self.env.unify(left.shape[1], right.shape[1], why)
                except ShapeConflict as exc:
                    self.conflict = (i, str(exc))
            return left, right
        mat, scal = (left, right) if is_matrix(left) else (right, left)
        if mat.shape == (1, 1):
            mat = mat[0, 0]
        elif scal == 0:
            scal = sp.ZeroMatrix(*mat.shape)
        else:
            if isinstance(scal, sp.Symbol) and mat.shape[1] == 1:
                # δ^{(输出)} = (a − y) ∘ …: a lone name equal to a column is that column (the
                # = unifies shapes) — read so and rebuilt, never false for the reading's sake
                Builder(self.env, {}).vector_name(scal)
            self.conflict = (i, f"one side is {shape_text(mat)} and the other is a scalar")
        return (mat, scal) if is_matrix(left) else (scal, mat)

    def conflict_sizes(self) -> dict:
        """Distinct concrete sizes for the rigid dimensions: a shape where the sides fail."""
        dims = set()
        for v in self.values:
            for node in sp.preorder_traversal(v):
                if is_matrix(node):
                    dims |= {d for d in node.shape if isinstance(d, sp.Symbol)}
        if self.env.network is not None:
            dims |= set(self.env.network.sizes.values())
        return {str(d): 2 + i for i, d in enumerate(sorted(dims, key=str))}

    def check_whole_families(self):
        """P_{ij} = e^{S_ij}/Σ_k e^{S_ik} defined entry by entry and P written whole in the
        claim (∂L/∂W = Xᵀ(P − Y)/N): the whole P is not linked to its entries, so reading it
        as another quantity would judge a claim about something else — refuse instead."""
        families = {str(d.lhs.base.label) for d in self.definitions
                    if isinstance(d.lhs, sp.Indexed)}
        wholes = {_name(d.lhs) for d in self.definitions
                  if isinstance(d.lhs, (sp.Symbol, sp.MatrixSymbol))}
        for v in self.values:
            if not isinstance(v, sp.Basic):
                continue
            labels = {x.base.label for x in v.atoms(sp.Indexed)}
            for x in v.atoms(sp.Symbol, sp.MatrixSymbol) - labels:
                name = _name(x)
                if name in families and name not in wholes:
                    raise NotUnderstood(
                        f"{name} is defined entry by entry but written whole in the claim: "
                        f"the whole {name} is not read as the matrix or vector of those entries",
                        hint=f"write the claim entry by entry ({name}_{{ij}}), or define "
                             f"{name} itself")

    def check_derivatives(self):
        """∂C/∂z_j with C not defined would be 0 (C a free symbol): refuse instead."""
        heads = {d.head() for d in self.definitions}
        # the claim's sides, and the definitions (δ_j = ∂E_n/∂a_j with E_n undefined would
        # make δ_j 0, and any claim about δ vacuous)
        for v in [*self.values, *(d.rhs for d in self.definitions)]:
            if not isinstance(v, sp.Basic):
                continue
            for node in sp.preorder_traversal(v):
                if isinstance(node, MatrixGradient):
                    f = node.args[0]  # ∂L/∂W with L a bare, undefined name would be 0
                    if isinstance(f, (sp.Symbol, sp.Indexed)) and _head(f) not in heads:
                        raise NotUnderstood(
                            f"{sp.sstr(f)} is differentiated but not defined, so its "
                            "dependence on the variable is unknown",
                            hint="use --context (e.g. backprop, softmax_ce) or --define it")
                    continue
                if not isinstance(node, sp.Derivative):
                    continue
                f = node.expr
                head = f.base if isinstance(f, sp.Indexed) else f
                var_heads = {x.base if isinstance(x, sp.Indexed) else x for x in node.variables}
                labels = {x.base.label for x in f.atoms(sp.Indexed)}
                dependent = {x for x in f.free_symbols - labels
                             if isinstance(x, (sp.Symbol, sp.Indexed))
                             and _name(x) in DEPENDENT and _head(x) not in heads
                             and not getattr(x, "is_integer", False)  # the L of a^L_j
                             and _head(x) not in var_heads}
                if dependent or (isinstance(f, (sp.Symbol, sp.Indexed)) and head not in heads
                                 and head not in var_heads):
                    f = next(iter(dependent)) if dependent else f
                    raise NotUnderstood(
                        f"{sp.sstr(f)} is differentiated but not defined, so its dependence "
                        "on the variable is unknown",
                        hint="use --context (e.g. backprop, softmax_ce) or --define it")

    def check_dependence(self, ctx: Context):
        """∂J/∂W^l with J defined in terms of W^L only would be 0, and so would be any
        multiple of it: a derivative whose defined quantity, expanded, does not involve
        the variable at all is refused (the definitions do not say how it depends on it),
        never checked as 0 = 0."""
        heads = {d.head() for d in self.definitions}
        # the claim's own derivatives, and those its definitions bring in (δ^l_j = ∂C/∂z^l_j
        # with C written in other quantities than z^l_j would be 0 just the same)
        for v in [*self.values, *(d.rhs for d in self.definitions)]:
            if not isinstance(v, sp.Basic):
                continue
            for node in sp.preorder_traversal(v):
                if isinstance(node, Jacobian) and len(node.args) == 3:
                    # ∂J/∂a with a defined, J already written out by everything but a (see
                    # resolve_defined_variables): J must involve the variable held for a
                    f, held, at = node.args
                    if not f.has(held):
                        raise NotUnderstood(
                            f"the quantity differentiated, as defined, does not depend on "
                            f"{sp.sstr(at)}, so its derivative would be 0 whatever the claim "
                            "says", hint="define how it depends on that variable")
                    continue
                if isinstance(node, Jacobian):
                    f, xs = node.args[0], [node.args[1]]
                elif isinstance(node, sp.Derivative):
                    f, xs = node.expr, list(node.variables)
                else:
                    continue
                if mentions_network(node) or not any(
                        _head(a) in heads for a in all_free_symbols(f)
                        if isinstance(a, (sp.Symbol, sp.Indexed, sp.MatrixSymbol))):
                    continue
                wholes = [x.base if isinstance(x, sp.Indexed) else (
                    x.parent if isinstance(x, MatrixElement) else x) for x in xs]
                # ∂L/∂z with z defined: z is held as the variable (its definition unused)
                keep = [d for d in ctx.definitions if d.head() not in wholes]
                try:
                    expanded = Context(keep).expand(f)
                except Exception:  # noqa: BLE001 - left to the witnesses
                    continue
                present = all_free_symbols(expanded) | expanded.atoms(sp.MatrixSymbol)
                bases = {a.base for a in present if isinstance(a, sp.Indexed)}
                for x, whole in zip(xs, wholes):
                    if whole not in present and whole not in bases:
                        raise NotUnderstood(
                            f"{sp.sstr(f)}, as defined, does not depend on {sp.sstr(x)}, so "
                            "its derivative would be 0 whatever the claim says",
                            hint="define how it depends on that variable (e.g. the layer's "
                                 "z^l = W^l a^{l-1} + b^l), or use --context backprop")

    def resolve_defined_variables(self):
        """∂f/∂a_j with a_j defined: differentiate treating a_j as a variable (definitions
        of a left unexpanded), then expand.  Otherwise expanding a_j would leave a
        derivative with respect to an expression."""
        heads = {d.head(): d for d in self.definitions}

        def covers(d, x) -> bool:
            """d defines x (z^{(2)}_k = … covers z^{(2)}_j, not layer 1's z^{(1)}_j)."""
            if isinstance(x, sp.Indexed) and isinstance(d.lhs, sp.Indexed):
                return d.lhs.base == x.base and len(d.lhs.indices) == len(x.indices) and all(
                    p == i for p, i in zip(d.lhs.indices, x.indices)
                    if not isinstance(p, sp.Symbol))
            return d.head() == (x.base if isinstance(x, sp.Indexed) else x)

        def fix(node):
            keep = [d for d in self.definitions
                    if not any(covers(d, x) for x in node.variables)]
            f = Context(keep).expand(node.expr)
            return sp.diff(f, *node.variable_count)

        def defined_var(node):
            return isinstance(node, sp.Derivative) and any(
                covers(d, x) for d in self.definitions for x in node.variables)

        self.values = [_rename_bound(v.replace(defined_var, fix)) if isinstance(v, sp.Basic)
                       else v for v in self.values]

        def matrix_fix(node):  # ∂L/∂Y with Y = XW defined: by Y's own entries, then at XW
            y = node.args[1]
            keep = [d for h, d in heads.items() if h != y]
            free = sp.MatrixSymbol(f"{y.name}\u2218", *y.shape)
            f = Context(keep).expand(node.args[0]).xreplace({y: free})
            return MatrixGradient(f, free, y)

        def defined_matrix_var(node):
            return isinstance(node, MatrixGradient) and len(node.args) == 2 \
                and node.args[1] in heads

        self.values = [v.replace(defined_matrix_var, matrix_fix) if isinstance(v, sp.Basic)
                       else v for v in self.values]
        # and in the definitions (GBC's g = ∇_{a^{(k)}} J with a^{(k)} = b + W h defined)
        self.definitions = [
            replace(d, rhs=d.rhs.replace(defined_matrix_var, matrix_fix))
            if isinstance(d.rhs, sp.Basic) and d.rhs.has(MatrixGradient) else d
            for d in self.definitions]

    def context(self) -> Context:
        defs = list(self.definitions)
        if not any(getattr(d.lhs, "func", None) == SIGMA for d in defs):
            zs = sp.Symbol("z", real=True)
            defs.append(Definition(SIGMA(zs), ACTIVATIONS.get("sigmoid").expr.xreplace(
                {ACTIVATIONS.get("sigmoid").applied.args[0]: zs}), name="sigmoid"))
        ranges = {}
        syms = set()
        for v in self.values:
            syms |= all_free_symbols(v)
        for d in self.definitions:
            syms |= all_free_symbols(d.rhs) - all_free_symbols(d.lhs)
        summed = _summed_positions(d.rhs for d in self.definitions)
        for s in syms:
            if isinstance(s, sp.Symbol) and s.is_integer and not s.is_positive:
                bound = self.env.index_bounds.get(s) or _bound_by_position(
                    s, [*self.values, *(d.rhs for d in self.definitions)], summed)
                ranges[s] = (1, self.env.find(bound or self.env.default_size))
        sizes = {}
        for v in self.values:
            for node in sp.preorder_traversal(v):
                if isinstance(node, sp.MatrixSymbol):
                    sizes.update({d: (2, 3) for d in node.shape if isinstance(d, sp.Symbol)})
        if self.env.network is not None:
            sizes.update({s: (2, 3) for s in self.env.network.sizes.values()})
        signs = []
        for name, (lo, hi) in self.domains.items():  # x > 0: the symbolic witness knows it too
            plain = sp.Symbol(name, real=True)
            if lo > 0 or hi < 0:
                signed = sp.Symbol(name, positive=True) if lo > 0 else \
                    sp.Symbol(name, negative=True)
                signs.append(substitution(plain, signed, f"{name} {'>' if lo > 0 else '<'} 0",
                                          name))
        for big, small in self.orders:
            gap = sp.Symbol(f"\\epsilon_{{{big}{small}}}", positive=True)
            signs.append(restriction(sp.Symbol(big, real=True), sp.Symbol(small, real=True) + gap,
                                     f"{big} > {small}"))
        signs.extend(self.inequalities)
        return Context(defs, list(self.assumptions) + list(self.index_relations) + signs,
                       dict(self.domains), ranges, sizes, thorough_sizes=True,
                       sizes_inferred=True)


def _summed_positions(exprs) -> dict:
    """(family, index position) → the upper bound of a sum that runs over that position in
    the definitions: β_j = Σ_{h=1}^{q} w_{hj} b_h gives (w, 0) → q and (b, 0) → q."""
    out = {}
    for e in exprs:
        if not isinstance(e, sp.Basic):
            continue
        for node in sp.preorder_traversal(e):
            if not isinstance(node, sp.Sum):
                continue
            for var, lo, hi in node.limits:
                if lo != 1 or not isinstance(hi, sp.Symbol):
                    continue
                for x in node.function.atoms(sp.Indexed):
                    for p, i in enumerate(x.indices):
                        if i == var:
                            out.setdefault((x.base, p), hi)
    return out


def _bound_by_position(index, exprs, summed: dict):
    """The bound of a free index that stands where a definition's sum runs (w_{hj} in the
    claim, Σ_{h=1}^{q} w_{hj} b_h defined: h runs over 1..q), if one bound is found."""
    found = set()
    for e in exprs:
        if not isinstance(e, sp.Basic):
            continue
        for x in e.atoms(sp.Indexed):
            for p, i in enumerate(x.indices):
                if i == index and (x.base, p) in summed:
                    found.add(summed[(x.base, p)])
    return found.pop() if len(found) == 1 else None


_CONNECTIVE = re.compile(r"\\(?:Rightarrow|Longrightarrow|rightarrow|longrightarrow|implies|"
                         r"because|therefore|iff|"
                         r"Leftrightarrow)(?![a-zA-Z])")
#: an equation number: (4), (2.3), (2-3), (3a)
_EQ_LABEL = r"\(\s*\d+(?:\s*[.\-–—]\s*\d+)*\s*[a-z]?\s*\)"
_EQ_NUMBER = re.compile(rf"^\s*{_EQ_LABEL}\s*")
#: an equation number after the equation: \qquad (4), \tag{4}
_EQ_NUMBER_AFTER = re.compile(rf"(?:(?:\\q?quad|\\[,;]|~)\s*{_EQ_LABEL}|"
                              r"\\tag\*?\s*\{[^{}]*\})\s*[.,;]?\s*$")
#: a range of an index or layer label: 1 \le k \le l, 2 \le l < L
_INDEX_RANGE = re.compile(r"\s*(?:\d+|[A-Za-z])\s*(?:\\le(?:q)?|<)\s*[a-z]\s*(?:\\le(?:q)?|<)\s*"
                          r"(?:\d+|[A-Za-z](?:\s*-\s*1)?)\s*")
#: the layout named in words after a formula
_LAYOUT_WORDS = re.compile(r"(numerator)\s+layout|(分子布局)|denominator\s+layout|分母布局", re.I)
_LAYOUT_MARK = re.compile(r"\\layout\{(numerator|denominator)\}")
#: a bracket after wide spacing at the end: \qquad (BP1), \quad (2-3a), \quad (x > 0)
_TRAILING_GROUP = re.compile(r"(?:\\q?quad|~)\s*\(([^()=]*)\)\s*[.,;]?\s*$")
#: ∵ Σ_j y_j = 1 ∴ …: a premise that is an assumption (a sum to one, an inequality)
_PREMISE = re.compile(r"^\s*\\because\s*(.+?)(?:\s|\\q?quad|\\[,;]|,)*\\therefore\s*(.+)$",
                      re.S)
_CONDITION = re.compile(r"(?:,|，|\\quad|\\qquad|\\;|\\,|\s)*(?:\\text\s*\{\s*(?:for|if|when|where|"
                        r"当|若|如果|对于)\s*\}\s*(.+?)(?:\\text\s*\{\s*(?:时|的时候)\s*\})?"
                        r"|\\q?quad\s*\(\s*([a-zA-Z]\s*(?:\\neq?|=)\s*[a-zA-Z])\s*\))"
                        r"\s*[.,;。]?\s*$")


#: prose before an equation: \text{输出层误差：}, \text{Output error:} (a label, not math)
_LEADING_LABEL = re.compile(r"^\s*\\text\s*\{([^{}=]*)\}\s*(?:[:：,，]|\\q?quad|\\[,;]|~|\s)*")
#: a condition written first: \text{当 } k \ne j \text{ 时}, \text{for } k \ne j:
_LEADING_CONDITION = re.compile(
    r"^\s*\\text\s*\{\s*(?:当|若|如果|对于|for|if|when)\s*\}\s*([^{}]+?)\s*"
    r"(?:\\text\s*\{\s*(?:时|的时候)?\s*[,，:：]?\s*\}|[,，:：]|\\q?quad|\\[,;])"
    r"(?:[,，:：]|\\q?quad|\\[,;]|~|\s)*(?=\S)")
#: a definition after the equation: , \quad \text{其中 } δ^l_j = ∂C/∂z^l_j  (where …)
_WHERE = re.compile(r"(?:,|，|\\q?quad|\\[,;]|~|\s)*\\text\s*\{\s*(?:其中|这里|where|with|here)\s*[,，:：]?\s*\}"
                    r"\s*([^=]+=[^=]+?)\s*[.,;。]?\s*$")
#: prose after an equation: \quad \text{(BP1)}, \text{（链式法则）}
_TRAILING_LABEL = re.compile(r"(?:\\q?quad|\\[,;]|~|\s)*\\text\s*\{(?!\s*(?:当|若|如果|对于|for|if|when)"
                             r"\s*\}\s*[^{}]*?(?:[<>]|\\[gl]eq?|\\neq?))[^{}=]*\}"
                             # words with a little math between them: \text{（}\eta\text{ 为学习率）},
                             # \text{其中 } \delta^{l} \text{ 为第 } l \text{ 层的误差项}
                             r"(?:(?:[^{}=\\]|\\[A-Za-z]+|\{[^{}=]*\}){0,16}\\text\s*\{[^{}=]*\})*"
                             r"\s*[.,;。]?\s*$")
#: words that may restrict a formula (a case, a range, a side): 当 … 时, 若, for, x > 0, 负半轴
_RESTRICTING = re.compile(r"当|若|如果|时|对于|仅|只|除|对角|半轴|区间|正|负|情况|if|when|for|only|"
                          r"unless|case|diagonal|[<>=≠≤≥]|\\[gl]eq?|\\neq?", re.I)


#: an assumption that excludes one point: x ≠ 0, |w| ≠ 1, \mathbf{x} \ne \mathbf{0}
_EXCLUDED_POINT = re.compile(r"\s*[^=<>]+?\s*(?:\\neq?(?![A-Za-z])|\u2260)\s*(?:-?\d+(?:\.\d+)?|"
                             r"\\mathbf\s*\{\s*0\s*\}|\\boldsymbol\s*\{\s*0\s*\}|\\vec\s*\{?\s*0\s*\}?)\s*"
                             # A ≠ Aᵀ: not symmetric, which a random matrix is not (measure zero)
                             r"|\s*((?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*)?[A-Z]\s*\}?)\s*"
                             r"(?:\\neq?(?![A-Za-z])|\u2260)\s*(?:\1|\(\s*\1\s*\))\s*\^\s*"
                             r"(?:T|\\top|\{\s*(?:T|\\top|\\mathsf\s*\{\s*T\s*\})\s*\})\s*")
#: det X > 0, |X| > 0
_POSITIVE_DET = re.compile(r"\s*(?:\\det\s*\(?\s*((?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*)?[A-Z]\s*\}?)"
                           r"\s*\)?|\|\s*((?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*)?[A-Z]\s*\}?)\s*\|)"
                           r"\s*>\s*0\s*")


def _strip_prose(part: str, conditions: list, unread: list, wheres: list) -> str:
    """Course notes put words around an equation: a condition first (当 k ≠ j 时, for
    k ≠ j) becomes an assumption; a label before (输出层误差：) is dropped, and so are
    words after it, which are kept in ``unread`` (they may state a condition)."""
    m = _LEADING_CONDITION.match(part)
    if m and index_relation(m.group(1)) is not None:
        conditions.append(m.group(1))
        part = part[m.end():]
    m = _LEADING_LABEL.match(part)
    if m and not re.match(r"\s*(?:for|if|when|where)\b", m.group(1)) and (
            re.search(r"[\u3400-\u9fff]|[:：]\s*$", m.group(1))
            or re.search(r"[:：]", m.group(0)[m.group(0).rfind("}"):])):
        # 输出层误差：, Output error: — not \text{ReLU}'(x), a function's name
        part = part[m.end():]
    m = _WHERE.search(part)
    if m and "=" in part[:m.start()]:
        wheres.append(m.group(1).strip())
        part = part[:m.start()]
    m = None if _CONDITION.search(part) else _TRAILING_LABEL.search(part)
    if m and "=" in part[:m.start()]:  # (当 … 时 is a condition, read by split_claims)
        words = " ".join(w.strip() for w in re.findall(r"\{([^{}]*)\}", m.group(0)))
        layout = _LAYOUT_WORDS.search(words)
        if layout:  # (numerator layout), （分母布局）: the layout, an assumption of the claim
            conditions.append(r"\layout{%s}" % ("numerator" if layout.group(1) or
                                                 layout.group(2) else "denominator"))
            return part[:m.start()]
        if _RESTRICTING.search(words) and not re.fullmatch(
                r"[(（]?\s*[A-Za-z]{0,4}\s*\d+[a-z]?\s*[)）]?", words):
            unread.append(words)  # (BP1) is a tag, （交叉熵损失） a name; 当 x > 0 时 a condition
        part = part[:m.start()]
    return part


def split_claims(claim: str, unread: list | None = None,
                 wheres: list | None = None) -> tuple[list[str], list[str]]:
    """The equations of one line of LaTeX: parts between ⇒ / ∵ / ∴ (each checked on its
    own), without equation numbers ``(1)`` or prose labels; and the conditions written
    around them (``\\text{for } j \\ne k``), which become assumptions.  Words after an
    equation that are not read are appended to ``unread``."""
    parts, conditions = [], []
    unread = [] if unread is None else unread
    wheres = [] if wheres is None else wheres
    for part in _CONNECTIVE.split(claim):
        part = _EQ_NUMBER_AFTER.sub("", _EQ_NUMBER.sub("", _strip_prose(part, conditions, unread, wheres)))
        part = part.strip()
        m = _CONDITION.search(part)
        if m and "=" in part[:m.start()] and index_relation(m.group(1) or m.group(2)) is None \
                and domain_assumption(m.group(1) or m.group(2)) is None:
            # 当 l < L 时: a condition not read (so a false verdict stays in doubt)
            unread.append((m.group(1) or m.group(2)).strip())
            part = part[:m.start()].strip()
            m = None
        group = None if m else _TRAILING_GROUP.search(part)
        if group and "=" in part[:group.start()]:
            # \qquad (BP1), \quad (x > 0): spacing then a bracket is a label, never a factor
            if _RESTRICTING.search(group.group(1)):
                unread.append(group.group(1).strip())
            part = part[:group.start()].strip()
        if m and (index_relation(m.group(1) or m.group(2)) is not None
                  or domain_assumption(m.group(1) or m.group(2)) is not None):
            # j ≠ k, or x > 0 (当 x > 0: where the formula is stated)
            conditions.append(m.group(1) or m.group(2))
            part = part[:m.start()].strip()
        if part and (part != claim or "=" in part):
            parts.append(part)
    if not any("=" in p for p in parts) and parts:
        return [claim if len(parts) > 1 else parts[0]], conditions
    return [p for p in parts if "=" in p], conditions


def judge(claim: str, contexts=(), defines=(), assumes=(),
          timeout: float = DEFAULT_TIMEOUT) -> Judgement:
    """Read and check ``claim``; raise :class:`InputError` when it cannot be read.

    Several equations joined by ⇒ / ∵ / ∴ are each checked, in order, as steps of one
    judgement; ``\\text{for } j \\ne k`` after an equation is an assumption of it.
    Definitions that restate the backprop network (Nielsen's or UFLDL's letters) give a
    second reading in ``--context backprop`` (:func:`network_definitions.as_backprop`)."""
    written = claim
    claim = cjk_labels(equals_signs(claim))
    defines = [cjk_labels(equals_signs(d)) for d in defines]
    claim, defines = calligraphic(claim, defines)
    claim, defines = _sigma_prime_matrix(claim, list(defines))
    examples = training_examples.rewrite(claim, defines)
    if examples is not None:  # Ng's x^{(i)}_j, y^{(i)}, h_θ(x^{(i)})
        claim, defines = examples
    single = training_examples.one_example(claim, defines) if examples is None else None
    if single is not None:  # d2l's l^{(i)}, x^{(i)} of one example i
        claim, defines, single_note = single
    claim, defines, assumes, over = _sum_over_parameters(claim, defines, list(assumes))
    over = ([training_examples.NOTE] if examples is not None else []) + (
        [single_note] if single is not None else []) + over
    claim, defines, sample = _sample_superscripts(claim, defines)
    over = over + sample
    claim, defines, named = _gradient_names(claim, list(defines))
    claim, defines = labelled_functions(claim, defines)
    claim, inverse = inverse_function(claim)
    if inverse:
        over = over + [inverse]
    claim = nabla_of_applied(claim)  # ∇f(\mathbf{x}): by x, before f(\mathbf{x}) is read as f
    claim, defines = parameter_lists(claim, defines)
    defines, stated = stated_dependence(claim, list(defines))
    stated = named + over + stated
    result = _judge_values(claim, contexts, defines, assumes, timeout)
    for st in result.steps:
        st.reason += "".join(f" [{n}]" for n in stated)
    result.claim = written
    return result


_FINITE_SET = re.compile(r"\s*(\\?[A-Za-z]+(?:_\{?\w+\}?)?)\s*\\in\s*\\\{\s*"
                         r"(-?\d+(?:\.\d+)?(?:\s*,\s*-?\d+(?:\.\d+)?)*)\s*\\\}\s*[.,;]?\s*")


def _judge_values(claim: str, contexts, defines, assumes, timeout) -> Judgement:
    r"""``y \\in \\{0, 1\\}``: the claim is checked once for each value (as a definition
    y = 0, then y = 1): true when it holds for every value, false (saying for which) when
    it fails for one."""
    cases = [(a, _FINITE_SET.fullmatch(a)) for a in assumes]
    finite = [(a, m) for a, m in cases if m]
    if not finite:
        return _judge_stars(claim, contexts, defines, assumes, timeout)
    text, m = finite[0]
    rest = [a for a in assumes if a is not text]
    name, values = m.group(1), [v.strip() for v in m.group(2).split(",")]
    results = [(v, _judge_values(claim, contexts, [*defines, f"{name} = {v}"], rest, timeout))
               for v in values]
    for v, r in results:
        if r.verdict is Verdict.FALSE:
            for st in r.steps:
                st.reason += f" [for {name} = {v}, one of the values {text.strip()} allows]"
            r.claim = claim
            return r
    weakest = next((r for _, r in results if r.verdict is not Verdict.TRUE), results[0][1])
    for st in weakest.steps:
        st.reason += f" [checked for each value of {name}: {', '.join(values)}]"
    weakest.claim = claim
    return weakest


_NABLA_OF_APPLIED = re.compile(
    r"\\nabla\s*(\^\s*\{?\s*2\s*\}?)?\s*(?:_\s*(\{[^{}]*\}|\\[A-Za-z]+|\w))?\s*"
    r"(\\?[A-Za-z]+(?:_\s*(?:\{\s*\w+\s*\}|\w))?|\\mathcal\s*\{\s*[A-Z]\s*\})\s*\(\s*("
    r"(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*\\?[A-Za-z]+\s*\}|\\?[A-Za-z]+))\s*\)")


def nabla_of_applied(claim: str) -> str:
    r"""``\\nabla f(\\mathbf{x})``: the gradient by the argument written, ∇_x f(x);
    ``\\nabla^2 f(\\mathbf{x})``, ``\\nabla^2_\\theta J(\\theta)``: the Hessian, read as the
    Jacobian of the gradient (symmetric, so the same in either layout)."""
    def one(m):
        power, sub, name, arg = m.groups()
        by = sub.strip("{}") if sub else arg
        if sub and re.sub(r"\s+", "", by) != re.sub(r"\s+", "", arg) and not power:
            return m.group(0)  # ∇_W L(x): by another variable than the argument
        gradient = rf"\nabla_{{{by}}} {name}({arg})"
        if power:
            return rf"\frac{{\partial}}{{\partial {by}}}\left({gradient}\right)"
        return gradient
    return _NABLA_OF_APPLIED.sub(one, claim)


def _bare_star(claim: str, m) -> bool:
    """A * between factors (not the optimum w^*, w^{*}, nor \\*)."""
    return not re.search(r"(?:\^|\{|\\)\s*$", claim[:m.start()])


def _bare_stars(claim: str) -> bool:
    return any(_bare_star(claim, m) for m in re.finditer(r"\*", claim))


def _judge_stars(claim: str, contexts, defines, assumes, timeout) -> Judgement:
    """``a * b``: a product in most texts, the entrywise product in Ng's notes and NumPy
    (dZ = dA * g'(Z)).  Both readings are judged; the one that can be formed is taken, and
    when both can and their verdicts differ the claim is undecided, never false."""
    if not _bare_stars(claim):
        return _judge_readings(claim, contexts, defines, assumes, timeout)

    def reading(op: str):
        text = re.sub(r"\*", lambda m: op if _bare_star(claim, m) else m.group(0), claim)
        try:
            return _judge_readings(text, contexts, defines, assumes, timeout), None
        except InputError as err:
            return None, err

    entrywise, e_err = reading(r" \odot ")
    product, p_err = reading(r" \times ")
    usable = [(r, why) for r, why in ((entrywise, "entrywise (⊙, as in Ng's notes and NumPy)"),
                                      (product, "a product"))
              if r is not None and not _shape_false(r)]
    if not usable:
        if product is not None or entrywise is not None:
            return product if product is not None else entrywise
        raise p_err if e_err is None or "⊙" in str(e_err) else e_err
    if len(usable) == 1:
        result, why = usable[0]
        for st in result.steps:
            st.reason += f" [* read as {why}: the other reading cannot be formed]"
        result.claim = claim
        return result
    (first, _), (second, _) = usable
    if first.verdict is second.verdict:
        for st in first.steps:
            st.reason += " [* read as entrywise (⊙) and as a product: the same verdict]"
        first.claim = claim
        return first
    _doubt_unless_false(first, second, "* as entrywise (⊙) and * as a product give "
                                       "different verdicts; write \\odot or a product")
    _doubt_unless_false(second, first, "* as entrywise (⊙) and * as a product give "
                                       "different verdicts; write \\odot or a product")
    weaker = first if first.verdict is not Verdict.TRUE else second
    if weaker.verdict is Verdict.TRUE:
        weaker = second
    weaker.claim = claim
    return weaker


def _judge_readings(claim: str, contexts, defines, assumes, timeout) -> Judgement:
    """The claim as written, and in the backprop network when the definitions restate it."""
    reading = None if contexts else as_backprop(claim, defines)
    if reading is None:
        return _judge_written(claim, contexts, defines, assumes, timeout)
    failure = None
    try:
        plain = _judge_written(claim, contexts, defines, assumes, timeout)
        if plain.verdict is Verdict.TRUE:
            return plain
    except InputError as err:
        plain, failure = None, err
    try:
        other = _judge_written(reading.claim, ["backprop"], reading.defines, assumes, timeout)
    except InputError:
        other = None
    if other is not None and (other.verdict is Verdict.TRUE or (
            other.verdict is Verdict.FALSE and reading.false_holds)):
        for st in other.steps:
            st.reason += f" [{reading.note}]"
        other.claim = claim
        return other
    if plain is None:
        raise failure
    return plain


_APPROX = re.compile(r"\\approx(?![A-Za-z])|≈")


def _approximately(claim: str, contexts, defines, assumes) -> Judgement | None:
    """``0.7413 × 0.1868 × 0.5932 ≈ 0.0821`` (a worked example's arithmetic, rounded):
    both sides numbers, equal to the precision written (within 10⁻⁴ relative, or half a
    unit of the last digit written) is true; apart by more than 1 % is false; between, or
    anything that is not two numbers, is not decided here (None)."""
    sides = _APPROX.split(claim)
    if len(sides) != 2 or "=" in claim:
        return None
    try:
        problem = Problem(f"{sides[0]} = {sides[1]}", contexts, defines, assumes)
        left, right = (sp.N(sp.sympify(v), 30) for v in problem.values[:2])
    except (ImportError, NameError):
        raise  # a bug in symbp (exit 70), never the claim's fault
    except Exception:  # noqa: BLE001 - not two numbers: read as usual (and refused)
        return None
    if not (left.is_number and right.is_number) or left.free_symbols or right.free_symbols:
        return None
    digits = re.findall(r"\d+\.(\d+)", sides[1])
    unit = 0.5 * 10 ** -max((len(d) for d in digits), default=0)
    gap, size = abs(left - right), max(abs(left), abs(right), 1e-300)
    text = f"{sp.N(left, 12)} and {sp.N(right, 12)}"
    if gap <= unit or gap / size <= 1e-4:
        verdict, why = Verdict.TRUE, f"≈: {text} agree to the precision written"
    elif gap / size > 1e-2:
        verdict, why = Verdict.FALSE, f"≈: {text} differ by {sp.N(gap / size, 3)} (relative)"
    else:
        verdict, why = Verdict.UNDECIDED, (f"not decided: {text} differ by "
                                           f"{sp.N(gap / size, 3)} (relative), more than "
                                           "rounding explains but little")
    return Judgement(claim, [Step(sides[0].strip(), sides[1].strip(), verdict, why)])


def _rounded_values(claim: str) -> bool:
    """Every ≈ is followed by arithmetic of written numbers only (0.5933, (0.7514 − 0.01) ×
    0.7514): a worked example's rounded value, never an approximation of a formula."""
    pieces = re.split(r"(\\approx(?![A-Za-z])|≈|=)", claim)
    for i, piece in enumerate(pieces):
        if piece in ("\\approx", "≈") and i + 1 < len(pieces):
            after = re.sub(r"\\(?:times|cdot|frac|left|right|quad|qquad|,|;)", " ", pieces[i + 1])
            if re.search(r"[A-Za-z\\]", after) or not re.search(r"\d", after):
                return False
    return True


def _judge_written(claim: str, contexts, defines, assumes, timeout) -> Judgement:
    if _APPROX.search(claim) and ("=" in claim or defines or assumes) and _rounded_values(claim):
        # out_{h1} = σ(net_{h1}) ≈ 0.5933 with the example's values given: each ≈ is an =
        # between rounded numbers (true within half a unit of the last digit written)
        result = _judge_written(_APPROX.sub("=", claim), contexts, defines, assumes, timeout)
        result.claim = claim
        for st in result.steps:
            st.reason += " [≈ before a written number read as = to the digits written]"
        return result
    if _APPROX.search(claim):
        approx = _approximately(claim, contexts, defines, assumes)
        if approx is None:
            raise LatexInputError("≈ is read only between two numbers (a worked example's "
                                  "arithmetic, checked to the precision written)",
                                  hint="write '=' for an identity")
        return approx
    written = claim
    premise = _PREMISE.match(claim)
    if premise and _is_assumption(premise.group(1)):
        # ∵ Σ_j y_j = 1 ∴ ∂E/∂net_k = a_k − y_k: the premise is given, the conclusion checked
        claim, assumes = premise.group(2), [*assumes, premise.group(1).strip()]
    elif premise and re.fullmatch(r"\s*\\?[A-Za-z]+(?:\s*_\s*(?:\{[^{}=]*\}|\w))?\s*=[^=]+",
                                  premise.group(1)):
        # ∵ x = 2 ∴ x + x = 4: the premise gives x, the conclusion is checked with it
        claim, defines = premise.group(2), [*defines, premise.group(1).strip()]
    claim, gradients = _bare_gradients(claim, defined_names(defines))
    # δ^{(2)} = ((W^{(3)})ᵀδ^{(3)}) ⊙ σ'(z^{(2)}) with nothing defined: Ng's backprop, read in
    # the network at generic layers; with definitions, a^{(2)} is layer 2's own quantity
    claim, numbered = _numbered_layers(claim) if not defines and re.search(
        r"\\partial|\\nabla|\\delta", claim) else (claim, None)
    claim, named = _prime_of_group(claim, defined_names(defines) | user_functions(defines))
    if named is not None:  # f'(z) = (\frac{1}{1+e^{-z}})' … : the first step names f
        defines = [*defines, named]
    claim, defines, assumes, layered = _layer_letters(claim, list(defines), list(assumes))
    claim = _applied_in_derivatives(claim, [*defines, *_CONNECTIVE.split(claim)])
    unread: list[str] = []
    wheres: list[str] = []
    parts, conditions = split_claims(claim, unread, wheres)
    assumes = list(assumes) + conditions
    for where in wheres:  # "…, where δ^l_j = ∂C/∂z^l_j": a definition the claim uses
        if not (contexts and restates_network(where)) and not (
                defined_names([where]) & defined_names(defines)):
            defines = [*defines, where]
    if len(parts) > 1:
        result = Judgement(claim)
        for i, part in enumerate(parts):
            if i < len(parts) - 1 and _names_something(part, defines):
                # E = ½(t − o)² ⇒ ∂E/∂o = o − t: the first part defines E for the rest
                defines = [*defines, part]
                lhs, rhs = part.split("=", 1)
                result.steps.append(Step(lhs.strip(), rhs.strip(), Verdict.UNDECIDED,
                                         f"names {lhs.strip()}: a definition, used by the "
                                         "steps after it (nothing to check)", definition=True))
                continue
            result.steps.extend(_judge_read(part, contexts, defines, assumes, timeout).steps)
    else:
        result = _judge_read(parts[0] if parts else claim, contexts, defines, assumes, timeout)
    for words in unread:
        for st in result.steps:
            if st.verdict is Verdict.FALSE and "cannot be formed" not in st.reason:
                # "(对角元)", "(when i = j)": a condition? (none makes malformed sides formed)
                st.verdict = Verdict.UNDECIDED
                st.reason = (f"not decided: false as written, but the words after it "
                             f"('{words}') were not read and may restrict it ({st.reason})")
    if named is not None and result.steps:
        first = result.steps[0]
        first.verdict, first.definition = Verdict.UNDECIDED, True
        first.reason = f"names the function: {named}, a definition (nothing to check)"
    result.claim = written
    if numbered:
        for st in result.steps:
            if st.verdict is Verdict.FALSE and "cannot be formed" not in st.reason:
                # δ^{(3)} = a^{(3)} − y when layer 3 is the last: not false for every layer
                st.verdict = Verdict.UNDECIDED
                st.reason = (f"not decided: false for a generic layer, but layer {numbered} "
                             "may be a particular one (the output layer), where it can hold "
                             f"({st.reason})")
            st.reason += (f" [Ng's layer numbers ^{{(k)}} read as generic layers: ({numbered})"
                          " as l, the next as l+1, …]")
    for g in gradients:
        for st in result.steps:
            st.reason += (f" [∇{g} without a subscript read as one vector, the gradient of an "
                          f"undefined {g} (shown as g_grad{g})]")
    if layered:
        for st in result.steps:
            st.reason += (" [the definitions name layers by index letter (o_j hidden, o_k "
                          "output): each family read as one quantity per letter, o_k as oK_k]")
    return result


_BARE_GRADIENT = re.compile(r"\\nabla\s*(?!_|\s)([A-Za-z])(?![A-Za-z_(^])|\\nabla\s+([A-Za-z])(?![A-Za-z_(^])")


_NUMBERED_LAYER = re.compile(r"((?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*)?(?<![A-Za-z\\])\\?"
                             r"(?:a|z|b|W|w|delta|Theta|theta)\s*\}?\s*(?:_\s*(?:\{[^{}]*\}|\w)\s*)?)"
                             r"\^\s*\{\s*\(\s*(\d)\s*\)\s*\}")


def _prime_of_group(claim: str, defined: set) -> tuple[str, str | None]:
    """:func:`prime_of_group.rewrite` on each part between ⇒ / ∵ / ∴ (∵ tanh x = …,
    ∴ (tanh x)' = 1 − tanh² x); the definition only from the first part."""
    pieces = re.split(f"({_CONNECTIVE.pattern})", claim)
    named = None
    for i in range(0, len(pieces), 2):
        pieces[i], made = prime_of_group.rewrite(pieces[i], defined)
        named = named or (made if i == 0 else None)
    return "".join(pieces), named


def _numbered_layers(claim: str) -> tuple[str, int | None]:
    """Andrew Ng's a^{(2)}, W^{(3)}, δ^{(2)}: layer numbers in parentheses, read as generic
    layers (the lowest number written as l, the next as l+1) so that the backprop network
    can read them; returns the lowest number (None when the claim has none)."""
    found = [int(m.group(2)) for m in _NUMBERED_LAYER.finditer(claim)]
    if not found:
        return claim, None
    low = min(found)
    return _NUMBERED_LAYER.sub(lambda m: m.group(1) + "^{l%s}" % (
        "" if int(m.group(2)) == low else f"+{int(m.group(2)) - low}"), claim), low


_NAMING = re.compile(r"\s*(\\?[A-Za-z]+(?:\s*_\s*(?:\{[^{}=]*\}|\w))?)"
                     r"(?:\s*\(\s*[a-zA-Z](?:\s*,\s*[a-zA-Z])*\s*\))?\s*=([^=]+)")


def _names_something(part: str, defines) -> bool:
    """``E = \\frac12 (t − o)^2`` or ``f(x) = \\frac{1}{1+e^{-x}}`` before ⇒: it names a
    quantity not yet defined (and not in terms of itself), so it is a definition."""
    m = _NAMING.fullmatch(part)
    if not m:
        return False
    name = m.group(1).replace(" ", "")
    base = re.sub(r"_.*", "", name).lstrip("\\")
    if base in ("sigma", "delta", "nabla", "partial") or base in NAMED_FUNCS \
            or base in NATIVE_FUNCS:
        return False
    if re.search(rf"(?<![A-Za-z\\]){re.escape(name)}(?![A-Za-z])", m.group(2)):
        return False
    return not (defined_names([part]) & defined_names(defines))


_FUNCTION_OF_LETTERS = re.compile(r"\s*([a-zA-Z])\s*\(\s*([a-zA-Z](?:\s*,\s*[a-zA-Z])*)\s*\)\s*=")


def _applied_in_derivatives(claim: str, texts) -> str:
    """``\\frac{df}{dx}`` where ``f(x) = …`` (or ``f(x, y) = …``) is defined: the
    derivative of f(x) (the function's name alone stands for its value at the point)."""
    for t in texts:
        m = _FUNCTION_OF_LETTERS.match(t)
        if m:
            f, args = m.group(1), re.sub(r"\s+", "", m.group(2))
            for x in args.split(","):
                claim = re.sub(rf"(\\frac\s*\{{\s*(?:d|\\partial)\s*){f}(\s*\}}\s*\{{\s*"
                               rf"(?:d|\\partial)\s*{x}\s*\}})", rf"\g<1>{f}({args})\g<2>",
                               claim)
    return claim


def _is_assumption(text: str) -> bool:
    """Σ_j y_j = 1, 1ᵀy = 1, x > 0, k ≠ j: a statement of what is given, not an identity."""
    t = text.strip()
    return bool(re.search(r"\\sum[^=]*=\s*1\s*$|\\(?:mathbf|boldsymbol|bm)\s*\{\s*1\s*\}\s*\^\s*\{?\s*(?:T|\\top)"
                          r"[^=]*=\s*1\s*$", t)) or index_relation(t) is not None or bool(
        re.search(r"(?<!\\)[<>]|\\(?:le|ge|leq|geq|ne|neq|in)(?![a-zA-Z])", t))


def _bare_gradients(claim: str, defined: set) -> tuple[str, list]:
    """Nielsen's ∇C (no subscript) of a cost he never writes out: one vector, the same
    wherever it appears (−η ∇C·∇C = −η‖∇C‖²).  A defined name keeps the error that asks
    for the variable."""
    names = []

    def vector(m):
        name = m.group(1) or m.group(2)
        if name in defined:
            return m.group(0)
        names.append(name)
        return r"\mathbf{g}_{\text{grad%s}}" % name

    out = _BARE_GRADIENT.sub(vector, claim)
    return out, sorted(set(names))


def _layer_letters(claim: str, defines: list, assumes: list):
    """Mitchell's notation in --define (net_j, o_j hidden; net_k, o_k output; w_{ji},
    w_{kj}): rename each family per index letter (see :mod:`.layer_letters`)."""
    firsts = {}
    for d in defines:
        if "=" in d:
            lhs, rhs = d.split("=", 1)
            firsts.setdefault(re.sub(r"\s+", "", lhs), rhs)
    texts = [claim, *defines, *assumes]
    if not (layer_families(firsts) and chained_weights(texts)) \
            and not defined_through_itself(firsts):
        return claim, defines, assumes, False
    rename = renamer(texts)
    return rename(claim), [rename(d) for d in defines], [rename(a) for a in assumes], True


#: a layered quantity of Nielsen's network: a^l, \mathbf{z}^{l+1}, W^L, \delta^{L-1}, w^l_{jk}
_LAYERED = re.compile(r"(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*)?(?<![A-Za-z\\])\\?(?:a|z|b|W|w|delta)"
                      r"\s*\}?\s*(?:_\s*(?:\{[^{}]*\}|\w)\s*)?\^\s*\{?\s*\(?\s*[lL](?![a-zA-Z])")
#: C = …, J(\mathbf{W}, \mathbf{b}, …) = …: a definition of the network's cost
_COST_DEFINITION = re.compile(r"\s*[CJLE]\s*(?:\([^()=]*\))?\s*=")
BACKPROP_NOTE = ("read in the backprop context, as the notation says: z^l = W^l a^{l-1} + b^l, "
                 "a^l = σ(z^l), δ^l = ∂C/∂z^l")


def _readings(claim: str, contexts, defines) -> list[tuple[tuple, bool, str | None]]:
    """The readings of a claim to try, in order: (contexts, scalar layers, note)."""
    out = []
    if not contexts and _LAYERED.search(claim) and not any(
            _LAYERED.search(d) and not _COST_DEFINITION.match(d) for d in defines):
        out.append((("backprop",), False, BACKPROP_NOTE))
    out.append((tuple(contexts), False, None))
    text = " ".join([claim, *defines])
    layered = re.search(r"(?<![A-Za-z\\])[a-z]\s*(?:_\s*(?:\{[^{}]*\}|\w)\s*)?\^\s*\{?\s*[lL]",
                        text)
    numbered = re.search(r"(?<![A-Za-z\\])[A-Za-z]_\{?\d|\^\s*\{\s*[([]\s*\d\s*[)\]]\s*\}", text)
    vector_only = TRANSPOSE.search(text) or re.search(
        r"\\(?:odot|circ|bullet|mathbf|boldsymbol|bm|vec|top|\|)(?![a-zA-Z])|diag|\\mathrm\{tr", text)
    if (layered or numbered) and not vector_only:
        out.append((tuple(contexts), True, "a^L, W_1, h_1 … read as single numbers: as "
                                           "vectors and matrices the sides cannot be formed"))
    return out


def _judge_read(claim: str, contexts, defines, assumes, timeout) -> Judgement:
    """Judge under the first reading that can be formed: the backprop network when the
    claim is written in its layered notation, the plain reading, then layered names as
    numbers.  A reading whose sides cannot be formed (shapes) or that cannot be read gives
    way to the next; when none can, the first one's answer stands."""
    training = per_example(claim, list(defines))
    if training is not None:  # Nielsen's \sum_x over the training inputs
        written = claim
        claim, defines = training
        result = _judge_read(claim, contexts, defines, assumes, timeout)
        result.claim = written
        for st in result.steps:
            st.reason += f" [{TRAINING_NOTE}]"
        return result
    first = None
    forced = True  # every earlier reading failed on a definition that needs numbers
    for ctx, scalar_layers, note in _readings(claim, contexts, defines):
        try:
            result = _judge_one(claim, ctx, defines, assumes, timeout, scalar_layers)
            error = None
        except InputError as exc:
            result, error = None, exc
        if first is None:
            first = (result, error)
        if result is not None and not _shape_false(result) and not (
                first[0] is not result and _only_definition(result)):
            if note:
                for st in result.steps:
                    st.reason += f" [{note}]"
            if scalar_layers and not forced:
                # true only if the names are numbers: as vectors or matrices (W_1 x vs x W_1,
                # a slip) the claim cannot even be formed, so a TRUE here is in doubt; a
                # FALSE is false either way.  Not in doubt when a definition itself only
                # reads with numbers (J = −[y log a^L + (1 − y) log(1 − a^L)]: one output)
                for st in result.steps:
                    if st.verdict is Verdict.TRUE:
                        st.verdict = Verdict.UNDECIDED
                        st.reason = ("not decided: it holds if a^L, W_1, h_1 … are single "
                                     "numbers, but as vectors and matrices the sides cannot be "
                                     f"formed, so the reading is in doubt ({st.reason})")
            return result
        forced = forced and error is not None and _definition_needs_numbers(error)
    result, error = first
    if error is not None:
        raise error
    return result


def _definition_needs_numbers(error: InputError) -> bool:
    """A --define whose sides cannot be formed with vectors and matrices (a log of a
    vector, a^L(1 − a^L) as a product of columns)."""
    return str(error).startswith("in --define") and ("different shapes" in str(error) or
                                                      "inner sizes that differ" in str(error))


def _only_definition(result: Judgement) -> bool:
    return bool(result.steps) and all(st.definition for st in result.steps)


def _shape_false(result: Judgement) -> bool:
    return any(st.verdict is Verdict.FALSE and "cannot be formed" in st.reason
               for st in result.steps)


#: a non-conventional variable's differential (dW, dw): X in dY = X dW may be held fixed
_WRITTEN_DIFFERENTIAL = re.compile(
    r"(?<![A-Za-z\\])d\s*(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*)?([A-Za-z])(?![A-Za-z])")


def _judge_one(claim: str, contexts, defines, assumes, timeout,
               scalar_layers=False, broadcast=()) -> Judgement:
    """Judge under one reading; a FALSE that is TRUE under another reading the notation
    equally allows is UNDECIDED, with both readings named (never a plain false)."""
    def other(**change) -> Judgement | None:
        args = dict(assumes=assumes, broadcast=broadcast, written_only=False,
                    cdot_entrywise=False) | change
        try:
            return _judge_problem(claim, contexts, defines, args["assumes"], timeout,
                                  scalar_layers, args["broadcast"], args["written_only"],
                                  args["cdot_entrywise"])
        except InputError:
            return None

    result = _judge_problem(claim, contexts, defines, assumes, timeout, scalar_layers,
                            broadcast)
    if _shape_false(result) and "\\cdot" in claim:
        # (a − y) · σ'(z): with · as the dot product of the two columns the sides cannot
        # be formed; entrywise (⊙, as some notes write ·) is the reading that can
        entrywise = other(cdot_entrywise=True)
        if entrywise is not None and not _shape_false(entrywise):
            for st in entrywise.steps:
                st.reason += (" [· between two vectors read entrywise (⊙): as a dot product "
                              "the sides cannot be formed]")
            return entrywise
    _layout_note(result, claim)
    if broadcast or result.verdict is not Verdict.FALSE:
        return result
    # false only where two index letters take the same value (s_j, s_y with j = y), unless
    # the claim writes δ_jk itself (then the writer covers j = k)
    related = [{r.first, r.second} for r in map(index_relation, assumes) if r is not None]
    same = [(a, b) for a, b in _coinciding_indices(result)
            if not re.search(rf"\\delta_\{{\s*(?:{a}\s*{b}|{b}\s*{a})\s*\}}", claim)
            and {a, b} not in related]  # `for k = j` written: that case is the claim
    if same:
        pairs = ", ".join(f"{a} ≠ {b}" for a, b in same)
        apart = other(assumes=list(assumes) + [f"{a} \\ne {b}" for a, b in same])
        if apart is not None and apart.verdict is Verdict.UNDECIDED:
            # false only where the letters coincide, not decided where they differ (the
            # case the writer means): never false on the coinciding case alone
            _doubt_unless_false(result, Judgement(apart.claim, [
                Step(st.lhs, st.rhs, Verdict.TRUE, st.reason) for st in apart.steps]),
                f"false when {pairs.replace('≠', '=')}, not decided when {pairs}; say "
                f"which is meant, e.g. --assume '{same[0][0]} \\ne {same[0][1]}'")
        _doubt_unless_false(result, apart,
            f"true when {pairs}, false when they are equal; say which is meant, e.g. "
            f"--assume '{same[0][0]} \\ne {same[0][1]}'")
    # dY = X dW with Y = XW: true if only W varies, as the writer may hold the data X fixed
    # (only when a non-conventional differential is written; d(XY) = (dX)Y stays false)
    if result.verdict is Verdict.FALSE and any(
            m.group(1) not in "UVXYZuvxyz" for m in _WRITTEN_DIFFERENTIAL.finditer(claim)):
        _doubt_unless_false(result, other(written_only=True),
                            "true if only the quantities whose differential is written vary, "
                            "false if X, Y, Z … vary too (the usual convention); say which is "
                            "meant")
    # x + c: c was read as a vector; read as one number on every entry, does it hold?
    added = sorted(n for n in getattr(result, "added_vectors", ()) if n)
    if added and result.verdict is Verdict.FALSE:
        _doubt_unless_false(result, other(broadcast=tuple(added)),
                            f"false if {', '.join(added)} is a vector, true if it is one "
                            "number added to every entry; the reading is in doubt")
    return result


_TRANSPOSED_SHAPES = re.compile(r"different shapes: .*\(([^()×]+)×([^()×]+)\) and .*"
                                r"\(([^()×]+)×([^()×]+)\)")


def _layout_note(result: Judgement, claim: str) -> None:
    """A derivative whose sides differ only by a transpose: say which layout was used and
    that the claim's shape is the other one's (a gradient as a row is numerator layout)."""
    if not re.search(r"\\partial|\\nabla|\\frac\s*\{\s*d", claim):
        return
    for st in result.steps:
        m = _TRANSPOSED_SHAPES.search(st.reason) if st.verdict is Verdict.FALSE else None
        if m and m.group(1) == m.group(4) and m.group(2) == m.group(3) \
                and m.group(1) != m.group(2):
            st.reason += (" [layout: the derivative of a number by a vector or matrix has the "
                          "shape of the variable (denominator layout, as the course notes "
                          "write it), a vector's by a vector is the Jacobian [∂f_i/∂x_j] "
                          "(numerator layout); the other side has the transposed shape, "
                          "which is the other layout's]")


def _doubt_unless_false(result: Judgement, other: Judgement | None, why: str) -> None:
    """Turn ``result``'s false steps into undecided ones when ``other`` (another reading
    of the same claim) is true."""
    if other is None or other.verdict is not Verdict.TRUE:
        return
    for st in result.steps:
        if st.verdict is Verdict.FALSE:
            st.verdict = Verdict.UNDECIDED
            st.reason = f"not decided: {why} ({st.reason})"


def _coinciding_indices(result) -> list[tuple[str, str]]:
    """Pairs of free index letters equal in a false step's counterexample (j = y = 1)."""
    if result.verdict is not Verdict.FALSE:
        return []
    for st in result.steps:
        ce = st.counterexample or {}
        idx = {k: v for k, v in (ce.get("indices") or {}).items()
               if re.fullmatch(r"[a-zA-Z]", str(k))}
        if st.verdict is Verdict.FALSE and len(idx) >= 2:
            names = sorted(idx)
            return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
                    if idx[a] == idx[b]]
    return []


def _judge_problem(claim: str, contexts, defines, assumes, timeout,
                   scalar_layers=False, broadcast=(), written_only=False,
                   cdot_entrywise=False) -> Judgement:
    try:
        problem = Problem(claim, contexts, defines, assumes, scalar_layers, broadcast,
                          written_only, cdot_entrywise)
    except (InputError, ImportError, NameError):
        raise  # an ImportError/NameError is a bug in symbp (exit 70), never the claim's fault
    except RecursionError:
        raise LatexInputError("the claim is nested too deeply") from None
    except Exception as exc:  # noqa: BLE001 - a construct the notation layer does not read
        raise LatexInputError(f"the claim could not be read ({type(exc).__name__}: "
                              f"{str(exc)[:160]})",
                              hint="see `symbp verify --help` for the notation") from None
    if problem.conflict is None:
        try:
            problem.check_whole_families()
            problem.check_derivatives()
            problem.resolve_defined_variables()
        except (InputError, ImportError, NameError):
            raise
        except Exception as exc:  # noqa: BLE001 - SymPy failed differentiating: not read
            raise LatexInputError(f"a derivative could not be formed ({type(exc).__name__}: "
                                  f"{str(exc)[:160]})") from None
    texts = [t for _, t, _ in problem.sides]
    result = Judgement(claim)
    try:
        ctx = problem.context()
    except Exception as exc:  # noqa: BLE001 - a context that cannot be formed: not read
        raise LatexInputError(f"the claim's context could not be formed ({type(exc).__name__}: "
                              f"{str(exc)[:160]})") from None
    if problem.conflict is None:
        problem.check_dependence(ctx)
    for i in range(len(texts) - 1):
        if problem.conflict and problem.conflict[0] == i == 0 \
                and _atom_of(problem.sides[0][0]) is not None and is_definition(
                    problem.values[0], problem.values[1:],
                    {str(d.head()) for d in problem.definitions}):
            # w^* = (XᵀX)⁻¹Xᵀy: a new name for a vector, written plainly — a definition
            result.steps.append(Step(texts[0], texts[1], Verdict.UNDECIDED,
                                     f"a definition of {texts[0]}, not an identity: nothing "
                                     "to check (give it with --define to use it)",
                                     definition=True))
            continue
        if problem.conflict and problem.conflict[0] == i:
            result.steps.append(Step(texts[i], texts[i + 1], Verdict.FALSE,
                                     f"the sides cannot be formed: {problem.conflict[1]}",
                                     {"shapes": problem.conflict[1],
                                      "sizes": problem.conflict_sizes()}))
            continue
        if problem.conflict and problem.conflict[0] < i or i + 1 >= len(problem.values):
            result.steps.append(Step(texts[i], texts[i + 1], Verdict.UNDECIDED,
                                     "not checked: an earlier side cannot be formed"))
            continue
        defined = {str(d.head()) for d in problem.definitions}
        if i == 0 and _atom_of(problem.sides[0][0]) is not None and is_definition(
                problem.values[0], problem.values[1:], defined):
            result.steps.append(Step(texts[0], texts[1], Verdict.UNDECIDED,
                                     f"a definition of {texts[0]}, not an identity: nothing "
                                     "to check (give it with --define to use it)",
                                     definition=True))
            continue
        if 0 < i + 1 < len(texts) - 1 and _atom_of(problem.sides[i + 1][0]) is not None \
                and is_definition(problem.values[i + 1],
                                  problem.values[:i + 1] + problem.values[i + 2:], defined):
            # A = δ_k = B: the new name in the middle names the side before it
            result.steps.append(Step(texts[i], texts[i + 1], Verdict.UNDECIDED,
                                     f"names {texts[i + 1]}: nothing to check", definition=True))
            problem.values[i + 1] = problem.values[i]
            continue
        step = _check(texts[i], texts[i + 1], problem.values[i], problem.values[i + 1], ctx,
                      timeout)
        if i > 0 and result.steps[i - 1].definition and problem.values[i] is \
                problem.values[i - 1]:
            step.reason += f" [{texts[i]} stands for {texts[i - 1]}]"
        result.steps.append(step)
    result.added_vectors = set(problem.env.added_vectors)
    for note in sorted(problem.env.notes):
        for st in result.steps:
            st.reason += f" [{note}]"
    for name, arg, text in problem.generic:
        note = (f" [{name} read as a generic scalar function of {arg}: checked for "
                f"{text.split('=', 1)[1].strip()} with arbitrary coefficients]")
        for st in result.steps:
            st.reason += note
    return result


def _names(e) -> set:
    """The names an expression mentions: plain symbols, matrix symbols, indexed families."""
    out = set()
    for x in sp.preorder_traversal(e):
        if isinstance(x, sp.Indexed):
            out.add(str(x.base))
        elif isinstance(x, (sp.Symbol, sp.MatrixSymbol)) and not getattr(x, "is_integer", False):
            out.add(str(x))
    return out


def is_definition(lhs, others, defined=frozenset()) -> bool:
    """``a = …`` where the left side is a bare name (a, a_j, \\mathbf{a}^l) that the rest of
    the claim never mentions: the writer is naming something, not stating an identity."""
    if isinstance(lhs, (DSymbol, DMatrix)) or str(lhs) in defined:  # df, dX; --define'd
        return False
    if isinstance(lhs, sp.Indexed):
        name = str(lhs.base)
    elif isinstance(lhs, (sp.MatrixSymbol,)) or (isinstance(lhs, sp.Symbol)
                                                 and not lhs.is_integer):
        name = str(lhs)
    else:
        return False
    return name not in defined and all(name not in _names(o) for o in others)


def _rounded(lt, rt, lhs, rhs, ctx) -> Step | None:
    """σ(0.3) = 0.5744: numbers written with d decimals are rounded, so two number sides
    that agree to within half a unit of the last written digit hold as written (within
    two units: undecided); None when the sides are not plain numbers."""
    places = [len(m) for m in re.findall(r"\d\.(\d+)", lt + " " + rt)]
    if not places or is_matrix(lhs) or is_matrix(rhs):
        return None
    try:
        # at the values the assumptions give (w = 2, x = 0.3) when they make it a number
        diff = ctx.rewrite(ctx.expand(sp.sympify(lhs) - sp.sympify(rhs)).doit())
        diff = diff.doit() if isinstance(diff, sp.Basic) else diff
        if getattr(diff, "free_symbols", None) or is_matrix(diff):
            return None
        gap = abs(float(sp.N(diff, 30)))
    except Exception:  # noqa: BLE001 - not a plain number: leave it to the witnesses
        return None
    d = max(places)
    if gap <= 0.5 * 10 ** -d:
        return Step(lt, rt, Verdict.TRUE, f"numeric: the sides agree to the {d} decimals "
                                          f"written (difference {gap:.1e}; the written "
                                          "numbers are rounded)")
    if gap <= 2 * 10 ** -d:
        return Step(lt, rt, Verdict.UNDECIDED, f"not decided: the sides differ by {gap:.1e}, "
                                               f"about the rounding of {d} written decimals")
    return None


def _check(lt, rt, lhs, rhs, ctx, timeout) -> Step:
    rounded = _rounded(lt, rt, lhs, rhs, ctx)
    if rounded is not None:
        return rounded
    try:
        with time_limit(timeout * 3 + 2):
            check = check_equation(lhs, rhs, ctx, timeout=timeout)
    except TimeLimitExceeded:
        return Step(lt, rt, Verdict.UNDECIDED, f"the check did not finish in {timeout * 3 + 2:g} s")
    except RecursionError:
        return Step(lt, rt, Verdict.UNDECIDED, "SymPy recursion limit reached")
    except Exception as exc:  # noqa: BLE001 - SymPy can raise anything: UNDECIDED, never TRUE
        return Step(lt, rt, Verdict.UNDECIDED, f"SymPy raised {type(exc).__name__}: "
                                               f"{str(exc)[:160]}")
    return Step(lt, rt, check.verdict, check.reason,
                check.counterexample if check.verdict is Verdict.FALSE else None)
