"""Text → LaTeX: one escape table for user text, and prose with inline math.

Justifications and titles in the catalog are plain Unicode prose with a little
math in it ("∂ ln a_j/∂z_k = (1/a_j) ∂a_j/∂z_k").  :func:`prose` turns that into
LaTeX that both pdfLaTeX/XeLaTeX and Jupyter's MathJax accept: the math pieces
(Greek letters, operators, ``a_j``, ``w^l_jk``) become ``$…$``, identifiers
with an underscore (``softmax_jacobian``) become ``$\\mathtt{softmax\\_jacobian}$``,
and everything else is escaped with :data:`TEXT_ESCAPES`.  User text (title,
author) goes through :func:`escape` — the same table, without math detection.
"""

from __future__ import annotations

import re
import unicodedata

# special characters of LaTeX text mode
TEXT_ESCAPES: dict[str, str] = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
    "%": r"\%", "#": r"\#", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}

# Unicode math characters -> math-mode LaTeX (used inside $…$)
MATH_CHARS: dict[str, str] = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "η": r"\eta", "θ": r"\theta", "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "π": r"\pi",
    "ρ": r"\rho", "σ": r"\sigma", "τ": r"\tau", "φ": r"\varphi", "ψ": r"\psi", "ω": r"\omega",
    "ξ": r"\xi", "ζ": r"\zeta", "κ": r"\kappa", "χ": r"\chi",
    "Δ": r"\Delta", "Σ": r"\Sigma", "Π": r"\Pi", "Φ": r"\Phi", "Ω": r"\Omega", "Γ": r"\Gamma",
    "∂": r"\partial", "∇": r"\nabla", "⊙": r"\odot", "∘": r"\circ", "·": r"\cdot",
    "×": r"\times", "−": "-", "±": r"\pm", "≤": r"\le", "≥": r"\ge", "≠": r"\ne",
    "≈": r"\approx", "→": r"\to", "⇒": r"\Rightarrow", "⇔": r"\Leftrightarrow",
    "∞": r"\infty", "∈": r"\in", "∑": r"\sum", "∏": r"\prod", "√": r"\surd",
    "′": "'", "″": "''", "ᵀ": "^{T}", "⁻": "^{-}", "¹": "^{1}", "²": "^{2}", "³": "^{3}",
    "ℓ": r"\ell", "ℝ": r"\mathbb{R}", "∀": r"\forall", "∃": r"\exists", "⊤": "^{T}",
    "½": r"\tfrac{1}{2}", "¼": r"\tfrac{1}{4}", "‖": r"\|", "⟨": r"\langle",
    "⟩": r"\rangle", "∫": r"\int",
}

# text characters pdfLaTeX's utf8 input cannot set on its own
TEXT_CHARS: dict[str, str] = {
    "–": "--", "—": "---", "…": r"\ldots{}", "“": "``", "”": "''", "‘": "`", "’": "'",
    "✓": r"$\checkmark$", "✗": r"$\times$", "\u00a0": "~",
}

_GREEK = "".join(ch for ch in MATH_CHARS if ch.isalpha())
# a script: {…}, a word (with a leading minus: u^−1), or a bracketed formula: e^(−z)
_ARG = (r"(?:\{[^{}]*\}|\([A-Za-z0-9" + _GREEK + r"′−+·/ ]+\)|[−-]?[A-Za-z0-9" + _GREEK
        + r"′]+)")
# a single letter (or Greek letter) with sub/superscripts: a_j, w^l_jk, δ^L, e^{z_j}
_SCRIPTED = re.compile(r"(?<![A-Za-z0-9])(d(?=[A-Za-z" + _GREEK + r"][_^]))?([A-Za-z" + _GREEK
                       + r"])((?:[_^]" + _ARG + r")+)")
# a differential: dz, da, dW (d and one letter; "do" is a word)
# a power or an entry of a bracket: (e^z + 1)^2, ((W^{l+1})ᵀ δ^{l+1})_j
_POST = re.compile(r"\)((?:[_^]" + _ARG + r")+)")
_DIFF = re.compile(r"(?<![A-Za-z0-9_\\])d[a-np-zA-Z" + _GREEK + r"](?![A-Za-z0-9_])")
_IDENT = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+")
# a lone letter is a variable ("C = …", "since k ≤ n"); the English words a, A, I are not
_LONE = re.compile(r"(?<![A-Za-z0-9_\\])[A-Za-z](?![A-Za-z0-9_'′])")
_WORDS = {"a", "A", "I"}
FUNCTION_WORDS = {"ln": r"\ln", "log": r"\log", "exp": r"\exp", "tr": r"\operatorname{tr}",
                  "tanh": r"\tanh", "diag": r"\operatorname{diag}"}
