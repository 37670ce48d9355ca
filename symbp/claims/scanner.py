"""Layer 1 of the claim reader: scanning LaTeX into placeholders for latex2sympy2.

See :mod:`symbp.notation.latex_in` for why.  :class:`Scanner` walks a claim
left to right; every construct latex2sympy2 gets wrong (scripted names,
groups, calls with primes, derivative fractions, norms, ⊙, transposes) is
parsed recursively and replaced by ``\\variable{pN}``; latex2sympy2 parses the
rest.  The placeholder table says what each ``pN`` stands for.
"""

from __future__ import annotations

import re

from ..notation.latex_in import (
    FUNC_GREEK,
    GREEK,
    INV_TRANSPOSE,
    LAYER,
    LETTER_FUNCS,
    NAMED_FUNCS,
    NATIVE_FUNCS,
    PRIME_SUP,
    TRANSPOSE,
    Atom,
    Raw,
    fail,
    placeholder_name,
)

#: what may follow a bare ``d`` for it to be a differential: dX, d(…), d|X|, d\mathbf{x},
#: dx (one lowercase letter, not a longer name), d\ln x, d\,\mathrm{tr}(X), …
_DIFFERENTIAL_AFTER = re.compile(
    r"[A-Z(|]|[a-z](?![A-Za-z])|(?:tr|Tr|det|ln|log|exp|diag)\s*[({\\]|"
    r"(?:\s|\\[,;!])*\\(?:mathbf|boldsymbol|bm|ln|log|exp|det|"
    r"tanh|sigma|mathrm|operatorname|left|hat|tilde|bar|frac|dfrac|tfrac|ell)(?![a-zA-Z])")


def _starts_differential(s: str, k: int) -> bool:
    return k < len(s) and bool(_DIFFERENTIAL_AFTER.match(s, k))


