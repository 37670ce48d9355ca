"""Exercises from the course notes, worked and checked.

``xor_perceptron``: the two-layer threshold network the notes present as XOR,
h1 = step(x1 + x2 − 1), h2 = step(x1 + x2 + 1), out = step(2h1 − 2h2 + 1) on
inputs ±1, with step(t) = 1 for t ≥ 0 and 0 for t < 0 (``Heaviside(t, 1)``;
SymPy's default Heaviside(0) is 1/2).  Its truth table is computed, not typed:
it outputs 1 exactly when the inputs agree — XNOR, not XOR.  No single threshold
unit computes it (the rows that must give 1 and the rows that must give 0 both
sum to 2b), and the sign changes that turn it into XOR are found by trying them.
"""

from __future__ import annotations

import sympy as sp

from symbp.catalog import derivation
from symbp.core.justify import because
from symbp.errors import DerivationError

x1, x2, t = sp.symbols("x_1 x_2 t", real=True)
step = sp.Function("step", real=True)
h1, h2 = sp.Function("h_1", real=True), sp.Function("h_2", real=True)
N = sp.Function("N", real=True)
XNOR, XOR = sp.Function("XNOR", real=True), sp.Function("XOR", real=True)

INPUTS = ((1, 1), (1, -1), (-1, 1), (-1, -1))
# the notes' weights: hidden (w1, w2, bias) ×2, output (v1, v2, bias)
PARAMS = (1, 1, -1, 1, 1, 1, 2, -2, 1)
PARAM_NAMES = ("h1.w1", "h1.w2", "h1.b", "h2.w1", "h2.w2", "h2.b", "out.v1", "out.v2", "out.c")


def _H(v) -> int:
    """step(v) with step(0) = 1, as the notes' threshold units."""
    return int(sp.Heaviside(v, 1))


def network(p, u1, u2, sign: int = 1):
    """The network's output written out with unevaluated ``step`` (``sign`` = −1 negates
    the output unit's input)."""
    pre1 = p[0] * u1 + p[1] * u2 + p[2]
    pre2 = p[3] * u1 + p[4] * u2 + p[5]
    return step(sign * (p[6] * step(pre1) + p[7] * step(pre2) + p[8]))


def _inner(e):
    """Evaluate the innermost ``step(number)`` applications (one layer of the network)."""
    inner = {s: sp.Integer(_H(s.args[0])) for s in e.atoms(step) if not s.args[0].has(step)}
    return e.xreplace(inner)


def table(p, sign: int = 1, flip_input: int = 1):
    return [_H_eval(network(p, flip_input * u1, u2, sign)) for u1, u2 in INPUTS]


def _H_eval(e) -> int:
    while e.has(step):
        e = _inner(e)
    return int(e)


def _column(f):
    """The four inputs as a row (x1, x2) = (1, 1), (1, −1), (−1, 1), (−1, −1)."""
    return sp.Matrix([[f(u1, u2) for u1, u2 in INPUTS]])


def _layers(d, matrix, done, done_zh):
    """Steps: hidden units evaluated, then the output unit."""
    d.step(matrix.applyfunc(_inner),
           because("definition", "hidden units: step(t) = 1 for t ≥ 0, 0 for t < 0",
                   "隐藏单元：t ≥ 0 时 step(t) = 1，否则为 0"))
    d.step(matrix.applyfunc(lambda e: _inner(_inner(e))),
           because("truth_table", f"output unit evaluated: {done}", f"输出单元取值：{done_zh}"))


@derivation("xor_perceptron",
            "the notes' 'XOR' threshold network computes XNOR; no single threshold unit "
            "computes it; which one sign change gives XOR",
            group="exercises", title="The course notes' XOR network actually computes XNOR",
            title_zh="讲义中的 XOR 网络实际计算的是 XNOR",
            source="course notes on perceptrons (two-layer threshold network for XOR); "
                   "Nielsen ch. 1 (perceptrons)",
            summary_zh="讲义中的“XOR”阈值网络实际计算的是 XNOR；单个阈值单元无法计算 XNOR；"
                       "只需改动一处符号即可得到 XOR",
            source_zh="课程讲义中的感知机部分（实现 XOR 的两层阈值网络）；"
                      "Nielsen 第 1 章（感知机）")
