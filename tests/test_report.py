"""Reports without a PDF: escaping, the document model, templates, CLI errors, atomic writes."""

import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import symbp
from symbp.cli import main
from symbp.report import coursework_tex, single_tex, write_atomic
from symbp.report.build import derivation_view
from symbp.report.render import TEMPLATES, render
from symbp.report.results import load_results
from symbp.report.tex import TEXT_ESCAPES, escape, prose


# --- escaping -------------------------------------------------------------
def test_escape_table_covers_every_special_character():
    text = r"50% & $5 #1 {x} ~ a_b ^ \ <>|"
    tex = escape(text)
    assert r"\textbackslash{}" in tex and r"\%" in tex and r"\_" in tex
    for value in sorted(TEXT_ESCAPES.values(), key=len, reverse=True):
        tex = tex.replace(value, "")
    assert not set(tex) & set("\\%&$#_{}^~")


def test_prose_math_pieces():
    assert prose("C = −Σ_j y_j ln a_j") == r"$C = -\Sigma_{j} y_{j} \ln a_{j}$"
    assert prose("σ′(z) = σ(z)(1 − σ(z))") == r"$\sigma'(z) = \sigma(z)(1 - \sigma(z))$"
    assert r"$\mathtt{softmax\_jacobian}$" in prose("see (softmax_jacobian)")
    assert prose("e⁻ᶻ") == "$e^{-z}$"  # no double superscript
    assert "w^{l}_{jk}" in prose("w^l_jk")


def _math_shifts(tex: str) -> list[int]:
    """Positions of the ``$`` that switch math mode (a backslash escapes the next char)."""
    out, i = [], 0
    while i < len(tex):
        if tex[i] == "\\":
            i += 2
            continue
        if tex[i] == "$":
            out.append(i)
        i += 1
    return out


ALPHABET = "ab xyzjkCW_^{}()=+−/·σδ∂Σ⊙ᵀ′%&#$\\~0123,.;中文é"


@given(st.text(alphabet=ALPHABET, max_size=40))
def test_prose_and_escape_keep_math_balanced(text):
    for tex in (prose(text), escape(text)):
        shifts = _math_shifts(tex)
        assert len(shifts) % 2 == 0
        assert all(b != a + 1 for a, b in itertools.pairwise(shifts))  # never $$
        # braces balance (escaped ones do not count)
        plain = tex.replace(r"\{", "").replace(r"\}", "")
        depth = 0
        for ch in plain:
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth >= 0
        assert depth == 0


# --- the document model ---------------------------------------------------
def test_view_has_numbered_steps_justifications_and_checks():
    vd = symbp.derive("softmax_ce")
    v = derivation_view(vd, "en")
    steps = [s for p in v.parts for s in p.steps]
    assert len(steps) == len(vd.steps) >= 5
    assert len({s.label for s in steps}) == len(steps)
    assert any("chain rule" in s.why for s in steps)
    assert all(r"\ok" in s.check and "random points" in s.check for s in steps)
    assert v.verified and "Verified" in v.status
    assert r"\eqref{" in v.parts[-1].conclusion
    zh = derivation_view(vd, "zh")
    assert any("链式法则" in s.why for p in zh.parts for s in p.steps)
    assert any("随机点" in s.check for p in zh.parts for s in p.steps)



# --- Chinese texts ----------------------------------------------------------
@pytest.mark.parametrize("name", ["softmax_ce", "bp1"])
def test_zh_report_has_the_chinese_summary_and_no_english_sentence(name):
    from symbp.catalog import get

    entry = get(name)
    assert entry.summary_zh and entry.source_zh
    zh = single_tex(name, "zh").tex
    en = single_tex(name, "en").tex
    assert r"\textit{" + prose(entry.summary_zh) + "}" in zh
    assert prose(entry.summary) not in zh and prose(entry.source) not in zh
    assert r"\textit{" + prose(entry.summary) + "}" in en  # English report unchanged
    for sentence in ("for a softmax output", "output error", "log-likelihood", "cost:",
                     "quadratic cost", "since 1", "does not depend", "Source:",
                     "general form not reduced", "catalog entry"):
        assert sentence not in zh, sentence