class Scanner:
    """Pre-processing of one claim (see module docstring, layer 1)."""

    def __init__(self, source: str, functions=frozenset(), names=frozenset()):
        self.source = source
        self.functions = frozenset(functions)  # \\zeta, softplus: user-defined functions
        self.names = frozenset(names)  # f = …: f is a name here, not a function
        self.table: dict[str, tuple] = {}
        self.atoms: list[Atom] = []
        self.counter = 0

    # -- helpers ---------------------------------------------------------
    def new(self, entry: tuple) -> str:
        self.counter += 1
        key = f"p{self.counter}"
        self.table[placeholder_name(key)] = entry
        return rf" \variable{{{key}}} "

    def error(self, message, pos, hint=None):
        fail(message, self.source, pos, hint)

    @staticmethod
    def match_close(s: str, i: int) -> int:
        """Index of the bracket closing the one at ``s[i]`` (any of ( [ {)."""
        depth = 0
        j = i
        while j < len(s):
            c = s[j]
            if c == "\\" and j + 1 < len(s) and s[j + 1] in "{}":
                j += 2
                continue
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
                if depth == 0:
                    return j
            j += 1
        return -1

    def brace_arg(self, s: str, i: int, base: int) -> tuple[str, int]:
        """The argument at ``s[i]``: ``{...}`` or a single character / macro."""
        while i < len(s) and s[i] == " ":
            i += 1
        if i >= len(s):
            self.error("an argument is missing at the end", base + i)
        if s[i] == "{":
            j = self.match_close(s, i)
            if j < 0:
                self.error("unbalanced braces", base + i)
            return s[i + 1:j], j + 1
        if s[i] == "\\":
            m = re.match(r"\\[a-zA-Z]+", s[i:])
            if m:
                return m.group(0), i + m.end()
        return s[i], i + 1

    # -- entry point -----------------------------------------------------
    def parse(self, s: str, base: int = 0) -> Raw:
        """Flatten ``s`` to placeholders, then hand it to latex2sympy2."""
        if not s.strip():
            self.error("an expression is empty", base)
        flat = self.flatten(s, base)
        return Raw(run_latex2sympy(flat, self, base), self.table)

    def parse_group(self, s: str, base: int) -> str:
        return self.new(("group", self.parse(s, base)))

    # -- the scanner -----------------------------------------------------
    def flatten(self, s: str, base: int) -> str:
        out: list[str] = []
        i = 0
        n = len(s)
        while i < n:
            c = s[i]
            if c.isspace():
                out.append(" ")
                i += 1
                continue
            if c in "([":
                j = self.match_close(s, i)
                if j < 0:
                    self.error("unbalanced parenthesis", base + i)
                inner = s[i + 1:j]
                if top_level_split(inner, ","):
                    self.error("a comma list is only allowed as function arguments", base + i,
                               "write products without commas")
                i = j + 1
                t = skip_space(s, i)
                if t < n and s[t] == "_":  # (W^l)_{jk}: an entry of the matrix in parentheses
                    sub, k = self.brace_arg(s, t + 1, base)
                    indices = split_indices(sub)
                    if indices is None or len(indices) > 2:
                        self.error(f"the subscript {{{sub}}} is not understood", base + t,
                                   "an entry is written (W^l)_{jk} with one or two indices")
                    out.append(self.new(("entry", self.parse(inner, base + i), indices)))
                    i = k
                    continue
                out.append(self.parse_group(inner, base + i + 1))
                continue
            if c == "{":
                j = self.match_close(s, i)
                if j < 0:
                    self.error("unbalanced braces", base + i)
                out.append(self.parse_group(s[i + 1:j], base + i + 1))
                i = j + 1
                continue
            if c in ")]}":
                self.error("unbalanced closing bracket", base + i)
            if c == "|":
                j = s.find("|", i + 1)
                if j < 0:
                    self.error("unmatched |", base + i)
                out.append(self.new(("abs", self.parse(s[i + 1:j], base + i + 1))))
                i = j + 1
                continue
            if c == "^":
                m = INV_TRANSPOSE.match(s, i)
                if m:
                    out.append(self.new(("invtranspose",)).join(["^{", "}"]))
                    i = m.end()
                    continue
                m = TRANSPOSE.match(s, i)
                if m:
                    out.append(self.new(("transpose",)).join(["^{", "}"]))
                    i = m.end()
                    continue
                arg, j = self.brace_arg(s, i + 1, base)
                out.append("^{" + self.flatten(arg, base + i + 1) + "}")
                i = j
                continue
            if c == "_":
                self.error("a subscript must follow a name (like z_j)", base + i)
            if c == "'":
                self.error("a prime must follow a function name, as in \\sigma'(z)", base + i)
            if c == "&":
                i += 1
                continue
            if c == "\\":
                i = self.macro(s, i, base, out)
                continue
            if c.isalpha():
                i = self.letter(s, i, base, out)
                continue
            if c == "/":
                j = skip_space(s, i + 1)
                if j < n and (s[j].isdigit() or s[j] == "."):
                    while j < n and (s[j].isdigit() or s[j] == "."):
                        j += 1
                else:
                    j = self.primary_end(s, i + 1, base)
                t = skip_space(s, j)
                if t < n and s[t] not in "+-=)]}*/,&" and not s.startswith((r"\cdot", r"\times",
                                                                             r"\odot"), t):
                    self.error("a '/' followed by a product is ambiguous", base + i,
                               r"write \frac{a}{bc} or (a/b)c")
            if c.isdigit() or c in "+-*/.!,<>":
                out.append(c)
                i += 1
                continue
            if c == "=":
                self.error("'=' inside an expression is not understood here", base + i)
            self.error(f"character {c!r} is not understood", base + i)
        return "".join(out)

    def macro(self, s: str, i: int, base: int, out: list[str]) -> int:
        m = re.match(r"\\([a-zA-Z]+|.)", s[i:])
        name = m.group(1)
        end = i + m.end()
        if name == "|":
            j = s.find(r"\|", end)
            if j < 0:
                self.error(r"unmatched \|", base + i)
            inner = self.parse(s[end:j], base + end)
            k = j + 2
            sub = None
            if s[k:k + 1] == "_":
                sub, k = self.brace_arg(s, k + 1, base)
                if sub.strip() not in ("2", "F"):
                    self.error("only the 2-norm and Frobenius norm are understood", base + j)
            out.append(self.new(("norm", inner)))
            return k
        if name in ("frac", "dfrac", "tfrac"):
            return self.fraction(s, end, base, out)
        if name == "nabla":
            sub, k = self.brace_arg(s, end + 1, base) if s[end:end + 1] == "_" else (None, end)
            if sub is None:
                self.error(r"\nabla needs a subscript, as in \nabla_a C", base + i)
            var = self.parse(sub, base + end)
            operand_end = self.operand_end(s, k, base)
            operand = self.parse(s[k:operand_end], base + k)
            out.append(self.new(("deriv", operand, var, 1)))
            return operand_end
        if name in ("sum", "prod", "lim", "log"):
            return self.limits(s, end, base, out, name)
        if name == "partial" and s[skip_space(s, end):skip_space(s, end) + 1] == "_":
            # ∂_{o_j} l(…) (d2l): the partial derivative by o_j, an operator like ∇_x
            sub, k = self.brace_arg(s, skip_space(s, end) + 1, base)
            var = self.parse(sub, base + end)
            operand_end = self.operand_end(s, k, base)
            operand = self.parse(s[k:operand_end], base + k)
            out.append(self.new(("deriv", operand, var, 1)))
            return operand_end
        if name == "partial" and skip_space(s, end) < len(s):
            return self.differential(s, end, base, out, i)  # Cookbook: ∂(X⁻¹) = −X⁻¹(∂X)X⁻¹
        if name == "cdot":  # a product, or the dot product of two columns (see Builder.dot)
            out.append(r" \cdot " + self.new(("dot",)) + r" \cdot ")
            return end
        if name in ("to", "infty", "pi", "times", "partial"):
            out.append(f"\\{name} ")
            return end
        if name == "otimes":  # the Kronecker product
            out.append(r" \cdot " + self.new(("kronecker",)) + r" \cdot ")
            return end
        if name in ("odot", "circ", "bullet"):  # UFLDL writes • for ⊙
            out.append(r" \cdot " + self.new(("hadamard",)) + r" \cdot ")
            return end
        if name in ("cdots", "ldots"):
            self.error("ellipses (\\cdots) are not understood", base + i,
                       "write the sum with \\sum")
        if name in ("mathbf", "boldsymbol", "bm", "vec", "mathrm", "operatorname", "text",
                    "mathit", "mathsf", "rm"):
            arg, k = self.brace_arg(s, end, base)
            arg = arg.strip()
            if name in ("mathrm", "operatorname", "text", "mathsf", "rm", "mathit") \
                    and arg in NAMED_FUNCS:
                return self.function(s, k, base, out, NAMED_FUNCS[arg], i)
            if name in ("mathrm", "operatorname", "text") and arg in NATIVE_FUNCS:
                return self.function(s, k, base, out, NATIVE_FUNCS[arg], i)
            if arg in self.functions:  # \\mathrm{softplus}(x) with its definition given
                return self.function(s, k, base, out, arg, i)
            if name in ("mathrm", "operatorname") and re.fullmatch(r"[A-Za-z]{3,}", arg) \
                    and s[skip_space(s, k):skip_space(s, k) + 1] == "(" \
                    and not _NAME_WORD.fullmatch(arg):
                self.error(f"\\{name}{{{arg}}} is applied like a function that symbp does "
                           "not know", base + i,
                           f"give its definition, e.g. --define '\\{name}{{{arg}}}(x) = …'")
            if name == "mathrm" and arg == "d":
                return self.differential(s, k, base, out, i)
            bold = name in ("mathbf", "boldsymbol", "bm", "vec")
            if bold and arg == "1":  # \mathbf{1}: the column of ones, as long as it must be
                out.append(self.new(("ones",)))
                return k
            inner = arg.removeprefix("\\")
            if bold and re.fullmatch(r"[A-Z]{2,3}", inner):  # \mathbf{XY}: the product X Y
                for letter in inner[:-1]:
                    self.atoms.append(Atom(letter, True))
                    out.append(self.new(("atom", self.atoms[-1])))
                return self.atom(s, k, base, out, inner[-1], True, i)
            if not re.fullmatch(r"[A-Za-z]+", inner) or (len(inner) > 1 and not arg.startswith("\\")
                                                         and bold):
                if not (re.fullmatch(r"[A-Za-z]+", inner)):
                    self.error(f"\\{name}{{{arg}}} is not understood", base + i)
            return self.atom(s, k, base, out, inner, bold, i)
        if name == "begin":
            return self.explicit_matrix(s, i, end, base, out)
        if name in DECORATIONS:  # \hat{y}, \tilde{x}, \bar{z}: a name of its own
            arg, k = self.brace_arg(s, end, base)
            arg = arg.strip()
            m = re.fullmatch(r"\\?([A-Za-z]+)|\\(?:mathbf|boldsymbol|bm)\s*\{\s*([A-Za-z])\s*\}", arg)
            if not m or (m.group(1) and len(m.group(1)) > 1 and not arg.startswith("\\")):
                self.error(f"\\{name}{{{arg}}} is not understood", base + i,
                           "a hat, tilde or bar goes on one name, as in \\hat{y}")
            inner = (m.group(1) or m.group(2)) + DECORATIONS[name]
            return self.atom(s, k, base, out, inner, bool(m.group(2)), i)
        if name in NATIVE_FUNCS:
            j = skip_space(s, end)
            if name == "log" and s[j:j + 1] == "_":
                out.append(r"\log")
                return end
            if s[j:j + 1] in ("(", "[", "'") or name == "det":  # \tanh(z), \tanh'(z), \det X
                return self.function(s, end, base, out, NATIVE_FUNCS[name], i)
            if name == "sqrt" and s[j:j + 1] == "{":  # \sqrt{x^2}
                arg, k = self.brace_arg(s, j, base)
                out.append(r"\sqrt{" + self.flatten(arg, base + j + 1) + "}")
                return k
            out.append("\\" + ("ln" if name == "log" else name) + " ")
            return end
        if name in GREEK:
            return self.letter(s, i, base, out, name=name, end=end)
        if name == "ell":
            return self.letter(s, i, base, out, name="l", end=end)
        self.error(f"unknown macro \\{name}", base + i,
                   "symbp reads the notation of backpropagation and matrix calculus; "
                   "see `symbp verify --help`")
        return end

    def explicit_matrix(self, s: str, i: int, end: int, base: int, out: list[str]) -> int:
        """``\\begin{bmatrix} a & b \\\\ c & d \\end{bmatrix}`` (also pmatrix, matrix): a matrix
        of written entries, each a scalar expression."""
        m = re.match(r"\s*\{\s*(bmatrix|pmatrix|matrix|Bmatrix|smallmatrix|cases)\s*\}", s[end:])
        if not m:
            self.error("only bmatrix, pmatrix and matrix environments are read here",
                       base + i, "write a small matrix as \\begin{bmatrix} a & b \\end{bmatrix}")
        env = m.group(1)
        start = end + m.end()
        depth, k = 1, start
        pattern = re.compile(r"\\(begin|end)\s*\{\s*" + env + r"\s*\}")
        while depth:
            mm = pattern.search(s, k)
            if not mm:
                self.error(f"\\begin{{{env}}} is never closed", base + i)
            depth += 1 if mm.group(1) == "begin" else -1
            k = mm.end()
        body = s[start:mm.start()]
        if env == "cases":
            out.append(self.new(("cases", self.cases(body, base + start))))
            return k
        rows = [r.strip() for r in re.split(r"\\cr(?![a-zA-Z])", body) if r.strip()]
        if "&" not in body and any(r == "\\vdots" for r in rows) and len(rows) in (3, 5) \
                and all((r == "\\vdots") == (k % 2 == 1) for k, r in enumerate(rows)):
            # [x_1; ⋮; x_j (special); ⋮; x_n]: a column given by its pattern
            parsed = [None if r == "\\vdots" else self.parse(r, base + start) for r in rows]
            out.append(self.new(("pattern", parsed)))
            return k
        if re.search(r"\\[vdc]?dots|\\ldots", body):
            self.error("a matrix written with \\vdots or \\cdots is not read (its size is "
                       "not written out)", base + i)
        rows = [r for r in re.split(r"\\cr(?![a-zA-Z])", body) if r.strip()]
        table, offset = [], start
        for row in rows:
            cells = top_level_split(row, "&") or [row]
            table.append([self.parse(c, base + offset) for c in cells])
            offset += len(row) + 3
        if len({len(r) for r in table}) != 1:
            self.error("the rows of the matrix have different lengths", base + i)
        out.append(self.new(("explicit", table)))
        return k

    def cases(self, body: str, base: int) -> list:
        """The rows of ``\\begin{cases} 1, & x > 0 \\\\ 0, & \\text{otherwise} \\end{cases}``:
        [(value, (left, relation, right) or None for "otherwise")]."""
        rows = []
        for row in (r for r in re.split(r"\\cr(?![a-zA-Z])", body) if r.strip()):
            cells = top_level_split(row, "&") or [row]
            if len(cells) != 2:
                self.error("each case is written 'value & condition'", base)
            value = re.sub(r"[,;]\s*$", "", cells[0].strip())
            cond = re.sub(r"\\text\s*\{\s*(?:if|for|when|where)?\s*[,:]?\s*\}", " ",
                          cells[1])
            cond = re.sub(r"^(?:\s|,|\\q?quad)*(?:if|for|when)\b", " ", cond).strip(" ,.;")
            if re.fullmatch(r"\\text\s*\{\s*(?:otherwise|else|other\s*cases?)\s*\}|"
                            r"otherwise|else|", cond):
                rows.append((self.parse(value, base), None))
                continue
            rel = re.fullmatch(r"(.+?)\s*(>|<|\\geq?(?![A-Za-z])|\\leq?(?![A-Za-z])|=|"
                               r"\\neq?(?![A-Za-z]))\s*(.+)", cond, re.S)
            if not rel:
                self.error(f"the condition '{cond}' of a case is not understood", base,
                           "write a relation such as x > 0, or \\text{otherwise}")
            rows.append((self.parse(value, base),
                         (self.parse(rel.group(1), base), rel.group(2),
                          self.parse(rel.group(3), base))))
        if not rows:
            self.error("the cases are empty", base)
        return rows

    def limits(self, s: str, k: int, base: int, out: list[str], name: str) -> int:
        """``\\sum_{j=1}^{n}``, ``\\sum_j`` (1..n), ``\\lim_{c \\to \\infty}``, ``\\log_2``."""
        t = skip_space(s, k)
        if s[t:t + 1] != "_":
            if name in ("sum", "prod"):
                self.error(f"\\{name} needs a subscript, as in \\{name}_{{j=1}}^{{n}}", base + k)
            out.append("\\ln " if name == "log" else "\\lim ")
            return k
        sub, k = self.brace_arg(s, t + 1, base)
        if name == "log":
            out.append(r"\log_{" + self.flatten(sub, base + t) + "} ")
            return k
        if name == "lim":
            m = re.fullmatch(r"\s*([a-zA-Z])\s*(?:\\to|\\rightarrow)\s*(.+)", sub, re.DOTALL)
            if not m:
                self.error("a limit is written \\lim_{c \\to \\infty}", base + t)
            out.append(r"\lim_{" + m.group(1) + r" \to " + self.flatten(m.group(2), base + t)
                       + "} ")
            return k
        m = re.fullmatch(r"\s*([a-zA-Z])\s*(?:\\neq?|\u2260)\s*([a-zA-Z](?:_\{?[a-zA-Z]\}?)?)\s*", sub)
        if m and name == "sum":  # \sum_{i \ne k}: over 1..n without i = k
            out.append(f"\\sum_{{{m.group(1)}={self.new(('except', m.group(2))).strip()}}}"
                       f"^{{\\variable{{SIZE}}}} ")
            return k
        pair = re.fullmatch(r"\s*([a-zA-Z])\s*,?\s*([a-zA-Z])\s*(?:=\s*(.+))?", sub, re.DOTALL)
        if pair and name == "sum":  # \sum_{i,j} A_{ij}B_{ij}: a double sum, each index over 1..n
            hi = None
            if pair.group(3):
                t2 = skip_space(s, k)
                if s[t2:t2 + 1] != "^":
                    self.error("a sum with a lower bound needs an upper bound", base + t2)
                hi, k = self.brace_arg(s, t2 + 1, base)
            for v in pair.group(1), pair.group(2):
                lo = self.flatten(pair.group(3), base + t) if hi is not None else "1"
                top = self.flatten(hi, base + t) if hi is not None else "\\variable{SIZE}"
                out.append(f"\\sum_{{{v}={lo}}}^{{{top}}} ")
            return k
        if "=" in sub:
            var, lo = sub.split("=", 1)
            if not re.fullmatch(r"\s*[a-zA-Z]\s*", var):
                self.error("a sum index must be one letter", base + t)
            t2 = skip_space(s, k)
            if s[t2:t2 + 1] != "^":
                self.error("a sum with a lower bound needs an upper bound", base + t2)
            hi, k = self.brace_arg(s, t2 + 1, base)
            out.append(f"\\{name}_{{{self.flatten(var, base + t)}={self.flatten(lo, base + t)}}}"
                       f"^{{{self.flatten(hi, base + t2)}}} ")
            return self.whole_summand(s, k, base, out, var.strip(), name)
        if not re.fullmatch(r"\s*[a-zA-Z]\s*", sub):
            self.error("a sum index must be one letter", base + t)
        out.append(f"\\{name}_{{{self.flatten(sub, base + t)}=1}}^{{\\variable{{SIZE}}}} ")
        return self.whole_summand(s, k, base, out, sub.strip(), name)

    def whole_summand(self, s: str, k: int, base: int, out: list[str], var: str,
                      name: str) -> int:
        """``\\sum_{i=1}^{m} y_i \\log h_i + (1 - y_i)\\log(1 - h_i)`` (CS229): a term after
        the sum that uses its index i cannot stand outside it (i would mean nothing there),
        so the sum runs over the rest of the expression, as its writer means."""
        if name != "sum":
            return k
        end = term_end(s, k, "+-=")
        rest = s[end:]
        if end >= len(s) or not re.match(r"\s*[+-]", rest):
            return k
        indices = re.findall(r"_\s*\{([^{}]*)\}|_\s*([a-zA-Z])|\^\s*\{\s*\(\s*([a-z])\s*\)\s*\}",
                             rest)
        if not any(var in (a or b or c) and not re.search(r"\\", a or "") for a, b, c in indices):
            return k
        if re.search(rf"\\sum\s*_\s*\{{?\s*{var}(?![A-Za-z])", rest):
            return k  # a second sum over the same letter: its own
        out.append(self.parse_group(s[k:], base + k))
        return len(s)

    def fraction(self, s: str, k: int, base: int, out: list[str]) -> int:
        num, k1 = self.brace_arg(s, k, base)
        den, k2 = self.brace_arg(s, k1, base)
        dm = re.match(r"^\s*(\\partial|\\mathrm\{d\}|d(?=[\\a-zA-Z{ ]))\s*(.*)$", den, re.DOTALL)
        nm = re.match(r"^\s*(\\partial|\\mathrm\{d\}|d(?![a-zA-Z]{2}))\s*(\^\{?(\d)\}?)?\s*(.*)$",
                      num, re.DOTALL)
        if dm and nm:
            order = int(nm.group(3) or 1)
            var_text = dm.group(2).strip()
            vm = re.match(r"^(.*?)(\^\{?(\d)\}?)?$", var_text, re.DOTALL)
            var_text = vm.group(1).strip()
            if vm.group(3) and int(vm.group(3)) != order:
                self.error("the orders of the derivative do not match", base + k)
            if not var_text:
                self.error("a derivative needs a variable", base + k1)
            var = self.parse(var_text, base + k1)
            body = nm.group(4).strip()
            if body:
                operand = self.parse(body, base + k)
                out.append(self.new(("deriv", operand, var, order)))
                return k2
            j = skip_space(s, k2)
            if j >= len(s):
                self.error("a derivative operator needs something to act on", base + j)
            operand_end = self.operand_end(s, j, base)
            operand = self.parse(s[j:operand_end], base + j)
            out.append(self.new(("deriv", operand, var, order)))
            return operand_end
        out.append(r"\frac{" + self.flatten(num, base + k) + "}{" + self.flatten(den, base + k1)
                   + "}")
        return k2

    def differential(self, s: str, k: int, base: int, out: list[str], start: int) -> int:
        """``dX``, ``d\\mathbf{x}``, ``\\mathrm{d}x``: the differential of a variable;
        ``d(…)``, ``\\mathrm{d}\\,\\mathrm{tr}(X)``: the differential of an expression."""
        t = skip_space(s, k)
        if t >= len(s):
            self.error("a differential d needs something after it", base + start)
        m = re.match(r"\\(mathbf|boldsymbol|bm)\s*\{\s*([A-Za-z])\s*\}|([A-Za-z])(?![A-Za-z(])"
                     r"|\\(hat|tilde|bar)\s*\{\s*([A-Za-z])\s*\}", s[t:])
        after = skip_space(s, t + m.end()) if m else 0
        if m and s[after:after + 1] == "^" and not TRANSPOSE.match(s, after):
            sup, end = self.brace_arg(s, after + 1, base)
            layer, plain = LAYER.match(sup.strip()), m.group(2) or m.group(3)
            if layer and plain:  # d\mathbf{a}^L, dW^{l}: the differential of the variable a^L
                label = layer.group(1) + (layer.group(2) + layer.group(3) if layer.group(2)
                                          else "")
                out.append(self.new(("dvar", Atom(plain, bool(m.group(2)), label))))
                return end
            # dX^{-1}, dX^2: every text means d(X^{-1}), the differential of the power
            j = self.primary_end(s, t, base)
            out.append(self.new(("differential", self.parse(s[t:j], base + t))))
            return j
        if m and not s[t:t + 1] == "(":
            name = m.group(2) or m.group(3) or (
                m.group(5) + DECORATIONS[m.group(4)] if m.group(4) else None)
            out.append(self.new(("dvar", Atom(name, bold=bool(m.group(2))))))
            return t + m.end()
        j = self.primary_end(s, t, base)
        out.append(self.new(("differential", self.parse(s[t:j], base + t))))
        return j

    def operand_end(self, s: str, j: int, base: int) -> int:
        """End of what a derivative operator (∂/∂x, ∇_x) written before it acts on: the next
        primary, or the whole term when that primary is a constant coefficient
        (∂/∂W λ Σ_k W_k²) or a transposed row followed by more factors (∇_x xᵀAx,
        ∂/∂x (x − s)ᵀW(x − s): the quadratic form, not the row alone)."""
        j = skip_space(s, j)
        end = self.primary_end(s, j, base)
        if re.fullmatch(r"\s*(?:\d+(?:\.\d+)?|\\(?:alpha|beta|gamma|lambda|mu|eta|rho|tau)"
                        r"(?![A-Za-z]))\s*", s[j:end]):
            return term_end(s, j, "+-=")
        rest = skip_space(s, end)
        if re.search(r"\^\s*(?:T|\{\s*(?:T|\\top|\\intercal)\s*\}|\\top|\\intercal)\s*$",
                     s[j:end]) and s[rest:rest + 1] not in ("", "+", "-", "=", ")", "}"):
            return term_end(s, j, "+-=")
        return end

    def primary_end(self, s: str, j: int, base: int) -> int:
        """End of the operand after an operator: a group, or a name with scripts and call."""
        j = skip_space(s, j)
        if j >= len(s):
            self.error("an operand is missing", base + j)
        if re.match(r"\\(sum|prod|frac|dfrac|tfrac|lim)(?![a-zA-Z])", s[j:]):
            return term_end(s, j)  # an operator before a sum acts on the whole term
        word = _function_word(s, j, after_operator=True)
        if word is not None:  # tr(X), det X typed plainly: the whole application
            k = skip_space(s, j + len(word))
            if s[k:k + 1] in ("(", "["):
                return self.match_close(s, k) + 1
            if word in ("tr", "Tr", "trace"):  # ∇_A tr ABAᵀC (CS229): the trace of the term
                return term_end(s, k, "+-=")
            return self.primary_end(s, k, base)
        m = re.match(r"\\(?:operatorname|mathrm)\s*\{\s*(tr|Tr|trace)\s*\}", s[j:])
        if m:  # ∇_A \operatorname{tr} AB: the trace of the rest of the term
            k = skip_space(s, j + m.end())
            if s[k:k + 1] in ("(", "["):
                return self.match_close(s, k) + 1
            return term_end(s, k, "+-=")
        if s[j] in "([{":
            k = self.match_close(s, j) + 1
            if k <= 0:
                self.error("unbalanced bracket", base + j)
        elif s.startswith("\\|", j):
            close = s.find("\\|", j + 2)
            if close < 0:
                self.error("unmatched \\|", base + j)
            k = close + 2
        elif s[j] == "|":
            close = s.find("|", j + 1)
            if close < 0:
                self.error("unmatched |", base + j)
            k = close + 1
        elif s.startswith("\\begin", j):
            mm = re.compile(r"\\end\s*\{[a-zA-Z]*\}").search(s, j)
            if not mm:
                self.error("\\begin is never closed", base + j)
            k = mm.end()
        elif s[j] == "\\":
            m = re.match(r"\\[a-zA-Z]+", s[j:])
            if not m:
                self.error("an operand is missing", base + j)
            k = j + m.end()
            if m.group(0)[1:] in NATIVE_FUNCS and s[skip_space(s, k):skip_space(s, k) + 1] \
                    not in ("(", "["):
                return self.primary_end(s, k, base)
            if m.group(0) in (r"\mathbf", r"\boldsymbol", r"\bm", r"\vec", r"\mathrm",
                              r"\operatorname", r"\text") or m.group(0)[1:] in DECORATIONS:
                k = self.brace_arg(s, k, base)[1]
        elif s[j].isalpha():
            k = j + 1
        else:
            self.error("an operand is missing here", base + j)
        while k < len(s):  # scripts, primes, a call
            t = skip_space(s, k)
            if t < len(s) and s[t] in "_^":
                k = self.brace_arg(s, t + 1, base)[1]
            elif t < len(s) and s[t] == "'":
                k = t + 1
            elif t < len(s) and s[t] == "(" and k == t:
                k = self.match_close(s, t) + 1
            else:
                break
        return k

    def scripts(self, s: str, k: int, base: int):
        """Optional ``_{…}`` and ``^{…}`` (either order).  Returns sub, sup, end."""
        sub = sup = None
        for _ in range(2):
            t = skip_space(s, k)
            if t < len(s) and s[t] == "_" and sub is None:
                sub, k = self.brace_arg(s, t + 1, base)
            elif t < len(s) and s[t] == "^" and sup is None and not TRANSPOSE.match(s, t) \
                    and not PRIME_SUP.match(s, t) and not INV_TRANSPOSE.match(s, t):
                sup, k = self.brace_arg(s, t + 1, base)
            else:
                break
        return sub, sup, k

    def letter(self, s, i, base, out, name=None, end=None) -> int:
        if name is None:
            word = _function_word(s, i)
            if word is not None:  # tr(…), Tr(…), diag(x), det X, softmax(z) typed plainly
                fname = NAMED_FUNCS.get(word) or NATIVE_FUNCS[word]
                return self.function(s, i + len(word), base, out, fname, i)
            m = _MULTI_LETTER_NAME.match(s, i) or _NAME_WORD.match(s, i)
            if m and (i == 0 or not (s[i - 1].isalpha() or s[i - 1] == "\\")):
                # net_k, y_{esti}: a subscripted lowercase word is one name (course notes)
                return self.atom(s, m.end(), base, out, m.group(0), False, i)
            name, end = s[i], i + 1
            if name == "e" and not (end < len(s) and s[end] == "_"):
                out.append("e")
                return end
            if name == "d" and _starts_differential(s, end):
                return self.differential(s, end, base, out, i)
        t = skip_space(s, end)
        primes = prime_count(s, t)
        if (name in FUNC_GREEK or name in LETTER_FUNCS or name in self.functions) \
                and name not in self.names and (primes[0] or s[t:t + 1] == "("):
            return self.function(s, end, base, out, name, i)
        if name == "sigma" and not (s[t:t + 1] in ("^", "_")):
            self.error(r"\sigma must be applied with parentheses, as in \sigma(z)", base + i)
        if (name in FUNC_GREEK or name in LETTER_FUNCS or name in self.functions) \
                and name not in self.names:  # \zeta^{-1}(x) of a defined ζ too: not ζ⁻¹·x
            sub, _, after = self.scripts(s, end, base)
            numbered = sub is not None and re.fullmatch(r"\s*(?:\d|cjk[A-Za-z]+|[A-Za-z]{2,})\s*",
                                                         sub)
            if after != end and s[skip_space(s, after):skip_space(s, after) + 1] == "(" \
                    and not numbered:  # h_1(1 - h_1) is a product of the name h_1
                self.error(f"{name} with a sub/superscript before '(' is ambiguous", base + i,
                           r"write \sigma(z)^2 for a power, or name the function differently")
        return self.atom(s, end, base, out, name, False, i)

    def atom(self, s, k, base, out, name, bold, start) -> int:
        t = skip_space(s, k)
        if s[t:t + 1] == "'" and (s[skip_space(s, t + 1):skip_space(s, t + 1) + 1] != "("
                                  or name + "\u2032" in self.names):
            # y', x'': names of their own (y'(1 − y') too, when y' = σ(z) is defined)
            primes, k = prime_count(s, t)
            name += "\u2032" * primes
        star = re.match(r"\s*\^\s*(?:\*|\{\s*\*\s*\}|\\ast\b|\{\s*\\ast\s*\})", s[k:])
        if star:  # w^*, the optimum: a name of its own
            name += "\u2217"
            k += star.end()
        sub, sup, k = self.scripts(s, k, base)
        t = skip_space(s, k)
        if sup is None and not sub and s[t:t + 1] == "(" and (
                name[0].isupper() or name in ("l", "ell", "loss")):
            close = self.match_close(s, t)
            inner = s[t + 1:close] if close > 0 else ""
            parts = top_level_split(inner, ",") or ([inner] if re.fullmatch(
                r"\s*\\(?:mathbf|boldsymbol|bm|theta|vec)\b.*", inner) else None)
            if parts and all(_ARGUMENT_NAME.fullmatch(p) for p in parts) and (
                    name[0].isupper() or any("\\" in p for p in parts)):
                # J(\mathbf{W}, \mathbf{b}), L(\mathbf{w}), J(\theta), l(\mathbf{y},
                # \hat{\mathbf{y}}): the quantity, its parameters listed
                k = close + 1
        layer = None
        power = None
        if sup is not None:
            m = LAYER.match(sup.strip())
            numbered = re.fullmatch(r"\(\s*(\d+)\s*\)", sup.strip())
            lettered = re.fullmatch(r"\(\s*([a-km-zA-KM-Z])\s*(?:[+-]\s*\d+\s*)?\)", sup.strip())
            if m:
                layer = m.group(1) + (m.group(2) + m.group(3) if m.group(2) else "")
            elif numbered:  # Ng's a^{(2)}: the layer numbered 2, not a power
                layer = numbered.group(1)
            elif lettered and not re.search(  # the whole claim: a fraction's part is read alone
                    rf"\\(?:sum|prod)\s*_\s*\{{?\s*{lettered.group(1)}(?![A-Za-z])", s + self.source):
                # GBC's W^{(k)}, h^{(k-1)}: a label in parentheses (the layer k), not a
                # power — unless a sum runs over the letter (Σ_i x^{(i)}: the example i)
                layer = re.sub(r"\s+", "", sup.strip()[1:-1])
            elif name in GREEK and re.fullmatch(r"\s*(?:o|h|out|hidden|output)\s*", sup):
                # Mitchell's and Chinese notes' \delta^o_k, \delta^h_j: output / hidden, a label
                name = f"{name}_{sup.strip()}"
            else:
                power = sup
        indices: tuple[str, ...] = ()
        label = subscript_label(name, sub)
        if label:  # y_{esti}, \delta_{out}, out_{o1}, \delta_{输出层}: part of the name
            name, sub = f"{name}_{label}", None
        if sub is not None:
            indices = split_indices(sub)
            if indices is None:
                self.error(f"the subscript {{{sub}}} is not understood", base + start,
                           "indices are single letters or numbers, as in w_{jk} or w_{j,k}")
        a = Atom(name, bold, layer, indices)
        self.atoms.append(a)
        out.append(self.new(("atom", a)))
        if power is not None:
            out.append("^{" + self.flatten(power, base + start) + "}")
        t = skip_space(s, k)
        if t < len(s) and s[t] == "^" and not TRANSPOSE.match(s, t) \
                and not INV_TRANSPOSE.match(s, t):
            arg, k2 = self.brace_arg(s, t + 1, base)
            out.append("^{" + self.flatten(arg, base + t + 1) + "}")
            return k2
        return k

    def function(self, s, k, base, out, fname, start) -> int:
        t = skip_space(s, k)
        primes, t = prime_count(s, t)
        t = skip_space(s, t)
        if t < len(s) and s[t] in "([":
            j = self.match_close(s, t)
            if j < 0:
                self.error("unbalanced parenthesis", base + t)
            parts = top_level_split(s[t + 1:j], ",") or [s[t + 1:j]]
            args, pos = [], t + 1
            for p in parts:
                args.append(self.parse(p, base + pos))
                pos += len(p) + 1
            k = j + 1
        elif fname in ("tr", "det", "diag", "softmax"):
            # tr AB (CS229) is the trace of the product; det X, diag x take one operand
            j = term_end(s, t, "+-=") if fname == "tr" else self.primary_end(s, t, base)
            args = [self.parse(s[t:j], base + t)]
            k = j
        else:
            self.error(f"{fname} must be applied with parentheses", base + start)
        index = None
        if k < len(s) and s[k] == "_":
            index, k = self.brace_arg(s, k + 1, base)
            if fname != "softmax" or split_indices(index) is None:
                self.error("a subscript after a function call is only understood for "
                           "softmax(z)_j", base + k)
        out.append(self.new(("call", fname, primes, args, index)))
        t = skip_space(s, k)
        if t < len(s) and s[t] == "^" and not TRANSPOSE.match(s, t) \
                and not INV_TRANSPOSE.match(s, t):
            arg, k2 = self.brace_arg(s, t + 1, base)
            out.append("^{" + self.flatten(arg, base + t + 1) + "}")
            return k2
        return k