_FUNC = re.compile(r"(?<![A-Za-z0-9_\\])(?:" + "|".join(FUNCTION_WORDS) + r")(?![A-Za-z])(?=\s*(?:[(" + _GREEK
                   + r"]|[A-Za-z](?![A-Za-z])))")
_OPS = set("=−+-⊙·×/≤≥<>∂") | set(_GREEK)
_SCRIPT_PART = re.compile(r"([_^])(" + _ARG + r")")


def escape(text: str) -> str:
    """Escape user text (a title, an author) for LaTeX text mode.  No math detection."""
    return _join(_chars(str(text)))


def _math(s: str) -> str:
    """Math-mode LaTeX of a small Unicode formula fragment (no ``$``)."""
    out = []
    for ch in s:
        if ch in MATH_CHARS:
            m = MATH_CHARS[ch]
            out.append(m + (" " if m[-1].isalpha() and m.startswith("\\") else ""))
        elif ch in "{}_^":
            out.append(ch)
        elif ch in TEXT_ESCAPES:
            out.append(TEXT_ESCAPES[ch] if ch not in "<>|" else ch)
        elif ord(ch) >= 0x250 and not _is_cjk(ch):
            out.append(_fallback(ch)[1])
        else:
            out.append(ch)
    return "".join(out).strip()


def _scripted(base: str, scripts: str) -> str:
    tex = _math(base)
    for kind, arg in _SCRIPT_PART.findall(scripts):
        arg = arg[1:-1] if arg.startswith(("{", "(")) else arg
        tex += f"{kind}{{{_math(arg)}}}"
    return tex


def prose(text: str) -> str:
    """LaTeX of catalog prose: escaped text with its math pieces as inline math."""
    segments: list[tuple[bool, str]] = []  # (is_math, tex)
    pos = 0
    text = str(text)
    pattern = re.compile(f"{_FUNC.pattern}|{_IDENT.pattern}|{_SCRIPTED.pattern}|"
                         f"{_POST.pattern}|{_DIFF.pattern}|{_LONE.pattern}")
    for m in pattern.finditer(text):
        segments += _chars(text[pos:m.start()])
        token = m.group(0)
        if token in FUNCTION_WORDS:
            segments.append((True, FUNCTION_WORDS[token]))
        elif token in _WORDS and not _beside_math(text, m.start(), m.end()):
            segments += _chars(token)
        elif re.fullmatch(r"d[A-Z]_[A-Za-z0-9]+", token):  # an entry of a differential: dX_ij
            head, sub = token.split("_", 1)
            segments.append((True, rf"\mathrm{{d}}{head[1]}_{{{sub}}}"))
        elif _IDENT.fullmatch(token) and len(token.split("_")[0]) > 1:
            segments.append((True, r"\mathtt{" + token.replace("_", r"\_") + "}"))
        else:
            sm = _SCRIPTED.fullmatch(token)
            if sm:
                diff = r"\mathrm{d}" if sm.group(1) else ""
                segments.append((True, diff + _scripted(sm.group(2), sm.group(3))))
            elif _POST.fullmatch(token):
                segments.append((True, ")" + _scripted("", token[1:])))
            elif _DIFF.fullmatch(token):
                segments.append((True, r"\mathrm{d}" + _math(token[1:])))
            else:
                segments.append((True, _math(token)))
        pos = m.end()
    segments += _chars(text[pos:])
    return _join(segments)


def _beside_math(text: str, start: int, end: int) -> bool:
    """Is the word ``a``/``A``/``I`` at ``text[start:end]`` next to an operator (so math)?"""
    if text[start:end] == "A" and text[:start].strip() and not text[:start].rstrip().endswith("."):
        return True  # "A" mid-sentence is a matrix, not the article
    before = text[:start].rstrip()[-1:]
    after = text[end:].lstrip()[:1]
    if any(ch and _is_cjk(ch) for ch in (before, after)):
        return True  # Chinese has no article: 用输出 a 表示
    return bool(before and before in _OPS) or bool(after and after in _OPS)


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF \
        or 0x3000 <= o <= 0x303F


