"""Seeded fuzzing of `symbp verify` (issue 13): random LaTeX token soups, mutated corpus
claims, power towers and huge sums.  Every call ends with exit 0/1/2/3 (never 70), with no
traceback, and inside its bound: 3·S + 2 s for reading and for each step.

Bounded in count (a fixed seeded list) and in time: the cases are ordered hostile first and
no new case starts after BUDGET seconds, so the test stays under ~40 s on a loaded machine.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
import yaml

from symbp.cli import main

S = 0.3                      # --timeout
BOUND = 3 * S + 2            # per step, and for reading the claim
SLACK = 5.0                  # fork and a loaded machine; generous, never tight
BUDGET = 30.0                # no new case starts after this many seconds
CORPUS = Path(__file__).with_name("claims_corpus.yaml")

TOKENS = ["x", "y", "z_j", "a^L", "W^{l+1}", "\\delta^l", "\\sigma", "(", ")", "{", "}", "^",
          "_", "'", "=", "+", "-", "2", "10", "\\frac", "\\partial", "\\sum_{k=1}^{n}", "\\odot",
          "^T", "\\ln", "e^{", "\\left(", "\\right)", "|", "\\|", "&", "\\\\", "\\mathrm{tr}",
          "A", "B", "\\cdot", "!", "\\infty", "\\lim_{c\\to\\infty}", "\\sqrt", " "]
HUGE = ["10^{10^{10}}", "9^{9^{9^{9}}}", "2^{2^{2^{2^{2^{2}}}}}", "(10^{10})!", "10^{100}",
        "x^{10^{100}}", "e^{e^{e^{e^{10}}}}"]


def tower(rng: random.Random) -> str:
    text = str(rng.randint(2, 12))
    for _ in range(rng.randint(3, 5)):
        text = f"{rng.randint(2, 12)}^{{{text}}}"
    return text


def huge_sum(rng: random.Random) -> str:
    n = rng.choice(["10^{12}", "10^{10^{5}}", "2^{2^{20}}"])
    inner = rng.choice(["k", "x_k", "k^{k}", "\\frac{1}{k}"])
    return f"\\sum_{{k=1}}^{{{n}}} {inner}"


def mutate(rng: random.Random, claim: str) -> str:
    for _ in range(rng.randint(1, 3)):
        pos = rng.randint(0, len(claim))
        kind = rng.random()
        if kind < 0.35:
            claim = claim[:pos] + claim[pos + 1:]
        elif kind < 0.7:
            claim = claim[:pos] + rng.choice(TOKENS) + claim[pos:]
        elif kind < 0.85:
            claim = claim[:pos] + rng.choice(HUGE) + claim[pos:]
        else:
            claim = claim.replace("2", rng.choice(HUGE), 1)
    return claim


def cases() -> list[tuple[str, list[str]]]:
    rng = random.Random(13)
    corpus = yaml.safe_load(CORPUS.read_text())
    hostile = [(f"{tower(rng)} = {rng.randint(1, 9)}", []) for _ in range(2)]
    hostile += [(f"{huge_sum(rng)} = 1", []) for _ in range(2)]
    soups = [("".join(rng.choice(TOKENS) for _ in range(rng.randint(2, 14))), [])
             for _ in range(25)]
    mutated = []
    for _ in range(20):
        entry = rng.choice(corpus)
        options = [f"--context={c}" for c in ([entry["ctx"]] if isinstance(entry.get("ctx"), str)
                                              else entry.get("ctx") or [])]
        options += [f"--define={d}" for d in entry.get("d") or []]
        options += [f"--assume={a}" for a in entry.get("a") or []]
        mutated.append((mutate(rng, entry["c"]), options))
    return hostile + soups + mutated


def test_fuzzed_claims_end_in_bounded_time_with_a_documented_code(capfd):
    start = time.monotonic()
    ran = 0
    for i, (claim, options) in enumerate(cases()):
        if time.monotonic() - start > BUDGET:
            break
        as_json = i % 2 == 0
        argv = ["verify", "--timeout", str(S), *options, *(["--json"] if as_json else []),
                "--", claim]
        t0 = time.monotonic()
        code = main(argv)
        elapsed = time.monotonic() - t0
        out, err = capfd.readouterr()
        ran += 1
        where = f"case {i}: {argv!r}"
        assert code in (0, 1, 2, 3), f"{where}: exit {code}: {err}"
        assert "Traceback" not in out + err, where
        steps = max(claim.count("="), 1)
        assert elapsed < (steps + 1) * BOUND + SLACK, f"{where}: {elapsed:.1f} s"
        if as_json:
            record = json.loads(out)
            assert record["verdict"] in ("true", "false", "undecided", "error"), where
        elif code == 2:
            assert err.startswith("error:"), f"{where}: {err}"
        else:
            assert "verdict:" in out, where
    print(f"fuzz: {ran} cases in {time.monotonic() - start:.1f} s")
    assert ran >= 10  # even on a very loaded machine the hostile cases and some others ran


@pytest.mark.parametrize("claim", [r"\sum_{k=1}^{10^{12}} k = 5",
                                   r"\sum_{i=1}^{10^{10}} \sum_{j=1}^{10^{10}} x_i x_j = 1"])
def test_huge_sums_are_bounded(capfd, claim):
    t0 = time.monotonic()
    code = main(["verify", "--timeout", str(S), "--", claim])
    out, err = capfd.readouterr()
    assert code in (1, 3), out + err
    assert time.monotonic() - t0 < 2 * BOUND + SLACK
