"""Reading LaTeX claims in neural-network notation: latex2sympy2 plus a notation layer.

latex2sympy2 parses calculus LaTeX, but not this field's notation (see
known pitfalls): ``\\sigma'(z)`` fails, ``a^L`` becomes a power, ``z_j`` and
``z_k`` are unrelated symbols, ``\\odot``/``^T``/``\\mathrm{tr}`` are unknown,
and parentheses are flattened away (``(AB)C`` and ``A(BC)`` give the same
tree).  So this module runs in two layers:

1. **Pre-processing** (:func:`parse_raw`).  The string is scanned left to
   right.  Every construct latex2sympy2 gets wrong is cut out, parsed
   recursively, and replaced by an opaque placeholder ``\\variable{pN}`` that
   latex2sympy2 reads as one atom: atoms with sub/superscripts (``w^l_{jk}``),
   parenthesised groups (so grouping survives), function applications with
   primes (``\\sigma'(z^l)``), derivative fractions, norms, absolute values,
   ``\\odot`` (a marker inside the product chain) and transposes (a marker
   exponent).  latex2sympy2 then parses what is left (+, −, products, \\frac,
   powers, \\sum, \\lim, \\ln, \\exp …) into an unevaluated tree whose products
   keep their written order.
2. **Post-processing** lives in :mod:`symbp.claims.build`: the tree is turned
   into SymPy objects with this notation's meaning (IndexedBase families,
   layered labels, MatrixSymbols with unified shapes, network quantities).

Anything the scanner does not understand is an :class:`~symbp.errors.InputError`
with the position marked by a caret: it never guesses.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass, field

from ..errors import InputError

MAX_LENGTH = 4000  # characters per claim; longer input is refused, not parsed slowly

GREEK = ["alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "varrho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"]
FUNC_GREEK = {"sigma", "phi", "varphi", "psi"}  # σ(x), φ(x): functions when applied
LETTER_FUNCS = {"f", "g", "h"}  # f(x), g(x), h(x): functions when applied
NAMED_FUNCS = {"tr": "tr", "Tr": "tr", "trace": "tr", "diag": "diag", "softmax": "softmax",
               "sigmoid": "sigma", "det": "det", "ReLU": "relu", "relu": "relu",
               "sign": "sign", "sgn": "sign", "softplus": "softplus", "step": "step", "stepge": "stepge",
               "vec": "vec"}
NATIVE_FUNCS = {"ln": "ln", "log": "ln", "exp": "exp", "tanh": "tanh", "sinh": "sinh",
                "cosh": "cosh", "sin": "sin", "cos": "cos", "max": "max", "min": "min",
                "det": "det", "sqrt": "sqrt"}
SPACING = [r"\displaystyle", r"\left.", r"\right.", r"\left", r"\right", r"\bigl", r"\bigr",
           r"\Bigl", r"\Bigr", r"\biggl", r"\biggr", r"\Biggl", r"\Biggr", r"\bigg", r"\Bigg",
           r"\big", r"\Big", r"\quad", r"\qquad", r"\,", r"\;", r"\:", r"\!", r"\ ", "~",
           r"\nonumber", r"\notag"]
TRANSPOSE = re.compile(r"\^\s*(?:T|\\top(?![a-zA-Z])|\\intercal|\{\s*(?:T|\\top|\\intercal|"
                       r"\\mathsf\s*\{?\s*T\s*\}?|\\mathrm\s*\{?\s*T\s*\}?|\\rm\s*T|"
                       r"\\mathsf\s*T|\\mathrm\s*T)\s*\})")
INV_TRANSPOSE = re.compile(r"\^\s*\{\s*-\s*(?:T|\\top|\\intercal|\\mathsf\s*\{?\s*T\s*\}?|"
                           r"\\mathrm\s*\{?\s*T\s*\}?)\s*\}")  # X^{-T} = (X^{-1})^T
PRIME_SUP = re.compile(r"\^\s*(?:\\prime|\{\s*(\\prime\s*|'\s*)+\})")  # σ^{\prime}, σ^{'}
LAYER = re.compile(r"^\(?\s*([lL])\s*(?:([+-])\s*(\d+))?\s*\)?$")
KNOWN_MACROS = set(GREEK) | set(NATIVE_FUNCS) | {
    "ne", "neq", "frac", "dfrac", "tfrac", "partial", "sum", "prod", "lim", "to", "infty", "cdot", "times",
    "odot", "circ", "bullet", "otimes", "mathbf", "boldsymbol", "bm", "vec", "mathrm", "operatorname", "text",
    "mathsf", "top", "intercal", "prime", "nabla", "pi", "rightarrow", "|", "{", "}", "ell",
    "rm", "mathit", "\\", "cdots", "ldots", "hat", "widehat", "tilde", "widetilde", "bar",
    "overline", "check", "breve", "dot", "ddot", "begin", "end", "vdots", "ddots", "cr"}


class LatexInputError(InputError):
    """A claim that cannot be read; ``where`` shows the input with a caret."""


def fail(message: str, text: str, pos: int | None, hint: str | None = None):
    where = None
    if pos is not None:
        pos = max(0, min(pos, len(text)))
        shown = text if len(text) <= 160 else text[max(0, pos - 60):pos + 60]
        offset = pos if len(text) <= 160 else min(pos, 60)
        where = f"\n    {shown}\n    {' ' * offset}^"
    raise LatexInputError(message, where=where, hint=hint)


@dataclass
class Atom:
    """A written name with its scripts: ``w^l_{jk}`` → name w, layer 'l', indices ['j', 'k']."""

    name: str
    bold: bool = False
    layer: str | None = None  # 'l', 'l+1', 'L-1', …
    indices: tuple[str, ...] = ()
    transposed_later: bool = False


@dataclass
class Raw:
    """What pre-processing produced: a latex2sympy2 tree plus its placeholder table."""

    tree: object
    table: dict = field(default_factory=dict)


def placeholder_name(key: str) -> str:
    """The symbol name the arithmetic layer gives ``\\variable{key}`` (the key itself:
    keys are ``pN``/``SIZE`` and every letter a user writes is itself a placeholder, so
    no user name can collide with one)."""
    return key


class ArithmeticSyntaxError(Exception):
    """latex2sympy2_extended could not parse a flattened expression (an input error)."""


_CONVERSION = None


def parse_arithmetic(flat: str):
    """latex2sympy2_extended on a flattened string: +, −, products in written order,
    ``\\frac``, powers, ``\\sum``, ``\\lim``, ``\\ln``, ``\\exp`` (layer 1's output).

    Its LaTeX normalisation is off and symbol case is kept (see known pitfalls: its
    defaults lowercase ``A`` and drop primes and transposes; layer 1 has already cut
    those out).  Only the parser's own syntax errors are input errors: a failure to
    import it, or anything else it raises, is a bug and propagates (exit 70).
    """
    global _CONVERSION
    from latex2sympy2_extended.latex2sympy2 import ConversionConfig, latex2sympy

    if _CONVERSION is None:
        _CONVERSION = ConversionConfig(interpret_as_mixed_fractions=False,
                                       interpret_simple_eq_as_assignment=False,
                                       interpret_contains_as_eq=False,
                                       lowercase_symbols=False)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            return latex2sympy(flat, normalization_config=None, conversion_config=_CONVERSION)
    except RecursionError:
        raise
    except Exception as exc:  # noqa: BLE001 - the parser raises bare Exception on bad syntax
        if type(exc) is not Exception and not type(exc).__module__.startswith(
                ("latex2sympy2_extended", "antlr4")):
            raise
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ArithmeticSyntaxError(msg) from None


def precheck(text: str) -> str:
    """Refuse empty, huge, binary or unbalanced input before any parsing."""
    if not isinstance(text, str):
        raise LatexInputError("the claim is not text")
    if not text.strip():
        raise LatexInputError("the claim is empty", hint="give an equation such as 'x + x = 2x'")
    if len(text) > MAX_LENGTH:
        raise LatexInputError(f"the claim is too long ({len(text)} characters; at most "
                              f"{MAX_LENGTH})", hint="check one equation at a time")
    for pos, ch in enumerate(text):
        if (ord(ch) < 32 and ch not in "\t\n\r") or ch in "\ufffd\x7f" or ord(ch) > 0x2fff:
            fail(f"the claim contains a non-text character ({ch!r})", text, pos,
                 "claims are LaTeX source, e.g. '\\sigma'(z) = \\sigma(z)(1-\\sigma(z))'")
        if ord(ch) > 126:
            fail(f"the character {ch!r} is not understood", text, pos,
                 "write LaTeX macros instead (\\sigma, \\odot, …)")
    depth = 0
    stack = []
    for pos, ch in enumerate(text):
        if ch == "{" and (pos == 0 or text[pos - 1] != "\\"):
            stack.append(pos)
        elif ch == "}" and (pos == 0 or text[pos - 1] != "\\"):
            if not stack:
                fail("unbalanced braces: '}' without '{'", text, pos)
            stack.pop()
    if stack:
        fail("unbalanced braces: '{' is never closed", text, stack[-1])
    for m in re.finditer(r"\\([a-zA-Z]+)", text):
        if m.group(1) not in KNOWN_MACROS and m.group(1) not in _STRIPPED:
            fail(f"unknown macro \\{m.group(1)}", text, m.start(),
                 "symbp reads backpropagation / matrix-calculus notation; "
                 "see `symbp verify --help`")
    del depth
    return text


_STRIPPED = {m[1:].rstrip(".") for m in SPACING if m[1:].rstrip(".").isalpha()}


_INDICATOR = re.compile(r"\\mathbb\s*\{\s*1\s*\}\s*(?:\\left\s*)?(\(|\\\{)")


def indicators(text: str) -> str:
    """CS231n's indicator 𝟙(·): 𝟙(u > v) is the step function of u − v (as ∂max(0, u)/∂u),
    𝟙(j = y_i) is Kronecker's δ_{j,y_i}.  Others are left for the reader to refuse."""
    out, k = [], 0
    for m in _INDICATOR.finditer(text):
        if m.start() < k:
            continue
        close = "\\}" if m.group(1) == "\\{" else ")"
        depth, j = 1, m.end()
        while j < len(text) and depth:
            if text.startswith(m.group(1), j):
                depth += 1
            elif text.startswith(close, j):
                depth -= 1
                if not depth:
                    break
            j += 1
        if depth:
            continue
        inner = re.sub(r"\\right\s*$", "", text[m.end():j]).strip()
        rep = _indicator_of(inner)
        if rep is None:
            continue
        out.append(text[k:m.start()] + rep)
        k = j + len(close)
    text = "".join(out) + text[k:]
    # Iverson's bracket [k = y_i], [x > 0] (CS231n writes it for 𝟙): a relation alone in [ ]
    return re.sub(r"(?<![\\\w])\[([^\[\]=<>]+(?:=|>|<|\\[gl]eq?(?![A-Za-z])|\\[gl]t(?![A-Za-z]))"
                  r"[^\[\]=<>]+)\]", lambda b: _indicator_of(b.group(1).strip()) or b.group(0), text)


_GREATER = (">", "\\gt", "\\ge", "\\geq")


def _indicator_of(inner: str) -> str | None:
    """𝟙(u > v) (or ≥) as step(u − v); 𝟙(j = y_i) as δ_{j,y_i}; None for anything else."""
    cmp = re.fullmatch(r"(.+?)\s*(>|<|\\gt(?![A-Za-z])|\\lt(?![A-Za-z])|\\geq?(?![A-Za-z])|"
                       r"\\leq?(?![A-Za-z]))\s*(.+)", inner)
    eq = re.fullmatch(r"([a-zA-Z](?:_\{?[a-zA-Z]\}?)?)\s*=\s*([a-zA-Z](?:_\{?[a-zA-Z]\}?)?)", inner)
    if cmp:  # u > v is 0 where u = v, u ≥ v is 1 there (𝟙(h > 0) with h = max(0, ·) is 0
        # at h = 0, which a sample hits whenever the pre-activation is negative)
        u, op, v = cmp.groups()
        diff = f"({u}) - ({v})" if op in _GREATER else f"({v}) - ({u})"
        step = "stepge" if op.startswith(("\\ge", "\\le")) else "step"
        return r"\mathrm{%s}(%s)" % (step, diff if v.strip() != "0" or op not in _GREATER else u)
    if eq:
        return r"\delta_{%s,%s}" % (eq.group(1).replace("{", "").replace("}", ""),
                                    eq.group(2).replace("{", "").replace("}", ""))
    return None


#: a layer or example label in brackets, then a transpose, in one superscript:
#: W^{[2]T}, A^{[l-1]T}, h^{(k-1)\top}, x^{(i)\mathsf{T}}
_LABEL_TRANSPOSED = re.compile(
    r"\^\s*\{\s*[(\[]\s*(\d+|[A-Za-z]\s*(?:[+-]\s*\d+\s*)?)[)\]]\s*(?:T|\\top|\\intercal|"
    r"\\mathsf\s*\{\s*T\s*\}|\\mathrm\s*\{\s*T\s*\})\s*\}")
#: Andrew Ng's layer in square brackets: a^{[2]}, W^{[l]}, A^{[l-1]}
_NG_LAYER = re.compile(r"\^\s*\{\s*\[\s*(\d+|[A-Za-z]\s*(?:[+-]\s*\d+\s*)?)\]\s*\}")


_EQUALS_SIGNS = re.compile(
    r"\\(?:equiv|triangleq|coloneqq|doteq)(?![A-Za-z])|:=|\\(?:overset|stackrel)\s*\{\s*"
    r"(?:\\text|\\mathrm)?\s*\{?\s*(?:def|\\triangle)\s*\}?\s*\}\s*\{\s*=\s*\}")


def equals_signs(text: str) -> str:
    """≡, ≜, :=, \\stackrel{def}{=}: a definition or an identity, read as '='.  Inside
    ``cases``, the words of a condition in Chinese (当 x > 0 时, 其他) become English."""
    text = _EQUALS_SIGNS.sub("=", text)
    return re.sub(r"\\begin\s*\{\s*cases\s*\}.*?\\end\s*\{\s*cases\s*\}", lambda m: re.sub(
        r"\\text\s*\{\s*(当|若|如果|其他|否则|其它|时)\s*[,，]?\s*\}",
        lambda w: {"当": r"\text{if}", "若": r"\text{if}", "如果": r"\text{if}",
                   "时": " "}.get(w.group(1), r"\text{otherwise}"), m.group(0)), text, flags=re.S)


def normalize(text: str) -> str:
    """Drop sizing and spacing macros (\\left, \\Big, \\,) and trailing punctuation; a row
    break ``\\\\`` (inside a written matrix) becomes ``\\cr``."""
    text = text.replace("\\\\", " \\cr ")
    # Bishop's \left\{ t_n − wᵀφ(x_n) \right\}: braces as brackets
    text = re.sub(r"\\left\s*\\\{", "(", text)
    text = re.sub(r"\\right\s*\\\}", ")", text)
    text = re.sub(r"(?<![A-Za-z\\])d\s*\\[,;:!]\s*(?=\\mathrm|\\operatorname|tr|Tr|\\ln|\\log|\\det)",
                  "d", text)  # d\,\mathrm{tr}(X): the differential of the trace
    # \vec{a_{out}}: the subscript written inside the arrow is the name's subscript
    text = re.sub(r"\\(vec|mathbf|boldsymbol|bm|overrightarrow)\s*\{\s*(\\?[A-Za-z]+)\s*_\s*"
                  r"(\{[^{}]*\}|\w)\s*\}", lambda m: "\\%s{%s}_%s" % (
                      "vec" if m.group(1) == "overrightarrow" else m.group(1), m.group(2),
                      m.group(3)), text)
    # \Delta w_{kj}, \Delta b: the change of w is a name of its own, not Δ times w
    text = re.sub(r"\\Delta\s*(?:\\mathrm\s*\{\s*([A-Za-z]+)\s*\}|(net|[A-Za-z])(?![A-Za-z]))",
                  lambda m: r"\mathrm{Delta%s}" % (m.group(1) or m.group(2)), text)
    # \boldsymbol{\sigma}'(\mathbf{z}): the activation applied to a vector, written bold
    text = re.sub(r"\\(?:boldsymbol|mathbf|bm)\s*\{\s*\\(sigma|phi|tanh)\s*\}(?=\s*(?:'|\^|\())",
                  r"\\\1", text)
    text = equals_signs(text)
    # Σ_{d ∈ D}, Σ_{k ∈ outputs} (Mitchell), Σ_{i ∈ \mathcal{B}} (d2l): a sum over that index
    text = re.sub(r"(\\sum\s*_\s*\{\s*[A-Za-z]\s*)\\in\s*(?:\\mathcal\s*\{\s*[A-Z]\s*\}|[A-Za-z]+)\s*\}",
                  r"\1}", text)
    # \mathbf{1}_N, \mathbf{1}_{n}: the column of ones, its length from its neighbours
    text = re.sub(r"(\\(?:mathbf|boldsymbol|bm)\s*\{\s*1\s*\})\s*_\s*(?:\{\s*[A-Za-z]\s*\}|[A-Za-z])",
                  r"\1", text)
    # \text{out}_{o1}, \text{target}_{o1} (Mazur's worked example typed in text mode): a name
    text = re.sub(r"\\text\s*\{\s*([A-Za-z]{2,})\s*\}(?=\s*_)", r"\\mathrm{\1}", text)
    # Andrew Ng's a^{[2]}, W^{[l]}, A^{[l-1]T}; GBC's h^{(k-1)\top}: the layer in brackets
    # (as a^{(2)}, a^{(l)}), transposed when a T follows it inside the superscript
    text = _LABEL_TRANSPOSED.sub(lambda m: "^{(%s)}^{T}" % re.sub(r"\s+", "", m.group(1)), text)
    text = _NG_LAYER.sub(lambda m: "^{(%s)}" % re.sub(r"\s+", "", m.group(1)), text)
    # UFLDL's a^{(n_l)}: the output layer n_l is L (a^{(n_l - 1)} is L-1)
    text = re.sub(r"\^\s*\{\s*\(?\s*n_\s*\{?\s*l\s*\}?\s*(?:-\s*(\d+)\s*)?\)?\s*\}",
                  lambda m: "^{L%s}" % (f"-{m.group(1)}" if m.group(1) else ""), text)
    for m in SPACING:
        if m[1:].isalpha():
            text = re.sub(re.escape(m) + r"(?![a-zA-Z])", " ", text)
        else:
            text = text.replace(m, " ")
    text = re.sub(r"\\(?:left|right)\s*(?=[(\[|])", "", text)
    text = text.replace(r"\lbrack", "[").replace(r"\rbrack", "]")
    return text.strip().rstrip(".,;").strip()


def split_relation(text: str) -> list[tuple[str, int]]:
    """``a = b = c`` → [(a, 0), (b, pos), (c, pos)]; '=' inside brackets or sums is kept."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        elif c == "=" and depth == 0:
            parts.append((text[start:i], start))
            start = i + 1
    parts.append((text[start:], start))
    return parts


_CJK_SUB = re.compile(r"_\s*\{\s*(?:\\(?:text|mathrm)\s*\{\s*([\u3400-\u9fff\uf900-\ufaff]+)\s*\}"
                      r"|([\u3400-\u9fff\uf900-\ufaff]+))\s*\}")


def cjk_labels(text: str) -> str:
    """``\\delta_{输出层}``: a Chinese word as a subscript is a label.  Each distinct word
    becomes an ASCII label (``cjk…``, its code points in letters) so the rest of the reader
    sees a name."""
    def label(m):
        # the same word gets the same label in every text (the claim and each definition
        # are read separately): its code points spelled in letters
        word = m.group(1) or m.group(2)
        return "_{cjk" + "".join(chr(65 + int(d, 16)) for c in word
                                 for d in f"{ord(c):04x}") + "}"

    text = _CJK_SUB.sub(label, text)
    # a^{(输出)}, \delta^{(隐藏层)}: a Chinese word in a layer's parentheses is a label too
    return _CJK_SUP.sub(lambda m: label(m) if m.group(1) else m.group(0), text)


#: a superscript (输出), ^{(隐藏层)}: the layer written as a Chinese word
_CJK_SUP = re.compile(r"\^\s*\{\s*\(\s*([\u3400-\u9fff\uf900-\ufaff]+)()\s*\)\s*\}")


def read_claim(text: str, functions=frozenset(), names=frozenset()):
    """Check and split a claim, then parse each side.  Returns the scanner
    (:class:`symbp.claims.scanner.Scanner`) and ``[(raw, side_text, position)]``
    in order (two or more sides).  ``functions``: further names that are functions when
    applied, from definitions such as ``\\zeta(x) = \\log(1 + e^x)``; ``names``: letters
    that definitions make plain names (``f = …``), so ``f (1 - f)`` is a product."""
    from ..claims.scanner import Scanner

    text = indicators(cjk_labels(text))
    precheck(text)
    clean = normalize(text)
    checked = re.sub(r"\\sum\s*_\s*\{\s*[a-zA-Z]\s*\\neq?\s*[a-zA-Z](?:_\{?[a-zA-Z]\}?)?\s*\}",
                     r"\\sum_{}", clean)
    for bad in (r"\neq", r"\ne ", r"\approx", r"\leq", r"\geq", r"\le ", r"\ge "):
        if bad in checked + " ":
            fail(f"the relation {bad.strip()} is not supported; only '=' is checked", clean,
                 clean.find(bad))
    sides = split_relation(clean)
    if len(sides) < 2:
        fail("the claim has no '='", clean, len(clean),
             "write an equation, e.g. 'lhs = rhs' or a chain 'a = b = c'")
    scanner = Scanner(clean, functions, names)
    out = []
    for side, pos in sides:
        if not side.strip():
            fail("one side of the '=' is empty", clean, pos)
        out.append((scanner.parse(side, pos), side.strip(), pos))
    return scanner, out