def _fallback(ch: str) -> tuple[bool, str]:
    """A character no table knows: super/subscripts as math, else its plain base letter.

    Latin-1 letters (é, ü) pass as they are; CJK passes (the zh document sets it);
    anything else becomes ``[U+XXXX]`` rather than a LaTeX error.
    """
    if ord(ch) < 0x250 or _is_cjk(ch):
        return False, ch
    dec = unicodedata.decomposition(ch)
    if dec.startswith(("<super>", "<sub>")):
        base = chr(int(dec.split()[1], 16))
        inner = _math(base) if base in MATH_CHARS else base
        return True, ("^" if dec.startswith("<super>") else "_") + "{" + inner + "}"
    plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    if plain:
        return False, escape(plain)
    return False, f"[U+{ord(ch):04X}]"


def _chars(s: str) -> list[tuple[bool, str]]:
    out = []
    for ch in s:
        if ch in MATH_CHARS:
            out.append((True, _math(ch)))
        elif ch in TEXT_ESCAPES:
            out.append((False, TEXT_ESCAPES[ch]))
        elif ch in TEXT_CHARS:
            out.append((False, TEXT_CHARS[ch]))
        else:
            out.append(_fallback(ch))
    return out


_GLUE = set(" =+/([0123456789.,")
_CLOSE = {")": "(", "]": "["}
# math that ends (or starts) with a relation or an operator takes the number beside it:
# "z = 0" is $z = 0$, not $z$ = 0; "1 ≤ k ≤ n" is $1 \le k \le n$
_OP_END = re.compile(r"(?:\\le|\\ge|\\ne|\\to|\\cdot|\\times|[=<>+\-/])\s*$")
_OP_START = re.compile(r"\s*(?:\\le|\\ge|\\ne|\\to|\\cdot|\\times|[=<>+\-/])")
_NUM_AFTER = re.compile(r"[ =+/.0-9]*[0-9]")
_NUM_BEFORE = re.compile(r"(?<![A-Za-z0-9_}\\.$])\(?[0-9]+(?:[./][0-9]+)*[ =+/]*$")


def _join(segments: list[tuple[bool, str]]) -> str:
    """Math pieces joined by glue (spaces, ``=``, ``+``, ``/``, brackets) share one ``$…$``.

    Never ``$$`` (display math).  ``y_j = 1`` becomes ``$y_{j} = 1$``, not three pieces.
    """
    out: list[str] = []
    math: list[str] = []
    pending: list[str] = []  # glue seen after a math piece

    def flush():
        if math:
            glue = "".join(pending)
            num = _NUM_AFTER.match(glue)
            if num and (set(num.group(0)) & set("=+/") or _OP_END.search("".join(math))):
                math.append(num.group(0))
                pending[:] = [glue[num.end():]]
            out.append("$" + _merge_scripts("".join(math).strip()) + "$")
            math.clear()
        out.extend(pending)
        pending.clear()

    for is_math, tex in segments:
        if is_math:
            if not math:
                text = "".join(out)
                num = _NUM_BEFORE.search(text)
                if num and (set(num.group(0)) & set("=+/") or _OP_START.match(tex)):
                    out[:] = [text[:num.start()]]
                    math.append(num.group(0))
                    math.append(tex)
                    continue
            if math:
                glue = "".join(pending)
                pending.clear()
                if not glue and math[-1][-1:].isalpha() and tex[:1].isalpha():
                    glue = " "
                math.append(glue)
            math.append(tex)
        elif math and tex in _GLUE:
            pending.append(tex)
        elif math and tex in _CLOSE and _open_in("".join(math + pending), tex):
            math.extend(pending)
            pending.clear()
            math.append(tex)
        else:
            flush()
            out.append(tex)
    flush()
    return "".join(out)


def _open_in(tex: str, close: str) -> bool:
    return tex.count(_CLOSE[close]) > tex.count(close)


def _merge_scripts(tex: str) -> str:
    """``e^{-}^{z}`` (from ``e⁻ᶻ``) is a double superscript: make it ``e^{-z}``."""
    for mark in ("^", "_"):
        pat = re.compile(re.escape(mark) + r"\{([^{}]*)\}\s*" + re.escape(mark) + r"\{")
        while pat.search(tex):
            tex = pat.sub(lambda m, mark=mark: mark + "{" + m.group(1), tex)
    return tex
