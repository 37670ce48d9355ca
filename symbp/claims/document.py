"""Checking the equations of a whole document (``symbp check FILE.tex|FILE.md``).

Display math is found in ``equation``/``align``/``gather``/``multline`` (starred
or not), ``$$ … $$`` and ``\\[ … \\]`` (LaTeX and Markdown alike).  Inside one
display, a line that starts with ``=`` or ``&=`` continues the previous line's
chain, so::

    \\begin{align}
      f(x) &= (x+1)^2 \\\\
           &= x^2 + 2x + 1
    \\end{align}

is one chain with two steps, each checked.  Comment lines
``% symbp: define …``, ``% symbp: assume …``, ``% symbp: context …`` (or the
Markdown/HTML form ``<!-- symbp: define … -->``) apply to every later equation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.verdict import Verdict
from ..errors import InputError
from ..notation.latex_in import GREEK
from .layer_letters import chained_weights, layer_families, renamer
from .network_definitions import is_cost, restates_network
from .numbered_layers import instance, numbered_families
from .numbered_layers import mentioned as numbered_mentions
from .numbered_layers import rewrite as rewrite_numbered
from .judge import _LAYERED, BACKPROP_NOTE, Judgement, Step, judge

ENVS = r"(?:equation|align|gather|multline|eqnarray|displaymath)\*?"
BEGIN = re.compile(r"\\begin\{(" + ENVS + r")\}")
DIRECTIVE = re.compile(r"^\s*(?:%|<!--)\s*symbp:\s*(define|assume|context)\s+(.*?)\s*(?:-->)?\s*$")
STRIP = [re.compile(p) for p in (r"\\label\{[^{}]*\}", r"\\tag\*?\{[^{}]*\}", r"\\nonumber",
                                 r"\\notag", r"\\(?:q?quad)\s*\\text\{[^{}]*\}",
                                 r"\\(?:q?quad)\s*\([^()]*\\text\{[^{}]*\}[^()]*\)",
                                 r"\\text\{[^{}]*\s[^{}]*\}", r"(?<!\\)%.*$")]
MAX_FILE = 2_000_000


@dataclass
class Chain:
    """One chain of equalities: its side texts and the line of each side."""

    sides: list[str]
    lines: list[int]
    directives: dict
    result: Judgement | None = None
    error: str | None = None
    definition: str | None = None  # the name its first '=' defines, if it is a definition
    used: list = field(default_factory=list)  # document definitions its check used
    case: str | None = None  # a case split from the prose before it (k \ne j)
    one_hot: str | None = None  # "y_j = 1, other y_i = 0" before it, as Σ_i y_i = 1
    one_hot_entries: str | None = None  # the same as y_i = δ_ij (for a column [y_1; ⋮; y_n])
    later: list = field(default_factory=list)  # definitions it used from further down
    unread: list = field(default_factory=list)  # names it uses whose definition was not read
    recent_cost: str | None = None  # a cost defined after the one its cost name refers to
    instances: list = field(default_factory=list)  # generic-layer definitions at layer (2)
    one_hot_prose: bool = False  # its Σ y = 1 comes from a one-hot target in prose
    sums: list = field(default_factory=list)  # Σ y = 1, Σ a = 1 … in force (latest of each)

    @property
    def line(self) -> int:
        return self.lines[0]

    def step_line(self, k: int) -> int:
        """The line of side ``k`` (a step's right side); a step the judge split further
        (one side holding a second '=') is on the chain's last line."""
        return self.lines[min(k, len(self.lines) - 1)]


@dataclass
class Report:
    path: str
    chains: list[Chain] = field(default_factory=list)
    definitions: dict = field(default_factory=dict)  # name → (line, text)
    partial: bool = False  # the time budget ended the check before every chain was done
    notes: list = field(default_factory=list)  # how the document's notation was read

    @property
    def any_false(self) -> bool:
        return any(c.result and c.result.verdict is Verdict.FALSE for c in self.chains)


def _clean(text: str) -> str:
    for p in STRIP:
        text = p.sub(" ", text)
    text = text.replace(":=", "=").replace("\\coloneqq", "=")  # a := b defines a
    text = CJK_SUBSCRIPT.sub(_cjk_label, text)  # a_{输出层}: a label, not prose in the math
    text = text.replace("\\overrightarrow", "\\vec")
    text = DIFFERENTIAL_SPACE.sub("d", text)  # d\,\mathrm{tr}(…): the differential of tr
    text = DELTA_NAME.sub(lambda m: r"\mathrm{Delta%s}" % (m.group(1) or m.group(2)), text)
    return THIN_SPACE.sub(" ", text)  # \, is a space, never a comma between equations


DIFFERENTIAL_SPACE = re.compile(r"(?<![A-Za-z\\])d\s*\\[,;:!]\s*(?=\\mathrm|\\operatorname|tr|Tr"
                                r"|\\ln|\\log|\\det|\\left|\()")
#: \Delta w_{kj}: the update of w, a name of its own (so Δw = −η ∂E/∂w is a definition)
DELTA_NAME = re.compile(r"\\Delta\s*(?:\\mathrm\s*\{\s*([A-Za-z]+)\s*\}|(net|[A-Za-z])(?![A-Za-z]))")
SUM_TO_ONE = re.compile(r"\s*\\(?:mathbf|boldsymbol|bm)\s*\{\s*1\s*\}\s*\^\s*(?:T|\{T\}|\\top|\{\\top\})\s*"
                        r"(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*[a-z]\s*\}|[a-z])\s*|"
                        r"\s*\\sum\s*_\s*(?:\{[^{}]*\}|\w)\s*(?:\^\s*(?:\{[^{}]*\}|\w)\s*)?"
                        r"[A-Za-z]\s*_\s*(?:\{\s*[a-z]\s*\}|[a-z])\s*")
#: prose that introduces a condition, not an identity: 令导数为零得到正规方程, "setting … to zero"
EQUATION_TO_SOLVE = re.compile(r"为零|为\s*0|等于零|方程|解得|解出|to zero|equal to 0|normal equation|"
                               r"solv(?:e|ing)|at the (?:minimum|optimum)", re.IGNORECASE)
CJK_SUBSCRIPT = re.compile(r"_\s*\{\s*(?:\\(?:text|mathrm)\s*\{\s*([\u3400-\u9fff\uf900-\ufaff]+)\s*\}"
                           r"|([\u3400-\u9fff\uf900-\ufaff]+))\s*\}")


def _cjk_label(m: re.Match) -> str:
    """The same ASCII label for the same Chinese word anywhere in the document."""
    word = m.group(1) or m.group(2)
    return "_{cjk" + "".join(chr(97 + (ord(c) * 7 + k) % 26) for k, c in enumerate(word)) + "}"


#: (h×N)(N×c) = h×c: sizes written as products of letters
SIZES = re.compile(r"\s*(?:\(?\s*[A-Za-z0-9]\s*\\times\s*[A-Za-z0-9]\s*\)?\s*)+")
THIN_SPACE = re.compile(r"\\[,;:!]")
INLINE = re.compile(r"\\\((.+?)\\\)|(?<![\\$])\$([^$\n]+?)\$(?!\$)")
CONNECTIVES = re.compile(r"\\(?:Rightarrow|Longrightarrow|implies|because|therefore|iff|"
                         r"Leftrightarrow|rightarrow)(?![a-zA-Z])")
#: prose inside math (从而, 以及, 且 …; a ? left for the reader): it separates equations
PROSE_IN_MATH = re.compile(r"(?:[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+|\?|\\Rightarrow)")
EQ_NUMBER = re.compile(r"^\s*\(\s*\d+(?:\.\d+)?\s*\)\s*")
#: a bare name on the left of '=': a, a_j, net_k, \mathbf{z}^{l}, \boldsymbol{\delta}^L, J(W, b)
NAME = re.compile(r"^\s*(?:\\(?:mathbf|boldsymbol|bm|vec|hat|tilde|bar|mathrm)\s*\{\s*\\?[A-Za-z]+\s*\}"
                  r"|\\[A-Za-z]+|[A-Za-z]+)"
                  r"(?:\s*[_^]\s*(?:\{[^{}]*\}|\\?[A-Za-z0-9*]))*"
                  r"(?:\s*\(\s*(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*\\?[A-Za-z]+\s*\}|\\?[A-Za-z]+|-?\d+)"
                  r"(?:\s*[_^]\s*(?:\{[^{}]*\}|\w))*"
                  r"(?:\s*,\s*(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*\\?[A-Za-z]+\s*\}|\\?[A-Za-z]+|-?\d+)"
                  r"(?:\s*[_^]\s*(?:\{[^{}]*\}|\w))*)*\s*\))?\s*$")
#: G_{h_1}(1,1), f(0.5): a function at given numbers (a worked example's value)
AT_NUMBERS = re.compile(r"\(\s*-?\d+(?:\.\d+)?(?:\s*,\s*-?\d+(?:\.\d+)?)*\s*\)\s*$")
NOT_NAMES = {"\\frac", "\\sum", "\\partial", "\\nabla", "\\sqrt", "\\ln", "\\log", "\\exp",
             "\\lim", "d", "tr", "\\mathrm", "\\operatorname", "\\left"}


def _math_segments(source: str):
    """Math of a document, in reading order: (line, text lines, display?, directives).

    Display math: ``$$ … $$``, ``\\[ … \\]`` and the LaTeX environments; inline math:
    ``\\( … \\)`` and ``$ … $`` (one line).  Directive comments apply to what follows."""
    lines = source.splitlines()
    directives = {"define": [], "assume": [], "context": []}
    i = 0
    while i < len(lines):
        line = lines[i]
        d = DIRECTIVE.match(line)
        if d:
            directives[d.group(1)].append(d.group(2).strip())
            i += 1
            continue
        m = BEGIN.search(line)
        opener = None
        if m:
            opener, closer, start_col = m.group(0), r"\end{" + m.group(1) + "}", m.end()
        elif "$$" in line:
            opener, closer, start_col = "$$", "$$", line.index("$$") + 2
        elif r"\[" in line:
            opener, closer, start_col = r"\[", r"\]", line.index(r"\[") + 2
        if opener is None:
            for im in INLINE.finditer(line):
                text = im.group(1) if im.group(1) is not None else im.group(2)
                yield i + 1, [(i + 1, text)], False, _snapshot(directives)
            i += 1
            continue
        before = line[:line.index(opener)]
        for im in INLINE.finditer(before):
            text = im.group(1) if im.group(1) is not None else im.group(2)
            yield i + 1, [(i + 1, text)], False, _snapshot(directives)
        block = []
        rest = line[start_col:]
        j = i
        while True:
            if closer in rest:
                block.append((j + 1, rest[:rest.index(closer)]))
                break
            block.append((j + 1, rest))
            j += 1
            if j >= len(lines):
                break
            rest = lines[j]
        yield i + 1, block, True, _snapshot(directives)
        i = j + 1


def _snapshot(directives: dict) -> dict:
    return {k: list(v) for k, v in directives.items()}


def displays(source: str) -> list[tuple[int, list[tuple[int, str]], dict]]:
    """Display-math blocks: (start line, [(line number, text line)], directives in force)."""
    return [(line, block, d) for line, block, display, d in _math_segments(source) if display]


MATRIX_AMP = "\uE000"  # a written matrix's & while alignment marks are dropped
LEADING_SPACE = re.compile(r"^(?:\s|\\q?quad(?![A-Za-z])|\\[,;:! ])+")


def _rows(block: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The equations of a block: its lines joined, then rows split at ``\\\\``,
    connectives (⇒, ∵, ∴) and top-level commas between equations; equation numbers and
    alignment marks removed.  Each row carries the line it starts on."""
    text, starts = "", []
    for lineno, line in block:
        starts.append((len(text), lineno))
        text += _clean(line) + " "
    text = re.sub(r"\\(?:begin|end)\{(?:aligned|split|gathered|alignedat)\}(?:\{\d+\})?",
                  lambda m: " " * len(m.group(0)), text)
    # a written matrix keeps its rows: its \\ are not row breaks of the display
    # (and its & are column breaks, not alignment marks: kept as MATRIX_AMP until the end)
    text = re.sub(r"\\begin\{([bpvBV]?matrix)\}.*?\\end\{\1\}",
                  lambda m: m.group(0).replace("\\\\", "\\cr").replace("&", MATRIX_AMP), text,
                  flags=re.DOTALL)

    def line_at(pos: int) -> int:
        line = starts[0][1] if starts else 0
        for offset, lineno in starts:
            if offset <= pos:
                line = lineno
        return line

    rows: list[tuple[int, str]] = []
    pos = 0
    for part in re.split(r"(\\\\)", text):
        if part == "\\\\":
            pos += 2
            continue
        for piece in PROSE_IN_MATH.split(CONNECTIVES.sub(lambda m: " \\Rightarrow ", part)):
            at = pos + (len(piece) - len(piece.lstrip()))
            pos += len(piece)
            piece = EQ_NUMBER.sub("", piece.replace("&", " ")).strip().rstrip(".,;").strip()
            piece = piece.replace(MATRIX_AMP, "&")
            if not piece:
                continue
            commas = _split_top(piece, ",")
            if len(commas) > 1 and sum("=" in c for c in commas) >= 2:
                # W^1 = […], \quad b^2 = -1: equations listed with commas, each a chain
                rows.extend((line_at(at), LEADING_SPACE.sub("", c).strip()) for c in commas
                            if c.strip())
            else:
                rows.append((line_at(at), piece))
        pos = text.find(part, pos - len(part)) + len(part) if part else pos
    return rows


def chains_of(block: list[tuple[int, str]], directives: dict,
              previous: Chain | None = None) -> list[Chain]:
    """Split a display into rows and join ``=``-continuations into chains; a block whose
    first row starts with ``=`` continues ``previous`` (the chain of the display before)."""
    chains: list[Chain] = []
    for lineno, text in _rows(block):
        if text.startswith("="):
            target = chains[-1] if chains else previous
            if target is not None:
                more = [p.strip() for p in _split_eq(text[1:])]  # "= -y_j + a_j = a_j - y_j"
                target.sides.extend(more)
                target.lines.extend([lineno] * len(more))
                continue
            text = text[1:].strip()
        if "=" not in text:
            continue
        parts = [p.strip() for p in _split_eq(text)]
        chains.append(Chain(parts, [lineno] * len(parts), directives))
    return chains


def _split_top(text: str, sep: str) -> list[str]:
    depth, parts, start = 0, [], 0
    for i, c in enumerate(text):
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        elif c == sep and depth == 0 and not (sep == "=" and _in_relation(text, i)):
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _in_relation(text: str, i: int) -> bool:
    return (i > 0 and text[i - 1] in "<>!:") or (i + 1 < len(text) and text[i + 1] == "=")


def _split_eq(text: str) -> list[str]:
    return _split_top(text, "=")


def definition_name(side: str) -> str | None:
    """The name a side introduces when it is a bare name (see :data:`NAME`), else None."""
    side = side.strip()
    if not NAME.match(side):
        return None
    head = re.match(r"\\mathrm\{([A-Za-z]+)\}|\\?[A-Za-z]+", side)
    head = head.group(1) or head.group(0)
    if head in NOT_NAMES:
        return None
    if re.match(r"d(?:[A-Za-z]|tr|\\)", side) and not re.match(r"d[a-z]{2,}_", side) \
            and head not in ("delta",):  # df, dJ, dX, d\mathbf{x}, dtr(X): differentials
        return None
    # one name however its scripts are braced: \delta^l and \delta^{l}, a_{j} and a_j
    return re.sub(r"([_^])\{(\w)\}", r"\1\2", re.sub(r"\s+", "", side))


def _mentions(text: str, name: str) -> bool:
    """Whether ``text`` uses the quantity ``name`` defines: its letters as a name (dE and
    \\partial E count; the L of a^L does not), and, when the definition names one layer
    (a_3^2, \\mathbf{z}^{L}), that layer."""
    accent = re.match(r"\\(hat|tilde|bar)\s*\{?\s*\\?([A-Za-z]+)", name)
    if accent:  # \hat{y}: the decorated name, written \hat{y} or \hat y
        found = [m.end() for m in re.finditer(
            rf"\\{accent.group(1)}\s*\{{?\s*{accent.group(2)}(?![A-Za-z])\s*\}}?", text)]
        return bool(found)
    head = re.match(r"(?:\\(?:mathbf|boldsymbol|bm|vec|mathrm)\{)?(\\?)([A-Za-z]+)", name)
    base = head.group(2)
    if head.group(1) and (base in GREEK or base == "ell"):  # \delta_k: the macro itself, \delta or \boldsymbol{\delta}
        pattern = r"\\" + base + r"(?![A-Za-z])"
    else:
        pattern = (r"(?:(?<![A-Za-z\\^_])(?<![\^_]\{)|(?<=e\^\{)|(?<=\bd)|(?<=[{ ]d)|"
                   r"(?<=\\partial ))"
                   + re.escape(base)
                   + r"(?![A-Za-z])")
    found = [m.end() for m in re.finditer(pattern, text)]
    if not found:
        return False
    layer = re.search(r"\^\s*(\{[^{}]*\}|\w)", name)
    if not layer:
        return True
    want = re.sub(r"[\s{}]", "", layer.group(1))
    for end in found:
        rest = text[end:end + 40]
        m = re.match(r"\s*\}?\s*(?:_\s*(?:\{[^{}]*\}|\w)\s*)?\^\s*(\{[^{}]*\}|\w)", rest)
        if m and re.sub(r"[\s{}]", "", m.group(1)) == want:
            return True
    return False


def check_document(path: str, timeout: float = 4.0, jobs: int | None = None,
                   budget: float | None = None) -> Report:
    p = Path(path)
    if p.is_dir():
        raise InputError(f"'{path}' is a directory, not a document",
                         hint="give one .tex or .md file")
    if not p.is_file():
        raise InputError(f"cannot read '{path}': no such file", hint="give a .tex or .md file")
    if p.stat().st_size > MAX_FILE:
        raise InputError(f"'{path}' is too large ({p.stat().st_size} bytes)")
    try:
        source = p.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as exc:
        raise InputError(f"cannot read '{path}' as UTF-8 text: {exc}") from None
    report = Report(str(path))
    defined: dict[str, tuple[int, str]] = {}  # name → (line, definition text)
    previous = None
    tasks = []
    for _, block, display, directives in _math_segments(source):
        chains = chains_of(block, directives, previous if display else None)
        report.chains.extend(chains)  # (a later display may still continue the last one)
        if display and chains:
            previous = chains[-1]
    _read_layer_letters(report)
    _read_numbered_layers(report)
    stated: list[tuple[int, str]] = []  # Σ_j y_j = 1 written as math: (line, assumption)
    order = {id(c): k for k, c in enumerate(report.chains)}  # reading order, within a line too
    where: dict[str, int] = {}  # definition name → its chain's place in the reading order
    unreadable: dict[str, int] = {}  # names whose definition could not be read → line
    for chain in report.chains:
        if any(not s for s in chain.sides):
            chain.error = "an empty side"
            continue
        if all(SIZES.fullmatch(s) for s in chain.sides):
            chain.error = "a statement of sizes (h×N)(N×c) = h×c, not an equation to check"
            continue
        if len(chain.sides) == 2 and SUM_TO_ONE.fullmatch(chain.sides[0]) \
                and chain.sides[1].strip() == "1":
            # \sum_j y_j = 1 stated in the text: an assumption of what follows, not a claim
            chain.definition = f"{chain.sides[0]} = 1 (stated as an assumption)"
            stated.append((chain.line, f"{chain.sides[0]} = 1"))
            continue
        name = definition_name(chain.sides[0])
        if name is not None and name not in defined and len(chain.sides) >= 3 \
                and AT_NUMBERS.search(chain.sides[0]):
            # G_{h_1}(1,1) = 1 + 1 - 1 = 1: a worked example names a value, then computes it
            chain.definition = f"{chain.sides[0]} (a value the text computes)"
            tasks.append(chain)
            continue
        if name is not None and name in defined and len(chain.sides) == 2 \
                and _supersedes(chain.sides[1], defined[name][1], name):
            # a_k = t_k/Σt, later a_k = softmax: a new definition from here on; the old one
            # still holds for the chains before (kept under name@line)
            old = defined.pop(name)
            defined[f"{name}@{old[0]}"] = old
            where[f"{name}@{old[0]}"] = where.pop(name)
        if name is not None and name not in defined and not any(
                _mentions(s, name) for s in chain.sides[1:]) \
                and _readable(f"{chain.sides[0]} = {chain.sides[1]}") \
                and not re.fullmatch(r"\s*-?\s*[\d.]+\s*", chain.sides[1]):
            # (y_j = 1 is a value, an assumption: not a definition)
            defined[name] = (chain.line, f"{chain.sides[0]} = {chain.sides[1]}")
            where[name] = order[id(chain)]
            chain.definition = name
            if len(chain.sides) < 3:
                continue
        elif name is not None and name not in defined and len(chain.sides) >= 2 \
                and not _readable(f"{chain.sides[0]} = {chain.sides[1]}") \
                and _quantities(chain.sides[1]) - {_family(name), "dots", "ldots", "cdots",
                                                   "vdots"}:
            # (x = (x_1, …, x_n) lists x's own entries: it changes no dependence)
            unreadable.setdefault(name, chain.line)
        if name is not None and name not in defined and len(chain.sides) == 2 \
                and re.fullmatch(r"\s*-?\s*[\d.]+\s*", chain.sides[1]):
            # y_j = 1, x_1 = 0.5, w_{11} = 0.2: a value the text gives (an example's input,
            # the one-hot target), stated, not a claim to check
            chain.definition = f"{chain.sides[0]} = {chain.sides[1].strip()} (a given value)"
            continue
        tasks.append(chain)
    report.definitions = dict(defined)
    cases = prose_cases(source)
    targets = one_hot_targets(source)
    one_hot = sorted(targets + stated)
    for chain in tasks:
        sides = chain.sides[1:] if chain.definition else chain.sides
        here = order[id(chain)]
        latest: dict[str, str] = {}  # the family (a of a_j) → its latest definition before
        for n, (ln, _) in sorted(defined.items(), key=lambda kv: where[kv[0]]):
            if where[n] < here and any(_mentions(s, n) for s in sides) and (
                    not _numbered_entry(n) or any(_names_entry(s, n) for s in sides)):
                # s_3 = 0.6652 (a worked example's entry) is not the family s_i's
                # definition: it counts only where s_3 itself is written
                latest[_family(n)] = n
        for n, (ln, _) in sorted(defined.items(), key=lambda kv: where[kv[0]]):
            # a name used before the document defines it (E differentiated, then given)
            if where[n] > here and _family(n) not in latest and any(
                    _mentions(s, n) for s in sides):
                latest[_family(n)] = n
                chain.later.append(n)
        # and the definitions those definitions use (E uses o_k, o_k uses net_k), the
        # latest one of each quantity before the chain (a^l = σ(z^l) after a^l_j = σ(z^l_j))
        grew = True
        while grew:
            grew = False
            for n, (ln, text) in sorted(defined.items(), key=lambda kv: -where[kv[0]]):
                if _family(n) in latest or n in latest.values():
                    continue
                rhs = [defined[u][1].split("=", 1)[1] for u in latest.values()]
                if where[n] < here and any(_mentions(r, n) for r in rhs):
                    latest[_family(n)] = n
                    grew = True
        chain.used = list(latest.values())
        chain.instances = _layer_instances(sides, chain.used, defined, where, here)
        chain.recent_cost = _recent_cost(chain.used, defined, where, here)
        texts = list(sides) + [defined[u][1] for u in chain.used]
        chain.unread = [f"{n} (line {ln})" for n, ln in unreadable.items()
                        if _family(n) not in latest and any(_mentions(t, n) for t in texts)]
        case = [c for ln, c in cases if 0 < chain.line - ln <= CASE_REACH]
        if case:
            chain.case = case[-1]
        # Σ y = 1 stated as math or implied by a one-hot target in prose: the latest of each
        # vector (Σ a = 1 and Σ y = 1 both hold); written as math it is all the writer
        # assumes, from prose it stands for a one-hot y, which says more (see _judge_sides)
        latest_sum: dict[str, tuple[int, str]] = {}
        for ln, c in one_hot:
            if ln < chain.line:
                latest_sum[_summed_letter(c)] = (ln, c)
        chain.sums = [c for _, c in sorted(latest_sum.values())]
        prose = [(ln, c) for ln, c in latest_sum.values() if (ln, c) in targets]
        if prose:
            chain.one_hot = max(prose)[1]
            chain.one_hot_prose = True
        entries = [c for ln, c in one_hot_entries(source) if ln < chain.line]
        if entries and prose:
            chain.one_hot_entries = entries[-1]
    report.partial = _judge_all(tasks, defined, timeout, jobs, budget)
    lines = source.splitlines()
    for chain in tasks:
        around = " ".join(lines[max(0, chain.line - 2):chain.line])
        if chain.result is not None and chain.result.verdict is Verdict.FALSE \
                and EQUATION_TO_SOLVE.search(around):
            _doubt(chain.result, "the text around it sets up an equation to solve (令导数为零, "
                                 "setting the gradient to zero), which holds only at the "
                                 "solution, not for every value")
    return report


def _read_layer_letters(report: Report) -> None:
    """o_j (hidden) and o_k (output) as two quantities when the document names layers by
    index letter (see :mod:`symbp.claims.layer_letters`)."""
    first: dict[str, str] = {}
    for chain in report.chains:
        name = definition_name(chain.sides[0]) if chain.sides and chain.sides[0] else None
        if name is not None and len(chain.sides) > 1 and name not in first:
            first[name] = chain.sides[1]
    texts = [s for c in report.chains for s in c.sides]
    if not (layer_families(first) and chained_weights(texts)):
        return
    rename = renamer(texts)
    for chain in report.chains:
        chain.sides = [rename(s) for s in chain.sides]
    report.notes.append("the document names layers by index letter (o_j hidden, o_k output): "
                        "each family written with several index letters is read as one "
                        "quantity per letter, e.g. o_k as oK_k")


def _read_numbered_layers(report: Report) -> None:
    """a^2_j, \\mathbf{W}^1: layers numbered in plain superscripts (see
    :mod:`symbp.claims.numbered_layers`), written ^{(2)} for the reader."""
    families = numbered_families([s for c in report.chains for s in c.sides])
    if not families:
        return
    for chain in report.chains:
        chain.sides = [rewrite_numbered(s, families) for s in chain.sides]
    report.notes.append("the document numbers layers in superscripts: "
                        + ", ".join(f"{f}^{min(n)} … {f}^{max(n)}"
                                    for f, n in sorted(families.items()))
                        + " are layers (as Ng's a^{(2)}), not powers")


CASE = re.compile(r"(?:(?:若|如果|当|假设|if|when|case|for)\s*([a-zA-Z])\s*(=|\\neq?(?![a-zA-Z])|≠)"
                  r"\s*([a-zA-Z])(?![a-zA-Z])"
                  r"|(?<![A-Za-z])([a-zA-Z])\s*(=|\\neq?(?![a-zA-Z])|≠)\s*([a-zA-Z])\s*(?:时|的情况))",
                  re.IGNORECASE)
CASE_REACH = 40  # lines a case split written in prose governs at most


def prose_cases(source: str) -> list[tuple[int, str]]:
    """Case splits written in prose (若 k = j / 若 k \\(\\neq\\) j / "if i ≠ j"): (line,
    assumption text) — each becomes an assumption of the chains after it, until the next."""
    out = []
    for n, line in enumerate(source.splitlines(), 1):
        plain = re.sub(r"\\[()]|\$", " ", line)
        m = CASE.search(plain)
        if m:
            a, op, b = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (
                m.group(4), m.group(5), m.group(6))
            if a != b:
                rel = "=" if op == "=" else r"\ne"
                out.append((n, f"{a} {rel} {b}"))
    return out


ONE_HOT = re.compile(r"([a-zA-Z])_\{?([a-zA-Z])\}?\s*=\s*1\b.{0,40}?(?:其它|其他|其余|其餘|剩下|other|others|rest)"
                     r".{0,20}?\1_\{?([a-zA-Z])\}?\s*=\s*0")


#: "标签 y 用 one-hot 向量表示", "the label y is a one-hot vector": the target named in prose
ONE_HOT_WORD = re.compile(r"(?<![A-Za-z\\])([a-zA-Z])(?![A-Za-z])[^。.;；:：\n$]{0,12}?"
                          r"(?:one-hot|one hot|独热|獨熱)", re.IGNORECASE)
HOT = "HOT"  # the index of the 1 in y_i = δ_{i,HOT}, named when a chain is checked


def _one_hot_in(line: str):
    """(target letter, its hot index letter or HOT) of a one-hot target stated in a line."""
    plain = re.sub(r"\\[()]|\$|\\mathbf\{|\\boldsymbol\{|\}", " ", line)
    m = ONE_HOT.search(plain)
    if m:
        return m.group(1), m.group(2)
    m = ONE_HOT_WORD.search(plain)
    if m:
        return m.group(1), HOT
    return None


def one_hot_entries(source: str) -> list[tuple[int, str]]:
    """The same prose one-hot targets as y_i = δ_ij (j the index that is 1): used for a
    chain that writes columns by their pattern ([y_1; ⋮; y_n], \\vec{y})."""
    out = []
    for n, line in enumerate(source.splitlines(), 1):
        found = _one_hot_in(line)
        if found:
            y, hot = found
            free = "m" if hot == "i" else "i"
            out.append((n, f"{y}_{free} = \\delta_{{{free},{hot}}}"))
    return out


def one_hot_targets(source: str) -> list[tuple[int, str]]:
    """"y_j = 1, 其它 y_i = 0" (a one-hot target, in prose): (line, Σ_i y_i = 1).  Checks use
    that consequence; a step false under it alone is only undecided (see _judge_one)."""
    out = []
    for n, line in enumerate(source.splitlines(), 1):
        found = _one_hot_in(line)
        if found:
            out.append((n, f"\\sum_i {found[0]}_i = 1"))
    return out


def _letters_of(text: str) -> set:
    words = set(re.findall(r"(?<![\\A-Za-z])([A-Za-z]+)", text))
    return {w for w in words if w not in set("ijkmnlsd") and w not in ("e", "frac", "sum")}


def _supersedes(new_rhs: str, old_definition: str, name: str) -> bool:
    """A second definition of a name in other quantities (a_k = t_k/Σ_i t_i, then
    a_k = e^{net_k}/Σ_i e^{net_i}) replaces the first instead of being checked against it.
    One in terms of the quantity itself (δ^l = ∂J/∂z^l, then δ^l = (W^{l+1})ᵀδ^{l+1} ⊙
    σ'(z^l)) is a relation the text derives: a claim."""
    if _family(name) in _quantities(new_rhs):
        return False
    old_rhs = old_definition.split("=", 1)[1]
    if not (_letters_of(new_rhs) & _letters_of(old_rhs)):
        return True
    # w^* = (XᵀX)⁻¹Xᵀy, later w^* = (XᵀX + λI)⁻¹Xᵀy: new quantities (λ, I) make a new one
    return bool(_quantities(new_rhs) - _quantities(old_rhs))


_STRUCTURE = {"frac", "dfrac", "sum", "prod", "partial", "mathrm", "operatorname", "left",
              "right", "cdot", "times", "odot", "circ", "top", "mathbf", "boldsymbol", "bm",
              "vec", "text", "ln", "log", "exp", "tr", "Tr", "det", "diag", "sqrt", "quad",
              "qquad", "e", "T"}


def _quantities(text: str) -> set:
    """The names a formula uses (a of da_j counts as a; indices and structure do not)."""
    out = set()
    for w in re.findall(r"\\[A-Za-z]+|[A-Za-z]+", text):
        macro = w.startswith("\\")
        w = w.lstrip("\\")
        if w in _STRUCTURE or w in set("ijklmn") or w in ("dots", "ldots", "cdots", "vdots"):
            continue
        differential = not macro and w.startswith("d") and len(w) > 1 and w[1:] not in _STRUCTURE
        out.add(w[1:] if differential else w)
    return out


def _readable(text: str) -> bool:
    """Whether an equation can be read at all (a definition whose right side is prose or
    OCR garbage is not picked up)."""
    from ..notation.latex_in import read_claim

    try:
        read_claim(text)
    except InputError:
        return False
    return True


_NUMBERED_ENTRY = re.compile(r"\\?([A-Za-z]+)_\{?(\d+)\}?")


def _numbered_entry(name: str) -> bool:
    """s_3, a_{12}: one numbered entry of a family written with letter indices elsewhere."""
    return bool(_NUMBERED_ENTRY.fullmatch(name)) and not name[0].isupper()


def _names_entry(text: str, name: str) -> bool:
    m = _NUMBERED_ENTRY.fullmatch(name)
    return bool(re.search(rf"(?<![A-Za-z\\]){m.group(1)}\s*_\s*\{{?\s*{m.group(2)}(?!\d)", text))


def _family(name: str) -> str:
    m = re.match(r"\\(hat|tilde|bar)\s*\{?\s*\\?([A-Za-z]+)", name)
    if m:  # \hat{y} is a quantity of its own, not y
        return m.group(2) + m.group(1)
    return re.match(r"(?:\\(?:mathbf|boldsymbol|bm|vec|mathrm)\{)?\\?([A-Za-z]+)", name).group(1)


def _judge_one(chain: Chain, defined: dict, timeout: float):
    """Judge a chain; when a step in it cannot be decided, the steps after it are judged
    again on their own (a chain whose first step needs a reading the rest does not, like
    ∂J/∂z^L = −y(1/a^L)… = … = a^L − y, still gets its algebra checked)."""
    sides = chain.sides[1:] if chain.definition else chain.sides
    result, error = _judge_sides(chain, sides, defined, timeout)
    if result is None:
        return None, error
    stuck = next((k for k, st in enumerate(result.steps)
                  if st.verdict is Verdict.UNDECIDED and not st.definition), None)
    if stuck is not None and stuck + 2 < len(sides):
        tail, _ = _judge_sides(chain, sides[stuck + 1:], defined, timeout)
        if tail is not None and any(st.verdict is not Verdict.UNDECIDED for st in tail.steps):
            for st in tail.steps:
                st.reason += " [checked on its own: an earlier step was not decided]"
            result.steps = result.steps[:stuck + 1] + tail.steps
    return result, None


def _judge_sides(chain: Chain, sides: list, defined: dict, timeout: float):
    claim = " = ".join(sides)
    d = dict(chain.directives)
    summed = set(re.findall(r"\\sum\s*_\s*\{?\s*([a-z])", claim))
    if chain.case and not summed & set(re.findall(r"[a-z]", chain.case)):
        # (若 i ≠ j governs a_i, a_j; not a chain that sums over i)
        d["assume"] = d["assume"] + [chain.case]
    used = [n for n in chain.used if any(_mentions(x, n) for x in sides)]
    if chain.sums:  # Σ_{i=1}^{n} y_i = 1, with the bound the chain's sums use (K, N …)
        bounds = re.findall(r"\\sum\s*_\s*\{\s*[a-z]\s*=\s*1\s*\}\s*\^\s*\{?\s*([A-Za-z])(?![A-Za-z])",
                            " ".join([claim] + [defined[n][1] for n in used]))
        d["assume"] = d["assume"] + [re.sub(r"\\sum_i ", r"\\sum_{i=1}^{%s} " % bounds[0], c)
                                     if bounds else c for c in chain.sums]
    pattern = [_hot_entries(chain, claim)] if chain.one_hot_entries and "\\vdots" in claim \
        else []
    grew = True
    while grew:  # and what those definitions use (E uses o_k, o_k uses net_k)
        more = [n for n in chain.used if n not in used and any(
            _mentions(defined[u][1].split("=", 1)[1], n) for u in used)]
        used += more
        grew = bool(more)
    defines = [defined[n][1] for n in used] + [text for _, text in chain.instances] + pattern
    try:
        try:
            result = judge(claim, d["context"], d["define"] + defines, d["assume"],
                           timeout=timeout)
        except InputError:
            if not defines:
                raise
            result = judge(claim, d["context"], d["define"], d["assume"], timeout=timeout)
            if chain.definition and result.verdict is Verdict.FALSE:
                _implicit_definitions(result, defined)
            if result.verdict is Verdict.FALSE:  # its names were defined in the document
                result = _doubt(result, "it uses " + ", ".join(used) + " as defined in "
                                "the document, and that definition could not be read")
        if chain.definition and result.verdict is Verdict.FALSE:
            _implicit_definitions(result, defined)
        result = _in_the_network(result, claim, d, [(n, defined[n][1]) for n in used],
                                 timeout)
        result = _with_recent_cost(result, chain, claim, d, defines, used, defined, timeout)
        if chain.later and result.verdict is Verdict.FALSE:
            result = _doubt(result, ", ".join(chain.later) + " was used as the document "
                            "defines it further down, and the writer may mean something else "
                            "here")
        if used and result.verdict is Verdict.FALSE and _LAYERED.search(claim) and not any(
                BACKPROP_NOTE in st.reason for st in result.steps):
            result = _doubt(result, "its layered quantities were read outside the backprop "
                            "network, because the document's definitions of "
                            + ", ".join(used) + " replace the network's own")
        if used and result.verdict is Verdict.FALSE and any(
                BACKPROP_NOTE in st.reason for st in result.steps):
            result = _doubt(result, "it was read in the backprop network (δ^l = ∂C/∂z^l for "
                            "a generic cost C) and also uses the document's definitions of "
                            + ", ".join(used) + ", which that reading may not match")
        if result.verdict is Verdict.FALSE and chain.unread:
            result = _doubt(result, "it uses " + ", ".join(chain.unread) + ", whose "
                            "definition in the document could not be read, so what depends "
                            "on what is not known")
        if result.verdict is Verdict.FALSE and any(_vanished(st) for st in result.steps):
            result = _doubt(result, "a derivative came out 0 where the counterexample was "
                            "taken: the document's definitions, as read, do not make it "
                            "depend on that variable (or its index ran past the sizes), "
                            "which the writer cannot mean")
        if chain.one_hot_prose and result.verdict is Verdict.FALSE and not _false_one_hot(
                chain, claim, d, defines, timeout):
            result = _doubt(result, "the one-hot target was used only as Σ y = 1")
        if result.verdict is Verdict.FALSE and any(_example_value(st) for st in result.steps):
            result = _doubt(result, "a worked example's value: the quantities on the other "
                            "side have the values the text computed before, which were not "
                            "all read, so they were taken at random")
        return result, None
    except InputError as err:
        return None, err.what


DERIVATIVE = re.compile(r"\\partial|\\nabla|\\frac\s*\{\s*d|\\mathrm\{d\}")


def _zero(value) -> bool:
    if isinstance(value, (int, float)):
        return value == 0
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_zero(v) for v in value)
    return False


def _vanished(st: Step) -> bool:
    """A false step whose derivative side is exactly 0 at the counterexample."""
    ce = st.counterexample or {}
    return st.verdict is Verdict.FALSE and any(
        _zero(ce.get(key)) and DERIVATIVE.search(text)
        for key, text in (("lhs", st.lhs), ("rhs", st.rhs)))


def _letters(text: str) -> set:
    return set(re.findall(r"(?<![\\A-Za-z])([A-Za-z])(?![A-Za-z])", text))


def _implicit_definitions(result: Judgement, defined: dict) -> None:
    """In a definition chain (``a = σ(z) = σ(Wx + b)``) a later step that brings in a name
    the document never defined, on one side only, names it (z := Wx + b): not false."""
    families = {_family(n) for n in defined}
    for st in result.steps:
        if st.verdict is not Verdict.FALSE:
            continue
        new = (_letters(st.lhs) ^ _letters(st.rhs)) - families
        if new:
            st.verdict, st.definition = Verdict.UNDECIDED, True
            st.reason = (f"a definition: {', '.join(sorted(new))} is not defined in the "
                         f"document, and this step of a definition chain names it "
                         f"(as an identity it would be false: {st.reason})")


_WRAPPED = re.compile(r"\\(?:mathbf|boldsymbol|bm)\s*\{([^{}]*)\}")


def _differentiated_by(claim: str, name: str) -> bool:
    """Whether the claim differentiates by the quantity ``name`` defines (∂J/∂z^L: z^L's
    own definition plays no part, the derivative holds z^L as the variable)."""
    family = re.escape(_family(name))
    return bool(re.search(r"\\partial\s*(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*)?\\?"
                          + family + r"(?![A-Za-z])", claim))


def _layer_instances(sides: list, used: list, defined: dict, where: dict, here) -> list:
    """δ^{(2)}_k in a chain of a note that numbers its layers, with δ^l_j = ∂C/∂z^l_j
    defined for a generic layer l (and no definition of δ at layer 2): that definition
    stated for layer 2 (see :func:`symbp.claims.numbered_layers.instance`), and so on for
    what those instances mention.  [(generic name, instance text)]"""
    out: list = []
    texts = list(sides) + [defined[n][1] for n in used]
    done: set = set()
    for _ in range(3):
        grew = False
        for family, layer in sorted(numbered_mentions(texts) - done):
            done.add((family, layer))
            if any(_family(n) == family and re.search(r"\^\s*\{\s*\(\s*%d\s*\)" % layer, n)
                   for n in used):
                continue  # the note defines that layer's own (z^{(2)}_k = … on line 91)
            generic = [n for n in defined if where[n] < here
                       and instance(defined[n][1], family, layer) is not None]
            if generic:
                n = max(generic, key=lambda g: where[g])
                text = instance(defined[n][1], family, layer)
                out.append((n, text))
                texts.append(text)
                grew = True
        if not grew:
            break
    return out


def _recent_cost(used: list, defined: dict, where: dict, here) -> str | None:
    """The cost defined most recently before a chain, when the chain's own cost name (J)
    refers to an older definition: J = ½‖a^L − y‖² at the start of a lecture, then
    "the loss can be defined as L = −[y log ŷ + (1 − y) log(1 − ŷ)]" and ∂J/∂z^L."""
    own = [n for n in used if is_cost(defined[n][1])]
    if len(own) != 1:
        return None
    newer = [n for n, (_, text) in defined.items() if is_cost(text) and where[own[0]] < where[n]
             < here and _family(n) != _family(own[0])]
    return max(newer, key=lambda n: where[n]) if newer else None


def _with_recent_cost(result: Judgement, chain: Chain, claim: str, d: dict, defines: list,
                      used: list, defined: dict, timeout: float) -> Judgement:
    """A chain not found true with its cost name's old definition, read with the cost the
    text defined most recently (see :func:`_recent_cost`), renamed; ŷ in that cost is the
    network's output a^L when the chain writes a^L and not ŷ.  Only a TRUE is taken."""
    if result.verdict is Verdict.TRUE or chain.recent_cost is None:
        return result
    own = next((n for n in used if is_cost(defined[n][1])), None)
    if own is None:
        return result
    lhs = re.sub(r"\(.*\)", "", defined[own][1].split("=", 1)[0])  # J(\mathbf{W}, …): J
    rhs = defined[chain.recent_cost][1].split("=", 1)[1]
    hat = re.compile(r"\\hat\s*\{?\s*y\s*\}?")
    output = re.search(r"(?<![A-Za-z\\])a\s*\^\s*\{?\s*L\s*\}?", claim)
    if output and not hat.search(claim):
        rhs = hat.sub(lambda m: " a^{L} ", rhs)
    cost = f"{lhs}= {rhs}"
    plain = not re.search(r"\\(?:mathbf|boldsymbol|bm)\b", claim)
    # the network's own a^L = σ(z^L) in bold, the chain in plain letters (one output)
    others = [_WRAPPED.sub(r"\1", defined[n][1]) if plain and restates_network(defined[n][1])
              else defined[n][1] for n in used if n != own and not (
                  restates_network(defined[n][1]) and _differentiated_by(claim, n))]
    try:
        other = judge(claim, d["context"], d["define"] + others + [cost], d["assume"],
                      timeout=timeout)
    except InputError:
        return result
    if other.verdict is not Verdict.TRUE:
        return result
    note = (f" [{lhs.strip()} read as {chain.recent_cost} (line {defined[chain.recent_cost][0]}), "
            "the cost the text defined last" + (", with ŷ as the network's output a^L"
                                               if output and hat.search(defined[
                                                   chain.recent_cost][1]) else "") + "]")
    for st in other.steps:
        st.reason += note
    return other


def _in_the_network(result: Judgement, claim: str, d: dict, used: list,
                    timeout: float) -> Judgement:
    """A layered claim not found true with the document's definitions, when those that
    are layered restate the backprop network (z^{l+1} = W^{l+1}a^l + b^{l+1}, a^l = σ(z^l),
    δ^l = ∂J/∂z^l; see :mod:`symbp.claims.network_definitions`): read it in the network
    instead, where it is about every layer and a generic cost.  True there is true for the
    note's cost too; anything else there leaves the first reading's verdict."""
    if result.verdict is Verdict.TRUE or not _LAYERED.search(claim):
        return result
    network = [n for n, text in used if restates_network(text)]
    costs = [n for n, text in used if is_cost(text) and n not in network]
    if not network or any(_LAYERED.search(text) for n, text in used
                          if n not in network and n not in costs):
        return result
    kept = [text for n, text in used if n not in network and n not in costs]
    try:
        other = judge(claim, d["context"], d["define"] + kept, d["assume"], timeout=timeout)
    except InputError:
        return result
    if other.verdict is Verdict.TRUE:
        note = (" [the document's definitions of " + ", ".join(network) + " are the "
                "network's own: read in the backprop network"
                + (", for a generic cost C (true for any C, so for " + ", ".join(costs)
                   + " too)" if costs else "") + "]")
        for st in other.steps:
            st.reason += note
        return other
    return result


_NUMERIC_TOKENS = re.compile(r"\\(?:begin|end)\{[bpvBV]?matrix\}|\\(?:times|cdot|cr|left|right|"
                             r"frac|dfrac|quad)(?![A-Za-z])|\\\\|[\s&{}()\[\]+\-*/^.,\d]")


def _summed_letter(assumption: str) -> str:
    """y of \\sum_i y_i = 1 or \\mathbf{1}^T\\mathbf{y} = 1."""
    m = re.search(r"([A-Za-z])\s*\}?\s*(?:_\s*\{?\s*[a-z]\s*\}?)?\s*=\s*1\s*$", assumption)
    return m.group(1) if m else assumption


def _hot_entries(chain: Chain, claim: str) -> str | None:
    """The chain's one-hot target as y_i = δ_ij, its hot index named by a letter the claim
    does not use when the prose did not name it."""
    if not chain.one_hot_entries:
        return None
    used = set(re.findall(r"(?<![A-Za-z\\])([a-z])(?![A-Za-z])", claim))
    letter = next((c for c in "cpqrs" if c not in used), "c")
    return chain.one_hot_entries.replace(HOT, letter)


def _false_one_hot(chain: Chain, claim: str, d: dict, defines: list, timeout: float) -> bool:
    """A step false under Σ_i y_i = 1 alone is false for a one-hot y too when it is false
    with y written as one (y_i = δ_ij, j the index the prose makes 1)."""
    entries = _hot_entries(chain, claim)
    if not entries or entries in defines:
        return False
    try:
        other = judge(claim, d["context"], d["define"] + defines + [entries],
                      d["assume"], timeout=timeout)
    except InputError:
        return False
    return other.verdict is Verdict.FALSE


def _example_value(st: Step) -> bool:
    """A false step ``δ^1 x^T = [−0.03 −0.06; …]``: one side only numbers, the other with
    quantities the counterexample had to give values (or sizes) to — in a worked example they
    have the values and sizes computed a few lines before."""
    ce = st.counterexample or {}
    return st.verdict is Verdict.FALSE and bool(ce.get("values") or "cannot be formed" in
                                                st.reason) and any(
        not _NUMERIC_TOKENS.sub("", side) for side in (st.lhs, st.rhs))


def _doubt(result: Judgement, why: str) -> Judgement:
    for st in result.steps:
        if st.verdict is Verdict.FALSE:
            st.verdict = Verdict.UNDECIDED
            st.reason = f"not decided: {why} (read alone it would be false: {st.reason})"
    return result


def _judge_all(tasks: list[Chain], defined: dict, timeout: float, jobs: int | None,
               budget: float | None = None) -> bool:
    """Judge the chains in worker processes (forked, ``jobs`` of them), each waited for at
    most (steps + 1)·(3·timeout + 2) s, the whole document for at most ``budget`` s.  A
    chain that overruns is undecided (time limit); chains not reached within the budget
    are left unchecked.  Returns True when the budget cut the document short."""
    import multiprocessing as mp
    import os
    import time

    jobs = jobs if jobs is not None else min(2, os.cpu_count() or 1)
    try:
        ctx = mp.get_context("fork")
    except ValueError:  # pragma: no cover - no fork (not Linux): in-process, unbounded
        ctx = None
    progress = _progress(len(tasks))
    if ctx is None or not tasks:
        for chain in tasks:
            chain.result, chain.error = _judge_one(chain, defined, timeout)
            if progress is not None:
                progress.update(1)
        if progress is not None:
            progress.close()
        return False
    end = time.monotonic() + budget if budget else None
    cut = False
    pool = ctx.Pool(max(1, jobs))
    try:
        pending = [pool.apply_async(_judge_one, (c, defined, timeout)) for c in tasks]
        for k, chain in enumerate(tasks):
            job = pending[k]
            steps = max(1, len(chain.sides) - 1)
            wait = (steps + 1) * (3 * timeout + 2) + 5
            if end is not None:
                wait = min(wait, end - time.monotonic())
            if wait <= 0:
                cut = True
                chain.error = None
                chain.result = _unfinished(chain, "not checked: the document's time budget "
                                                  f"of {budget:g} s was used up")
                continue
            try:
                chain.result, chain.error = job.get(timeout=wait)
            except mp.TimeoutError:
                if end is not None and time.monotonic() >= end:
                    cut = True
                chain.result = _unfinished(chain, f"did not finish in {wait:.0f} s and was "
                                                  "stopped (time limit)")
                # its worker is stuck: a fresh pool for the chains still to come
                pool.terminate()
                pool.join()
                pool = ctx.Pool(max(1, jobs))
                pending[k + 1:] = [pool.apply_async(_judge_one, (c, defined, timeout))
                                   for c in tasks[k + 1:]]
            if progress is not None:
                progress.update(1)
    finally:
        pool.terminate()  # a worker stuck on a huge exact value is killed, not waited for
        pool.join()
        if progress is not None:
            progress.close()
    return cut


def _unfinished(chain: Chain, why: str) -> Judgement:
    sides = chain.sides[1:] if chain.definition else chain.sides
    result = Judgement(" = ".join(sides))
    for lhs, rhs in zip(sides, sides[1:]):
        result.steps.append(Step(lhs, rhs, Verdict.UNDECIDED, why))
    return result


def _progress(total: int):
    """A tqdm bar on stderr for a long document (none in a log or for a few chains)."""
    import sys

    from ..progress import bar

    return bar(sys.stderr, total, "checking chains", unit="chain") if total > 20 else None


def verdict_of(c: Chain) -> str:
    """'definition', 'true', 'false', 'undecided' or 'unread' (could not be read)."""
    if c.error:
        return "unread"
    if c.result is None or (c.result.steps and all(st.definition for st in c.result.steps)):
        return "definition"  # a = σ(z) = σ(Wx + b): names a, and z by the way
    return c.result.verdict.value


def summary(report: Report) -> dict:
    counts = {"definition": 0, "true": 0, "false": 0, "undecided": 0, "unread": 0}
    for c in report.chains:
        counts[verdict_of(c)] += 1
    return {"chains": len(report.chains), "definitions": len(report.definitions), **counts,
            "partial": report.partial}


def report_dict(report: Report) -> dict:
    chains = []
    for c in report.chains:
        entry = {"line": c.line, "claim": " = ".join(c.sides), "verdict": verdict_of(c)}
        if c.definition:
            entry["defines"] = c.definition
        if c.used:
            entry["definitions_used"] = [{"name": n, "line": report.definitions[n][0]}
                                         for n in c.used]
        if c.error:
            entry["reason"] = c.error
        elif c.result is not None:
            r = c.result
            off = 1 if c.definition else 0
            entry.update(reason=r.reason, counterexample=r.counterexample,
                         steps=[dict(s.to_dict(), line=c.step_line(i + 1 + off))
                                for i, s in enumerate(r.steps)])
            if r.first_wrong is not None:
                entry["first_wrong_step"] = r.first_wrong + 1 + off
                entry["first_wrong_line"] = c.step_line(r.first_wrong + 1 + off)
        chains.append(entry)
    return {"file": report.path, "false": report.any_false, "summary": summary(report),
            "definitions": [{"name": n, "line": ln, "text": t}
                            for n, (ln, t) in report.definitions.items()],
            "notes": list(report.notes), "chains": chains}
