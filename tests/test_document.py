"""``symbp check``: a document read the way a person reads it (issue 11)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from symbp.claims.document import check_document, report_dict, summary
from symbp.cli import main

NOTES = Path(os.environ.get("SYMBP_NOTES", Path(__file__).resolve().parents[2] / "shared" / "notes"))


def write(tmp_path, text: str) -> str:
    p = tmp_path / "notes.md"
    p.write_text(text, encoding="utf-8")
    return str(p)


def verdicts(report) -> dict:
    return {c["line"]: c["verdict"] for c in report_dict(report)["chains"]}


def test_definitions_are_reported_and_used_later(tmp_path):
    doc = write(tmp_path, "\n".join([
        r"Let \( \sigma(z) = \frac{1}{1+e^{-z}} \) be the sigmoid.",   # 1 inline definition
        r"$$a_j = \frac{e^{net_j}}{\sum_{m=1}^n e^{net_m}}$$",         # 2 definition
        "若 k = j",                                                     # 3 a case, in prose
        r"$$\frac{da_j}{dnet_k} = a_j(1-a_j)$$",                        # 4 uses both
    ]))
    r = check_document(doc, timeout=2.5, jobs=1)
    v = verdicts(r)
    assert v[1] == "definition" and v[2] == "definition"
    assert v[4] == "true"
    chain = [c for c in report_dict(r)["chains"] if c["line"] == 4][0]
    assert chain["definitions_used"][0]["line"] == 2


def test_case_split_in_prose_governs_the_chains_after_it(tmp_path):
    doc = write(tmp_path, "\n".join([
        r"$$a_j = \frac{e^{net_j}}{\sum_{m=1}^n e^{net_m}}$$",
        r"- 若 k \(\neq\) j",
        r"\[ \frac{da_j}{dnet_k} = -a_j a_k \]",
    ]))
    assert verdicts(check_document(doc, timeout=2.5, jobs=1))[3] == "true"


def test_display_starting_with_equals_continues_the_chain(tmp_path):
    doc = write(tmp_path, "\n".join([
        r"$$f(z) = \frac{1}{1+e^{-z}}$$",
        r"$$f'(z) = \frac{e^{-z}}{(1+e^{-z})^2}$$",
        "so",
        r"$$= f(z)(1 - f(z))$$",
    ]))
    r = check_document(doc, timeout=2.5, jobs=1)
    chains = report_dict(r)["chains"]
    assert [c["verdict"] for c in chains] == ["definition", "true"]
    assert len(chains[1]["steps"]) == 2


def test_a_real_slip_is_found_at_its_line(tmp_path, capsys):
    doc = write(tmp_path, "\n".join([
        r"$$\begin{aligned}",
        r"\frac{d}{dz}\sigma(z) &= \frac{e^{-z}}{(1+e^{-z})^2} \\",
        r"&= \sigma(z)(1 + \sigma(z))",                     # line 3: the slip
        r"\end{aligned}$$",
    ]))
    code = main(["check", doc, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    chain = out["chains"][0]
    assert chain["verdict"] == "false" and chain["first_wrong_line"] == 3
    assert chain["counterexample"]


def test_page_furniture_and_garbage_are_not_read_never_false(tmp_path):
    doc = write(tmp_path, "\n".join([
        r"$$\frac{\text{com/p/24709748}}{J = 1} = 2$$",
        r"$$x = \{ y$$",
        r"价格 $5 = 五元$",
    ]))
    r = check_document(doc, timeout=2.5, jobs=1)
    assert summary(r)["false"] == 0


def test_a_directory_is_an_input_error(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 2
    assert "directory" in capsys.readouterr().err


def _note(name):
    path = NOTES / name
    if not path.is_file():
        pytest.skip(f"the shared course notes are not at {NOTES} (set SYMBP_NOTES)")
    return str(path)


@pytest.mark.notes
def test_softmax_lesson_no_false_and_its_results_true():
    r = check_document(_note("softmax-cross-entropy-lesson.md"), timeout=2.5)
    d = report_dict(r)
    assert d["summary"]["false"] == 0
    true_claims = [c["claim"] for c in d["chains"] if c["verdict"] == "true"]
    assert any("a_j(1-a_j)" in c for c in true_claims)
    assert any("-a_j a_k" in c for c in true_claims)


@pytest.mark.notes
def test_lecture_no_false_outside_its_ocr_lines():
    r = check_document(_note("bp-matrix-calculus-lecture.md"), timeout=4)
    d = report_dict(r)
    ocr = set(range(181, 268)) | set(range(326, 334))
    wrong = [c for c in d["chains"] if c["verdict"] == "false" and c["line"] not in ocr]
    assert wrong == []
    true_claims = [c["claim"] for c in d["chains"] if c["verdict"] == "true"]
    assert any(r"d(\mathbf{XY})" in c for c in true_claims)
    got = {c["line"]: c["verdict"] for c in d["chains"]}
    # the sigmoid derivative chain f'(z) = (1/(1+e^{-z}))' = … = f(z)(1 - f(z)), the BCE
    # δ^L = … = a^L − y chain (J read as the loss L defined just before it), BP2 and BP4
    # at a generic layer l (the note's z^{l+1}, a^l, δ^l are the network's own)
    assert got[387] == "true" and got[452] == "true"
    assert got[322] == "true" and got[410] == "true" and got[414] == "true"
    decided = sum(got_v in ("true", "false", "definition") for got_v in
                  [c["verdict"] for c in d["chains"]])
    assert decided >= 0.6 * len(d["chains"])


def test_a_chain_that_never_ends_is_stopped_and_the_rest_still_checked(tmp_path):
    doc = write(tmp_path, "\n".join([r"$$10^{10^{10}} = 1$$", r"$$y + y = 3y$$"]))
    r = check_document(doc, timeout=0.5, jobs=1)
    v = verdicts(r)
    assert v[1] == "undecided" and v[2] == "false"
    assert "time limit" in report_dict(r)["chains"][0]["reason"]
    assert not r.partial


def test_the_document_budget_gives_a_partial_report(tmp_path, capsys):
    doc = write(tmp_path, "\n".join([r"$$10^{10^{10}} = 1$$", r"$$x + x = 2x$$"]))
    code = main(["check", doc, "--timeout", "0.5", "--budget", "2", "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "PARTIAL" in out


HELDOUT = Path(__file__).with_name("notes_heldout")


#: the three notes that take longest (1–3 minutes each on two cores): checked with
#: ``-m slow`` so that the default suite stays near its time budget; the other six run always
HEAVY_NOTES = {"softmax-ce-vector-zh-3.md", "bp-sigmoid-mse-2layer-zh.md",
               "sigmoid-mse-bp-zh-3.md"}


@pytest.mark.notes
@pytest.mark.parametrize("note", [
    pytest.param(p.name, marks=pytest.mark.slow) if p.name in HEAVY_NOTES else p.name
    for p in sorted(HELDOUT.glob("*.md"))])
def test_heldout_notes_false_only_at_their_real_slips(note):
    import yaml

    expected = yaml.safe_load((HELDOUT / note).with_suffix(".expected.yaml").read_text(
        encoding="utf-8")) or {}
    slips = {s["line"] for s in expected.get("slips") or []}
    # a slip the checker is known to miss (the expected file says why) must still never be
    # accepted: not found false, but never judged true either
    missed = {s["line"] for s in expected.get("slips") or [] if s.get("missed")}
    report = check_document(str(HELDOUT / note), timeout=4)
    false_lines = {c.line for c in report.chains
                   if c.result is not None and c.result.verdict.value == "false"}
    true_lines = {c.line for c in report.chains
                  if c.result is not None and c.result.verdict.value == "true"}
    assert false_lines <= slips, f"false verdicts on correct lines: {sorted(false_lines - slips)}"
    assert slips - missed <= false_lines, f"real slips not found: {sorted(slips - false_lines)}"
    assert not slips & true_lines, f"slips judged true: {sorted(slips & true_lines)}"


def write_note(tmp_path, text):
    path = tmp_path / "note.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_index_letters_that_name_layers_are_read_as_separate_quantities(tmp_path):
    # o_j hidden, o_k output (Mitchell / 西瓜书): not one family o
    doc = "\n\n".join([
        r"$$net_j = \sum_{i=1}^{d} w_{ji} x_i$$", r"$$o_j = \sigma(net_j)$$",
        r"$$net_k = \sum_{j=1}^{q} w_{kj} o_j$$", r"$$o_k = \sigma(net_k)$$",
        r"$$E = \frac{1}{2}\sum_{k=1}^{l} (t_k - o_k)^2$$",
        r"$$\frac{\partial net_k}{\partial w_{kj}} = o_j$$",
        r"$$\frac{\partial o_k}{\partial net_k} = o_k(1 - o_k)$$",
        r"$$\frac{\partial net_k}{\partial w_{kj}} = o_k$$",
    ])
    report = check_document(str(write_note(tmp_path, doc)), timeout=10)  # slow on a busy machine
    verdicts = {c.line: (c.result.verdict.value if c.result else "definition")
                for c in report.chains}
    assert verdicts[11] == "true" and verdicts[13] == "true"
    assert verdicts[15] == "false"  # the slip: o_k for o_j
    assert report.notes and "index letter" in report.notes[0]


def test_rounded_numbers_thin_spaces_updates_and_stated_sums(tmp_path):
    doc = "\n\n".join([
        r"$$\sigma(0.3) = 0.5744$$",                      # rounded to the digits written
        r"$$\sigma(0.3) = 0.5844$$",                      # a slip
        r"$$d\,\mathrm{tr}(X) = \mathrm{tr}(dX)$$",        # \, after d: the differential
        r"$$\Delta w = -\eta \frac{\partial E}{\partial w}$$",  # Δw is a name: a definition
        r"$$\sum_j y_j = 1$$",                            # stated, an assumption
    ])
    report = check_document(str(write_note(tmp_path, doc)), timeout=4)
    got = {c.line: (c.result.verdict.value if c.result else "definition") for c in report.chains}
    assert got == {1: "true", 3: "false", 5: "true", 7: "definition", 9: "definition"}


def test_definition_chains_and_the_networks_own_definitions(tmp_path):
    doc = "\n\n".join([
        r"$$J = \frac{1}{2} \|\mathbf{a}^L - \mathbf{y}\|_2^2$$",
        r"$$\mathbf{a}^{l} = \sigma(\mathbf{z}^{l})$$",
        r"$$\mathbf{z}^{l+1} = \mathbf{W}^{l+1} \mathbf{a}^{l} + \mathbf{b}^{l+1}$$",
        r"$$\boldsymbol{\delta}^{l} = \frac{\partial J}{\partial \mathbf{z}^{l}}$$",
        # a definition chain: names a_1^2, and z_1^2 by the way
        r"$$a_1^2 = \sigma(z_1^2) = \sigma(w_{11}^2 x_1 + w_{12}^2 x_2 + b_1^2)$$",
        # BP4 and BP2 at layer l: true in the network the definitions restate
        r"$$\frac{\partial J}{\partial \mathbf{W}^{l}} = \boldsymbol{\delta}^{l} (\mathbf{a}^{l-1})^{T}$$",
        r"$$\frac{\partial J}{\partial \mathbf{W}^{l}} = 2\boldsymbol{\delta}^{l} (\mathbf{a}^{l-1})^{T}$$",
        r"$$\boldsymbol{\delta}^{l} = (\mathbf{W}^{l+1})^{T} \boldsymbol{\delta}^{l+1} \odot \boldsymbol{\sigma}^{'}(\mathbf{z}^{l})$$",
    ])
    report = check_document(str(write_note(tmp_path, doc)), timeout=4)
    got = {c["line"]: c["verdict"] for c in report_dict(report)["chains"]}
    assert got[9] == "definition"
    assert got[11] == "true" and got[15] == "true"
    assert got[13] != "true"  # a factor 2 too many is never accepted


def test_the_cost_defined_last_is_the_one_differentiated(tmp_path):
    # J quadratic first, then "the loss can be defined as" L (BCE, in ŷ), then ∂J/∂z^L
    doc = "\n\n".join([
        r"$$J = \frac{1}{2} \|\mathbf{a}^L - \mathbf{y}\|_2^2$$",
        r"$$\mathbf{a}^{L} = \sigma(\mathbf{z}^{L})$$",
        r"$$L = -[y \log \hat{y} + (1 - y) \log(1 - \hat{y})]$$",
        r"$$\frac{\partial J}{\partial z^{L}} = -y (1 - a^{L}) + (1 - y) (a^{L}) = a^{L} - y$$",
        r"$$\frac{\partial J}{\partial z^{L}} = -y (1 - a^{L}) + (1 - y) (a^{L}) = y - a^{L}$$",
    ])
    report = check_document(str(write_note(tmp_path, doc)), timeout=4)
    chains = {c["line"]: c for c in report_dict(report)["chains"]}
    assert chains[7]["verdict"] == "true"
    assert "the cost the text defined last" in chains[7]["reason"]
    assert chains[9]["verdict"] != "true"