def test_softmax_ce_justifications_name_its_free_index_k():
    whys = {lang: " ".join(s.why for p in derivation_view(symbp.derive("softmax_ce"), lang).parts
                           for s in p.steps) for lang in ("en", "zh")}
    for why in whys.values():
        assert r"\delta_{ik}" in why and r"y_{k}" in why and r"$a_{k}$" in why
        assert r"\delta_{ij}" not in why and r"a_{j}" not in why
    assert "代价函数：对数似然" in single_tex("softmax_ce", "zh").tex


def test_every_builtin_entry_has_chinese_texts():
    """summary_zh for every entry, source_zh where there is a source, and a Chinese
    description (or a formula / function name) for every definition."""
    import re

    from symbp.catalog import entries
    from symbp.report.build import definition_text

    for e in entries():
        if e.origin.startswith("derivations."):
            assert e.summary_zh, e.name
            assert e.source_zh or not e.source, e.name
            for df in e.build().definitions:
                zh = definition_text(df.name, "zh")
                words = re.findall(r"[A-Za-z]{3,}", re.sub(r"[A-Za-z]\w*[_^]\S*", "", zh))
                names = {"softmax", "sigmoid", "tanh", "relu", "softplus", "tanh_scaled",
                         "linear", "logistic", "step", "bce"}
                assert set(words) <= names, (e.name, df.name, zh)


def test_a_wrong_step_is_reported_as_not_verified():
    d = symbp.build("softmax_ce")
    wrong = d.with_step(len(d.steps) - 1, d.steps[-1].rhs + 1)
    v = derivation_view(symbp.verify(wrong), "en")
    assert not v.verified
    assert "NOT verified" in v.status
    assert r"\bad" in "".join(s.mark for p in v.parts for s in p.steps)


def test_single_report_tex_is_standalone():
    rep = single_tex("softmax_ce", "en", title="My_Report & 100%", author="A. Student")
    tex = rep.tex
    assert tex.startswith(r"\documentclass")
    assert r"\end{document}" in tex
    assert r"My\_Report \& 100\%" in tex
    assert r"\begin{align}" in tex and r"\label{eq:softmax-ce:s1}" in tex
    assert r"\VAR" not in tex and r"\BLOCK" not in tex
    zh = single_tex("softmax_ce", "zh")
    assert r"\documentclass[11pt,a4paper,UTF8]{ctexart}" in zh.tex
    assert zh.stem == "softmax_ce-zh"


def test_one_template_folder_shipped_as_package_data():
    from pathlib import Path

    assert sorted(p.name for p in TEMPLATES.glob("*.j2")) == ["check.tex.j2",
                                                              "derivation.tex.j2",
                                                              "document.tex.j2"]
    root = Path(__file__).resolve().parent.parent
    assert not (root / "reports" / "templates").exists()  # reports/ is the output folder
    assert '"report/templates/*"' in (root / "pyproject.toml").read_text()


def test_results_appendix(tmp_path):
    run = tmp_path / "run1"
    run.mkdir()
    (run / "metrics.json").write_text(json.dumps(
        {"test_accuracy": 0.9712, "epochs": 3, "loss": [0.9, 0.5, 0.31], "config": {"lr": 0.5},
         "iteration_loss": [1.0 / (i + 1) for i in range(100)]}))
    runs, where = load_results(tmp_path)
    assert runs[0].name == "run1"
    rows = dict(runs[0].rows)
    assert rows["test\\_accuracy"] == "0.9712" and rows["config.lr"] == "0.5"
    assert rows["loss"] == "0.9, 0.5, 0.31"  # a short list in full
    assert rows["iteration\\_loss"] == "0.01 (last of 100)"  # a curve: its final value
    vd = symbp.derive("softmax_ce")
    tex = render([derivation_view(vd, "en")], {"softmax_ce": "losses"}, coursework=True,
                 results=runs, results_path=where)
    assert r"\appendix" in tex and "0.9712" in tex
    (run / "metrics.json").write_text("{broken")
    with pytest.raises(symbp.errors.InputError):
        load_results(tmp_path)