#: function names people type without a backslash (course notes write tr(AB), det X, diag(x))
_PLAIN_FUNCTION_WORDS = re.compile(
    r"(tr|Tr|trace|diag|det|softmax|sigmoid|ReLU|relu|exp|ln|log|tanh|max|min|vec)"
    r"(?![A-Za-z])")


#: accents that make a new name (ŷ is not y): the combining mark appended to the name
DECORATIONS = {"hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303",
               "widetilde": "\u0303", "bar": "\u0304", "overline": "\u0304",
               "check": "\u030c", "breve": "\u0306", "dot": "\u0307", "ddot": "\u0308"}


_ARGUMENT_NAME = re.compile(r"\s*(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*\\?[A-Za-z]+\s*\}|\\?[A-Za-z]+|"
                            r"\\(?:hat|tilde|bar)\s*\{\s*(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*\w\s*\}|"
                            r"\\?\w+)\s*\})"
                            r"(?:\s*[_^]\s*(?:\{[^{}]*\}|\w))*\s*")
#: words that are one name in course notes even without a subscript (net = wx + b)
_NAME_WORD = re.compile(r"(?:net|loss|cost|out|err|error|pred|logit|logits|score|hidden)"
                        r"(?![A-Za-z])")
_MULTI_LETTER_NAME = re.compile(r"[a-z]{2,}(?=\s*_)")