def xor_perceptron(d):
    """Truth table, the XNOR/XOR comparison, the single-unit impossibility, the fix."""
    d.define(step(t), sp.Piecewise((1, t >= 0), (0, True)), "threshold unit, step(0) = 1")
    d.define(h1(x1, x2), step(x1 + x2 - 1), "hidden unit 1")
    d.define(h2(x1, x2), step(x1 + x2 + 1), "hidden unit 2")
    d.define(N(x1, x2), step(2 * h1(x1, x2) - 2 * h2(x1, x2) + 1), "output unit")
    d.define(XNOR(x1, x2), (1 + x1 * x2) / 2, "1 iff x1 = x2 (inputs ±1)")
    d.define(XOR(x1, x2), (1 - x1 * x2) / 2, "1 iff x1 ≠ x2 (inputs ±1)")
    rows = ", ".join(f"({u1}, {u2})" for u1, u2 in INPUTS)

    values = sp.Matrix([table(PARAMS)])
    d.goal(_column(N), values, tag="truth_table",
           title=f"truth table of the network, inputs (x1, x2) = {rows}",
           title_zh=f"网络的真值表，输入 (x1, x2) = {rows}")
    d.step(_column(lambda u1, u2: step(2 * h1(u1, u2) - 2 * h2(u1, u2) + 1)),
           because("definition", "output unit step(2h1 − 2h2 + 1)", "输出单元 step(2h1 − 2h2 + 1)"))
    d.step(_column(lambda u1, u2: network(PARAMS, u1, u2)),
           because("definition", "hidden units h1 = step(x1 + x2 − 1), h2 = step(x1 + x2 + 1)",
                   "隐藏单元 h1 = step(x1 + x2 − 1)，h2 = step(x1 + x2 + 1)"))
    _layers(d, _column(lambda u1, u2: network(PARAMS, u1, u2)), "1 exactly when x1 = x2",
            "恰在 x1 = x2 时为 1")

    d.goal(_column(N), _column(XNOR), tag="xnor", title="it computes XNOR (1 iff x1 = x2)",
           title_zh="它计算 XNOR（x1 = x2 时为 1）")
    d.step(values, because("previous_result", "the truth table (part 1)", "真值表（第 1 部分）"))
    d.step(_column(XNOR), because("definition", "XNOR(x1, x2) = (1 + x1x2)/2 on ±1 inputs",
                                  "输入取 ±1 时 XNOR(x1, x2) = (1 + x1x2)/2"))

    d.goal(_column(lambda u1, u2: N(u1, u2) + XOR(u1, u2)), sp.ones(1, 4), tag="not_xor",
           title="N + XOR = 1 at every input: the network is the complement of XOR",
           title_zh="每个输入处 N + XOR = 1：网络是 XOR 的补")
    d.step(values + _column(XOR), because("previous_result", "the truth table (part 1)",
                                          "真值表（第 1 部分）"))
    d.step(sp.ones(1, 4), because("definition", "XOR(x1, x2) = (1 − x1x2)/2 on ±1 inputs",
                                  "输入取 ±1 时 XOR(x1, x2) = (1 − x1x2)/2"))

    _no_single_unit(d)
    _sign_changes(d)


def _no_single_unit(d):
    """step(w1x1 + w2x2 + b) = XNOR is impossible: 1-rows and 0-rows both sum to 2b."""
    w1, w2, b = sp.symbols("w_1 w_2 b", real=True)
    P = sp.Function("z", real=True)
    d.define(P(x1, x2), w1 * x1 + w2 * x2 + b, "a single threshold unit's input")
    d.goal(P(1, 1) + P(-1, -1), P(1, -1) + P(-1, 1), tag="single_unit_identity",
           title="for any single unit, z(1,1) + z(−1,−1) = z(1,−1) + z(−1,1)",
           title_zh="任一单个单元都有 z(1,1) + z(−1,−1) = z(1,−1) + z(−1,1)")
    d.step(sp.Add(w1 + w2 + b, -w1 - w2 + b, evaluate=False),
           because("definition", "z(x1, x2) = w1x1 + w2x2 + b", "z(x1, x2) = w1x1 + w2x2 + b"))
    d.step(2 * b, because("algebra", "the weights cancel", "权重相互抵消"))
    d.step(sp.Add(w1 - w2 + b, -w1 + w2 + b, evaluate=False),
           because("algebra", "the weights cancel here too", "这里权重同样相互抵消"))
    d.step(P(1, -1) + P(-1, 1), because("definition", "z(x1, x2) = w1x1 + w2x2 + b"))

    u1, u2 = sp.symbols("u_1 u_2", nonnegative=True)
    v1, v2 = sp.symbols("v_1 v_2", positive=True)
    for s, lo in ((u1, 0.0), (u2, 0.0), (v1, 0.01), (v2, 0.01)):
        d.domain(s, lo, 0.2)
    d.goal((u1 + u2) - (-v1 - v2), 0, rel=">", tag="single_unit_contradiction",
           title="XNOR needs z(1,1) + z(−1,−1) > z(1,−1) + z(−1,1): impossible",
           title_zh="XNOR 要求 z(1,1) + z(−1,−1) > z(1,−1) + z(−1,1)：不可能")
    d.step(u1 + u2 + v1 + v2,
           because("algebra", "write z(1,1) = u1 ≥ 0, z(−1,−1) = u2 ≥ 0 (output 1) and "
                   "z(1,−1) = −v1 < 0, z(−1,1) = −v2 < 0 (output 0)",
                   "记 z(1,1) = u1 ≥ 0, z(−1,−1) = u2 ≥ 0（输出 1），z(1,−1) = −v1 < 0, "
                   "z(−1,1) = −v2 < 0（输出 0）"))
    d.step(sp.Integer(0),
           because("inequality", "u ≥ 0, v > 0 (scaling w, b by c > 0 keeps every output, so "
                   "the margins may be taken ≤ 0.2); but the identity above makes the left "
                   "side 2b − 2b = 0: no w1, w2, b exist",
                   "u ≥ 0, v > 0（w, b 同乘 c > 0 不改变输出，可设间隔 ≤ 0.2）；但上面的恒等式使"
                   "左边为 2b − 2b = 0：不存在这样的 w1, w2, b"), rel=">")