def test_coursework_groups_every_entry_in_catalog_order(monkeypatch):
    import symbp.report as rep
    from symbp.catalog import GROUPS, entries

    ents = entries()
    vd = symbp.derive("softmax_ce")
    # the model and template are under test here, not the witnesses: reuse one view
    monkeypatch.setattr(rep, "views_for", lambda names, lang, *a, **k: [
        (_renamed(vd, lang, n), None) for n in names])
    tex = coursework_tex("en", date="2026-01-01").tex
    assert r"\tableofcontents" in tex and r"\begin{titlepage}" in tex
    for e in ents:
        assert rf"\label{{sec:{e.name}}}" in tex
    titles = [GROUPS[g][0] for g in GROUPS if any(e.group == g for e in ents)]
    positions = [tex.index(rf"\section{{{escape(t)}}}") for t in titles]
    assert positions == sorted(positions)


def _renamed(vd, lang, name):
    v = derivation_view(vd, lang)
    v.name = name
    return v


# --- CLI errors and atomic writes ------------------------------------------
def test_cli_usage_errors(capsys, tmp_path):
    assert main(["report", "--out", str(tmp_path)]) == 2
    assert "nothing to report" in capsys.readouterr().err
    assert main(["report", "softmax_c", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown derivation" in err and "softmax_ce" in err
    assert main(["report", "softmax_ce", "--all", "--out", str(tmp_path)]) == 2
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_leaves_no_temporary_files(tmp_path):
    p = write_atomic(tmp_path / "sub" / "x.tex", "hello")
    assert p.read_text() == "hello"
    write_atomic(p, "again")
    assert p.read_text() == "again"
    assert sorted(f.name for f in p.parent.iterdir()) == ["x.tex"]


def test_repr_latex_is_display_math():
    tex = symbp.derive("softmax_ce")._repr_latex_()
    assert tex.startswith("$$\\begin{aligned}") and tex.endswith("\\end{aligned}$$")
    assert r"\text{verified}" in tex
    assert "a_{k} - y_{k}" in tex
    assert r"y\_" not in tex  # subscripts in justifications are math, not escaped text
    assert r"$y_{i}" in tex or r"y_{j}" in tex


# --- the view cache ---------------------------------------------------------
def test_view_cache_hits_only_for_identical_code(tmp_path, monkeypatch):
    import symbp.report as rep
    from symbp.report import cache

    calls = []
    real = rep._view

    def counting(task):
        calls.append(task[0])
        return real(task)

    monkeypatch.setattr(rep, "_view", counting)
    first = rep.views_for(["softmax_ce"], "en", cache_dir=tmp_path)[0][0]
    again = rep.views_for(["softmax_ce"], "en", cache_dir=tmp_path)[0][0]
    assert calls == ["softmax_ce"] and again == first
    # another language, other cross-references, or changed code: verified again
    rep.views_for(["softmax_ce"], "zh", cache_dir=tmp_path)
    rep.views_for(["softmax_ce"], "en", known={"x": "y"}, cache_dir=tmp_path)
    monkeypatch.setattr(cache, "code_hash", lambda paths=(): "changed")
    rep.views_for(["softmax_ce"], "en", cache_dir=tmp_path)
    assert calls == ["softmax_ce"] * 4
    # the two en files of the old code were replaced by the one of the new code
    assert len(list(tmp_path.glob("softmax_ce.en.*.json"))) == 1
    assert len(list(tmp_path.glob("softmax_ce.zh.*.json"))) == 1


def test_unverified_views_are_not_cached(tmp_path):
    from symbp.report import cache

    d = symbp.build("softmax_ce")
    wrong = d.with_step(len(d.steps) - 1, d.steps[-1].rhs + 1)
    view = derivation_view(symbp.verify(wrong), "en")
    cache.store(tmp_path, view, "en", None, {})
    assert list(tmp_path.iterdir()) == []


def test_unverified_derivation_is_written_but_exits_1(tmp_path, monkeypatch, capsys):
    import symbp.api

    d = symbp.build("softmax_ce")
    wrong = symbp.verify(d.with_step(len(d.steps) - 1, d.steps[-1].rhs + 1))
    monkeypatch.setattr(symbp.api, "derive", lambda name, **kw: wrong)
    assert main(["report", "softmax_ce", "--out", str(tmp_path), "--no-cache"]) == 1
    assert "softmax_ce is NOT verified" in capsys.readouterr().err
    tex = (tmp_path / "softmax_ce.tex").read_text()
    assert "NOT verified" in tex and r"\bad" in tex


def test_views_for_shows_a_bar_on_a_terminal_only():
    import io

    import symbp.report as rep

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    names = ["sigmoid", "log_sigmoid", "stable_sigmoid"]
    tty, log = Terminal(), io.StringIO()
    rep.views_for(names, "en", jobs=1, progress=tty)
    assert "verifying: 100%" in tty.getvalue() and "3/3" in tty.getvalue()
    rep.views_for(names, "en", jobs=1, progress=log)
    assert log.getvalue() == ""  # a log gets no bar (the command prints what it wrote)


def test_zh_softmax_ce_reads_naturally():
    tex = single_tex("softmax_ce", "zh", date="2026-01-01").tex
    body = tex.split(r"\begin{document}", 1)[1]
    assert "下标：$1 \\le k \\le n$" in body and "指标" not in body
    assert "交叉熵损失" in body and "ce 损失" not in body
    assert r"\paragraph{命题}" in body and r"\paragraph{证明}" in body  # no English full stop
    assert "其中（定义）" not in body and "其中各量的定义为" in body
    assert r"C := - \sum_{i=1}^{n} y_{i} \ln a_{i}" in body
    assert "(general form" not in body and "情形：" not in body  # the cases read as Chinese
    assert "\\ok{}（" in body and "\\ok\\ （" not in body


def test_checked_cases_are_typeset_as_math():
    from symbp.report.build import _cases_note

    detail = ("exact, with symbolic entries, for n=2, k=1; n=2, k=2; n=3, k=1; n=3, k=2 "
              "(general form not reduced by SymPy)")
    assert _cases_note(detail, "en") == (
        r"exact, with symbolic entries, for $n=2,\ k=1$; $n=2,\ k=2$; \ldots{} (4 cases) "
        "(general form not reduced by SymPy)")
    assert _cases_note(detail, "zh") == (
        r"SymPy 未能化简一般形式；在具体尺寸下以符号元素精确验证：$n=2,\ k=1$；$n=2,\ k=2$；……"
        "共 4 种情形")


def test_prose_keeps_numbers_and_bracketed_scripts_in_the_formula():
    assert prose("σ(z) = 1/(1 + e^(−z))") == r"$\sigma(z) = 1/(1 + e^{-z})$"
    assert prose("Σ_i y_i = 1") == r"$\Sigma_{i} y_{i} = 1$"
    assert prose("因为 1 ≤ k ≤ n") == r"因为 $1 \le k \le n$"
    assert prose("σ′ 在 z = 0 处最大") == r"$\sigma'$ 在 $z = 0$ 处最大"
    assert prose("(1/a_j) ∂a_j/∂z_k") == r"$(1/a_{j}) \partial a_{j}/\partial z_{k}$"
    assert prose("((W^{l+1})ᵀ δ^{l+1})_j").endswith(r"\delta^{l+1})_{j}$")
    assert prose("u^−2·du/dz") == r"$u^{-2}\cdot\mathrm{d}u/\mathrm{d}z$"
    assert prose("step 3 of 5") == "step 3 of 5" and prose("15 random points") == "15 random points"
    assert prose("用输出 a 表示") == "用输出 $a$ 表示"  # no article in Chinese


def test_zh_goal_tags_are_chinese_words_or_identifiers():
    zh = derivation_view(symbp.derive("sigmoid"), "zh")
    assert [p.tag for p in zh.parts] == ["导数", "用输出表示", "上界", "最大值", "二阶导数"]
    assert derivation_view(symbp.derive("softmax_ce"), "zh").parts[0].tag == "delta"