def _function_word(s: str, i: int, after_operator: bool = False) -> str | None:
    """The function word starting at ``s[i]`` when it is applied: followed by '(' or '['
    (or by an operand, for the operators tr, det, diag), and not the tail of a longer name."""
    if i > 0 and (s[i - 1].isalpha() or s[i - 1] == "\\") and not after_operator:
        return None
    m = _PLAIN_FUNCTION_WORDS.match(s, i)
    if not m:
        return None
    t = skip_space(s, m.end())
    nxt = s[t:t + 1]
    if nxt in ("(", "[", "'") or s.startswith(r"\left", t):
        return m.group(1)
    if m.group(1) in ("tr", "Tr", "trace", "det", "diag") and t > m.end() and nxt \
            and (nxt.isalpha() or nxt == "\\" or nxt == "{"):
        return m.group(1)
    return None


def term_end(s: str, j: int, stops: str = "+-") -> int:
    """End of the term starting at ``j``: the next top-level + or − (or one of ``stops``),
    or the end."""
    depth = 0
    bars = {"|": False, "\\|": False}  # inside |…| or \|…\|: a sign there is not the end
    k = j
    while k < len(s):
        c = s[k]
        if c == "\\":
            if s[k + 1:k + 2] == "|":
                bars["\\|"] = not bars["\\|"]
            k += 2
            continue
        if c == "|":
            bars["|"] = not bars["|"]
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                return k
        elif c in stops and depth == 0 and not any(bars.values()) and k > j \
                and s[j:k].strip():
            return k
        k += 1
    return k