def _sign_changes(d):
    """Try every single sign change; verify the tables of the parameter flips and the fix."""
    xor = [(1 - u1 * u2) // 2 for u1, u2 in INPUTS]
    flips = []
    for i, name in enumerate(PARAM_NAMES):
        p = list(PARAMS)
        p[i] = -p[i]
        flips.append((name, p))
    found = [name for name, p in flips if table(p) == xor]
    d.goal(sp.Matrix([[network(p, u1, u2) for u1, u2 in INPUTS] for _, p in flips]),
           sp.Matrix([table(p) for _, p in flips]), tag="parameter_flips",
           title="one parameter's sign flipped (rows: " + ", ".join(PARAM_NAMES) + ")",
           title_zh="翻转单个参数的符号（行：" + ", ".join(PARAM_NAMES) + "）")
    rows = sp.Matrix([[network(p, u1, u2) for u1, u2 in INPUTS] for _, p in flips])
    d.step(rows.applyfunc(_inner), because("definition", "hidden units of each flipped network",
                                           "每个翻转后网络的隐藏单元"))
    d.step(rows.applyfunc(lambda e: _inner(_inner(e))),
           because("truth_table", "output units: no row is XOR = (0, 1, 1, 0)"
                   if not found else f"rows equal to XOR: {', '.join(found)}",
                   "输出单元：没有一行等于 XOR = (0, 1, 1, 0)"
                   if not found else f"等于 XOR 的行：{', '.join(found)}"))
    d.note("Flipping the sign of any single weight or bias does not give XOR "
           "(table above: " + ("none of the 9 rows is (0, 1, 1, 0)" if not found else
                               "XOR rows: " + ", ".join(found)) + ").",
           "翻转任一单个权重或偏置的符号都得不到 XOR（见上表：" + (
               "9 行中没有一行是 (0, 1, 1, 0)" if not found else
               "等于 XOR 的行：" + ", ".join(found)) + "）。")

    NX = sp.Function("N_xor", real=True)
    d.define(NX(x1, x2), step(-(2 * h1(x1, x2) - 2 * h2(x1, x2) + 1)),
             "output unit with its input negated")
    if table(PARAMS, sign=-1) != xor:
        raise DerivationError("xor_perceptron: negating the output unit's input does not give XOR")
    d.goal(_column(NX), _column(XOR), tag="fix",
           title="one sign change: step(−(2h1 − 2h2 + 1)) computes XOR",
           title_zh="一处符号改动：step(−(2h1 − 2h2 + 1)) 计算 XOR")
    d.step(_column(lambda u1, u2: network(PARAMS, u1, u2, sign=-1)),
           because("definition", "the output unit's input negated; hidden units as before",
                   "输出单元的输入取负；隐藏单元不变"))
    _layers(d, _column(lambda u1, u2: network(PARAMS, u1, u2, sign=-1)),
            "1 exactly when x1 ≠ x2 (its input is ±1, never 0, so step(−s) = 1 − step(s))",
            "恰在 x1 ≠ x2 时为 1（其输入为 ±1，从不为 0，故 step(−s) = 1 − step(s)）")
    d.step(_column(XOR), because("definition", "XOR(x1, x2) = (1 − x1x2)/2 on ±1 inputs",
                                 "输入取 ±1 时 XOR(x1, x2) = (1 − x1x2)/2"))

    if table(PARAMS, flip_input=-1) != xor:
        raise DerivationError("xor_perceptron: negating the input x1 does not give XOR")
    d.goal(_column(lambda u1, u2: N(-u1, u2)), _column(XOR), tag="fix_input",
           title="equally: negating one input, N(−x1, x2) = XOR(x1, x2)",
           title_zh="同样：对一个输入取负，N(−x1, x2) = XOR(x1, x2)")
    d.step(_column(lambda u1, u2: network(PARAMS, -u1, u2)),
           because("definition", "N at (−x1, x2)", "N 在 (−x1, x2) 处的值"))
    _layers(d, _column(lambda u1, u2: network(PARAMS, -u1, u2)), "1 exactly when x1 ≠ x2",
            "恰在 x1 ≠ x2 时为 1")
    d.step(_column(XOR), because("definition", "XOR(x1, x2) = (1 − x1x2)/2 on ±1 inputs",
                                 "输入取 ±1 时 XOR(x1, x2) = (1 − x1x2)/2"))
