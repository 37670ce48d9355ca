"""Every catalog entry derives and verifies, and every step of it matters.

For each entry: all steps are TRUE by both witnesses; non-trivial entries have
at least three steps, each justified.  Then steps are corrupted (sign
flipped; a factor dropped; two free indices swapped) and the corrupted
derivation must be rejected, with the corrupted step (or the next one, which
now starts from the corrupted expression) found FALSE.  The default suite
corrupts five steps spread over each derivation; ``-m slow`` flips every step.
"""

from __future__ import annotations

import pytest
import sympy as sp

import symbp
from symbp import catalog
from symbp.core.verdict import Verdict
from symbp.core.witness import check_equation

NAMES = catalog.names()


def test_catalog_is_not_empty_and_has_the_front_door():
    assert "softmax_ce" in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_entry_is_verified_by_both_witnesses(name):
    d = symbp.derive(name)
    assert d.verified, d.text()
    assert len(d.steps) >= 3, f"{name}: a derivation needs at least 3 steps"
    for r in d.steps:
        assert r.step.because.kind and r.step.because.label
        witnesses = {e.witness: e.verdict for e in r.evidence}
        assert witnesses.get("symbolic") is Verdict.TRUE
        assert witnesses.get("numeric") is Verdict.TRUE
    data = d.to_dict()
    assert data["verified"] is True and len(data["steps"]) == len(d.steps)


def _negate(expr):
    expr = sp.sympify(expr)
    if getattr(expr, "is_Matrix", False):
        return sp.MatMul(-1, expr) if not isinstance(expr, sp.MatrixBase) else -expr
    if expr == 0:
        return sp.Integer(1)
    return -expr


def _drop_factor(expr):
    """The first product (in pre-order) with two non-numeric factors loses its last one."""
    expr = sp.sympify(expr)
    for sub in sp.preorder_traversal(expr):
        if isinstance(sub, sp.Mul):
            factors = [f for f in sub.args if not f.is_number]
            if len(factors) >= 2:
                try:
                    smaller = sub.func(*[f for f in sub.args if f is not factors[-1]])
                    return expr.xreplace({sub: smaller})
                except (TypeError, ValueError):  # e.g. a matrix product that no longer conforms
                    continue
    return None


def _swap_indices(expr, ctx):
    """Two free indices exchanged; with one free index, it is renamed to another index."""
    free = [i for i in ctx.index_ranges if i in expr.free_symbols]
    if len(free) >= 2:
        i, k = free[:2]
        tmp = sp.Dummy()
        return expr.xreplace({i: tmp}).xreplace({k: i}).xreplace({tmp: k})
    others = [i for i in ctx.index_ranges if i not in expr.free_symbols]
    if len(free) == 1 and others:
        return expr.xreplace({free[0]: others[0]})
    return None


def _assert_rejected(d, index, new_rhs, how):
    mutated = symbp.verify(d.derivation.with_step(index, new_rhs))
    assert not mutated.verified, f"{d.name}: step {index + 1} {how} was not caught"
    flagged = {r.index for r in mutated.steps if r.verdict is Verdict.FALSE}
    assert flagged & {index + 1, index + 2}, (
        f"{d.name}: step {index + 1} {how}: expected step {index + 1} or {index + 2} to be "
        f"FALSE, got {[(r.index, r.verdict.value) for r in mutated.steps]}")


def _spread(n: int, k: int = 5) -> list[int]:
    """At most ``k`` step indices spread over 0..n-1, first and last included."""
    if n <= k:
        return list(range(n))
    return sorted({round(j * (n - 1) / (k - 1)) for j in range(k)})


@pytest.mark.parametrize("name", NAMES)
def test_sign_flips_spread_over_the_steps_are_caught(name):
    """Five steps spread over each derivation (all of them when it is short); every step
    of every entry is flipped in the slow test below."""
    d = symbp.derive(name)
    for i in _spread(len(d.steps)):
        _assert_rejected(d, i, _negate(d.steps[i].step.rhs), "with its sign flipped")


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_every_step_sign_flip_is_caught(name):
    d = symbp.derive(name)
    for i, r in enumerate(d.steps):
        _assert_rejected(d, i, _negate(r.step.rhs), "with its sign flipped")


# Entries none of whose steps has a product of two non-numeric factors or a free index.
NO_PRODUCT_OR_INDEX = {"log_sigmoid", "xor_perceptron"}


def _real_corruptions(d, how, corrupt):
    """(step index, corrupted rhs) for steps where ``corrupt`` really changes the value."""
    ctx = d.derivation.context
    found = []
    for i, r in enumerate(d.steps):
        if r.step.rel != "=":
            continue
        new = corrupt(sp.sympify(r.step.rhs), ctx)
        # only a real change counts: the corrupted right side must differ from the original
        if new is not None and check_equation(r.step.rhs, new, ctx).verdict is Verdict.FALSE:
            found.append((i, new))
    return found


@pytest.mark.parametrize("name", NAMES)
def test_dropped_factor_and_swapped_index_are_caught(name):
    """The first and the last step where each corruption applies (the test stays fast)."""
    d = symbp.derive(name)
    tried = 0
    for how, corrupt in (("with a factor dropped", lambda e, ctx: _drop_factor(e)),
                         ("with an index swapped", _swap_indices)):
        found = _real_corruptions(d, how, corrupt)
        for i, new in {k: v for k, v in (found[:1] + found[-1:])}.items():
            _assert_rejected(d, i, new, how)
            tried += 1
    if name in NO_PRODUCT_OR_INDEX:
        assert tried == 0
    else:
        assert tried >= 1, f"{name}: no step could be corrupted by a dropped factor or index"


def test_a_wrong_final_answer_breaks_the_chain_to_the_goal():
    d = symbp.derive("softmax_ce")
    last = len(d.steps) - 1
    a, y = sp.IndexedBase("a", real=True), sp.IndexedBase("y", real=True)
    k = sp.Symbol("k", integer=True)
    mutated = symbp.verify(d.derivation.with_step(last, y[k] - a[k]))
    assert not mutated.verified
    assert any("goal" in r.structure_detail for r in mutated.steps)