def skip_space(s: str, i: int) -> int:
    while i < len(s) and s[i].isspace():
        i += 1
    return i


def prime_count(s: str, t: int) -> tuple[int, int]:
    count = 0
    while t < len(s) and s[t] == "'":
        count += 1
        t += 1
    m = PRIME_SUP.match(s, t)
    if m:
        count += m.group(0).count(r"\prime") + m.group(0).count("'")
        t = m.end()
    return count, t


#: a word subscript that labels a quantity rather than indexing it (y_{esti}, \delta_{out})
_LABEL_WORD = re.compile(r"\s*(?:\\(?:text|mathrm|rm|mathit)\s*\{\s*)?([A-Za-z]{4,}|"
                         r"out|in|hid|est|max|min|true|pred|old|new)\s*\}?\s*")
#: a unit's label in worked examples (Mazur's out_{o1}, net_{h1}, \delta_{o1})
_UNIT_LABEL = re.compile(r"\s*([a-z]\d+)\s*")


def subscript_label(name: str, sub: str | None) -> str | None:
    """The label a subscript gives ``name`` (``total`` in E_{total}, ``o1`` in out_{o1}),
    or None when the subscript is an index.  A letter-and-number subscript is a unit's
    label after a word (out_{o1}) or after a Greek letter when the letter is o or h
    (output / hidden: \\delta_{o1}); after a single Latin letter it stays an index pair
    (w_{j1} is the entry at j, 1)."""
    if sub is None:
        return None
    m = _LABEL_WORD.fullmatch(sub)
    if m:
        return m.group(1)
    m = re.fullmatch(r"\s*\\(?:mathbf|boldsymbol|bm)\s*\{\s*([A-Za-z])\s*\}\s*", sub)
    if m:  # D_{\mathbf{x}} = diag(x): a matrix named after a vector
        return "bold" + m.group(1)
    m = re.fullmatch(r"\s*\\([A-Za-z]+)\s*", sub)
    if m and m.group(1) in GREEK and name[:1].isupper():  # d2l's L_λ: the penalised loss
        return m.group(1)
    m = _UNIT_LABEL.fullmatch(sub)
    if m and name.isalpha() and (len(name) > 1 and name not in GREEK
                                 or (name in GREEK or name.isupper()) and m.group(1)[0] in "oh"):
        # out_{o1}, \delta_{o1}, Mazur's E_{o1}: the unit's label
        return m.group(1)
    return None


