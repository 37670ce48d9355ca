"""The derivations the generator prints from: they verify, they can fail, and they agree
with the backprop catalog entries written independently."""

from __future__ import annotations

import sympy as sp

import symbp
from derivations import backprop as bp
from derivations import codegen_rules as cr
from derivations.stability import STABLE_FORMS
from symbp.codegen.spec import resolve


def _part(d, tag):
    return next(p for p in d.parts if p.tag == tag)


def _matrix(d, name):
    for p in d.parts:
        for m in p.goal_lhs.atoms(sp.MatrixSymbol) | p.goal_rhs.atoms(sp.MatrixSymbol):
            if m.name == name:
                return m
    raise KeyError(name)


def test_stable_forms_and_layer_rules_verify():
    names = {"dense_layer_rows", "dense_layer_columns", "stable_sigmoid", "log_sigmoid",
             "softmax_shift", "log_softmax", "bce_from_logits"}
    names |= {n for n, _ in STABLE_FORMS["elementwise"]}
    for name in sorted(names):
        v = symbp.derive(name)
        assert v.verified, (name, v.text())


def test_a_corrupted_layer_rule_is_caught():
    d = symbp.build("dense_layer_rows")
    A, Delta = _matrix(d, "A"), _matrix(d, "Delta")
    # ∂/∂W tr(Δᵀ A W) claimed to be Δᵀ A (the transpose of the truth): must not verify
    index = sum(len(p.steps) for p in d.parts[:1]) + 1
    bad = symbp.verify(d.with_step(index, Delta.T * A))
    assert not bad.verified


def test_a_corrupted_stable_form_is_caught():
    d = symbp.build("stable_sigmoid")
    z = sp.Symbol("z", real=True)
    bad = symbp.verify(d.with_step(len(d.steps) - 1, (1 + sp.tanh(z)) / 2))
    assert not bad.verified


def test_layer_rules_agree_with_three_layer_net():
    """dW, db and the hidden error are the three_layer_net results with A = H, Δ = Ŷ − Y."""
    rules, net = symbp.build("dense_layer_rows"), symbp.build("three_layer_net")
    sizes = {cr.N: bp.B, cr.p: bp.n1, cr.q: bp.n2}
    A, Delta, W = (_matrix(rules, n).xreplace(sizes) for n in ("A", "Delta", "W"))
    G, Fp = (_matrix(rules, n).xreplace(sizes) for n in ("G", "Fp"))
    err = bp.Yhat - bp.Y
    to_net = {A: bp.H, Delta: err, W: bp.W2}
    for mine, theirs in (("dW", "dW2"), ("db", "db2")):
        got = _part(rules, mine).goal_rhs.xreplace(sizes).xreplace(to_net)
        assert got == _part(net, theirs).goal_rhs
    passed_down = _part(rules, "dA").goal_rhs.xreplace(sizes).xreplace(to_net)
    delta1 = _part(net, "delta1").goal_rhs
    hadamard = _part(rules, "hadamard").goal_rhs.xreplace(sizes)
    assert hadamard.xreplace({G: passed_down, Fp: delta1.args[1]}) == delta1


def test_latex_activation_through_the_front_end():
    act = resolve(None, r"softsign=\frac{z}{1+|z|}", "--hidden", allow_softmax=False)
    z = sp.Symbol("z", real=True)
    assert sp.simplify(act.expr - z / (1 + sp.Abs(z))) == 0
    swish = resolve(None, r"swish=z\sigma(z)", "--hidden", allow_softmax=False)
    assert sp.simplify(swish.expr - z / (1 + sp.exp(-z))) == 0
