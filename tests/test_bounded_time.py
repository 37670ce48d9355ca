"""Hard time bounds (issue 13): a claim, or one step of it, never runs past 3·S + 2 s,
even when the time goes into one C call (a huge exact power) that no alarm can stop."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from symbp.cli import main
from symbp.core import witness
from symbp.core.verdict import Evidence, Verdict
from symbp.core.worker import BoundedWorker, JobTimedOut

S = 0.5                 # --timeout in these tests
BOUND = 3 * S + 2       # the documented bound of one step (and of reading the claim)
SLACK = 6.0             # fork, import and a loaded machine: generous, never tight


def _fake_check(lhs, rhs, ctx, rel, timeout, seed, points):
    if lhs == "slow":
        while True:  # a loop no alarm is set for: only the hard deadline ends it
            time.sleep(0.05)
    return witness.Check(Verdict.TRUE, (Evidence("fake", Verdict.TRUE, f"{lhs} ok"),))


def _three_steps():
    return [witness.check_equation(lhs, 0).evidence[0].detail
            for lhs in ("first", "slow", "third")]


def _pid():
    import os

    return os.getpid()


def _stuck_reading():
    while True:
        time.sleep(0.05)


def test_a_step_past_its_deadline_is_undecided_and_the_later_steps_still_run(monkeypatch):
    monkeypatch.setattr(witness, "_check_equation", _fake_check)
    start = time.monotonic()
    with BoundedWorker() as w:
        details = w.run(_three_steps, step_seconds=1.0)
    assert details[0] == "first ok" and details[2] == "third ok"
    assert "did not finish in 1 s and was stopped" in details[1]
    assert time.monotonic() - start < 1.0 + SLACK


def test_reading_past_its_deadline_raises_job_timed_out():
    start = time.monotonic()
    with BoundedWorker() as w, pytest.raises(JobTimedOut) as info:
        w.run(_stuck_reading, step_seconds=0.5)
    assert info.value.phase == "reading"
    assert time.monotonic() - start < 0.5 + SLACK


def _many_slowish_steps():
    for lhs in range(20):
        witness.check_equation(f"step {lhs}", 0)
    return "finished"


def _slowish_check(lhs, rhs, ctx, rel, timeout, seed, points):
    time.sleep(0.3)
    return witness.Check(Verdict.TRUE, ())


def test_a_total_bound_ends_a_job_of_many_short_steps(monkeypatch):
    monkeypatch.setattr(witness, "_check_equation", _slowish_check)
    start = time.monotonic()
    with BoundedWorker() as w, pytest.raises(JobTimedOut) as info:
        w.run(_many_slowish_steps, step_seconds=2.0, total_seconds=1.5)
    assert info.value.phase == "the whole job" and info.value.seconds == 1.5
    assert time.monotonic() - start < 1.5 + SLACK


def test_the_worker_is_reused_until_it_must_be_killed():
    with BoundedWorker() as w:
        first = w.run(_pid, step_seconds=5)
        assert w.run(_pid, step_seconds=5) == first
        with pytest.raises(JobTimedOut):
            w.run(_stuck_reading, step_seconds=0.3)
        assert w.run(_pid, step_seconds=5) != first


def test_errors_in_the_worker_are_raised_here_with_their_message():
    from symbp.errors import InputError

    with BoundedWorker() as w, pytest.raises(InputError) as info:
        w.run(_raise_input_error, step_seconds=5)
    assert info.value.hint == "do this" and info.value.where == "there"


def _raise_input_error():
    from symbp.errors import InputError

    raise InputError("bad input", where="there", hint="do this")


@pytest.mark.parametrize("claim", [r"10^{10^{10}} = 1", r"9^{9^{9^{9}}} = 9"])
def test_power_towers_are_undecided_within_the_bound(capsys, claim):
    start = time.monotonic()
    code = main(["verify", "--timeout", str(S), "--json", "--", claim])
    elapsed = time.monotonic() - start
    out = json.loads(capsys.readouterr().out)
    assert code == 3, out
    assert out["verdict"] == "undecided" and "time limit" in out["reason"]
    assert elapsed < BOUND + SLACK


def test_verify_cli_tower_one_line_reason_exit_3():
    p = subprocess.run([sys.executable, "-m", "symbp", "verify", "--timeout", "1", "--",
                        r"10^{10^{10}} = 1"], capture_output=True, text=True, timeout=60,
                       check=False)
    assert p.returncode == 3, p.stderr
    assert "Traceback" not in p.stderr
    assert "verdict: undecided" in p.stdout and "time limit" in p.stdout


def test_ordinary_claims_are_unchanged(capsys):
    assert main(["verify", "--", r"\sigma'(z) = \sigma(z)(1-\sigma(z))"]) == 0
    assert main(["verify", "--", "x + x = 3x"]) == 1
    assert "counterexample" in capsys.readouterr().out