def split_indices(sub: str) -> tuple[str, ...] | None:
    """``jk`` → (j, k); ``j,k`` → (j, k); ``12`` → ('12',); ``i`` → (i,)."""
    sub = sub.replace(" ", "")
    if "," in sub:
        parts = sub.split(",")  # δ_{j,y_i}: an index may be an entry of an index vector
        return tuple(parts) if all(re.fullmatch(r"[a-zA-Z]|\d+|[a-zA-Z]_[a-zA-Z]", p)
                                   for p in parts) else None
    if re.fullmatch(r"\d+", sub):
        return (sub,)
    if re.fullmatch(r"[a-zA-Z]{1,3}", sub):
        return tuple(sub)
    nested = re.fullmatch(r"([a-zA-Z])_\{?([a-zA-Z])\}?", sub)
    if nested:  # f_{y_i} (CS231n): the entry of f at the index y_i, itself a variable
        return (f"{nested.group(1)}_{nested.group(2)}",)
    row = re.fullmatch(r"([a-zA-Z])([a-zA-Z])_\{?([a-zA-Z])\}?", sub)
    if row and row.group(1) == row.group(3):  # P_{i y_i}: row i, the column y_i
        return (row.group(1), f"{row.group(2)}_{row.group(3)}")
    return None


def top_level_split(s: str, sep: str) -> list[str] | None:
    """Split at ``sep`` outside brackets; None when there is no such separator."""
    depth = 0
    parts, start = [], 0
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and s.startswith(sep, i):
            parts.append(s[start:i])
            start = i + len(sep)
        i += 1
    if not parts:
        return None
    parts.append(s[start:])
    return parts


def run_latex2sympy(flat: str, scanner: Scanner, base: int):
    """The arithmetic layer (:func:`symbp.notation.latex_in.parse_arithmetic`) on a
    flattened string; its parse errors become input errors at ``base``."""
    from ..notation.latex_in import ArithmeticSyntaxError, parse_arithmetic

    try:
        return parse_arithmetic(flat)
    except RecursionError:
        scanner.error("the expression is nested too deeply", base)
    except ArithmeticSyntaxError as exc:
        scanner.error(f"cannot parse this expression ({exc})", base,
                      "check the operators between terms; see `symbp verify --help`")
