"""Notation typed the way textbooks and course notes type it (issue 10, sections 1 and 3):
each reading is checked by a verdict that would differ under the misreading."""

from __future__ import annotations

import pytest

from symbp.claims.judge import judge
from symbp.core.verdict import Verdict
from symbp.errors import InputError

TIMEOUT = 2.5

TRUE = [
    r"tr((A \odot B)^T C) = tr(A^T (B \odot C))",          # plain tr, not t·r
    r"Tr(AB) = Tr(BA)",
    r"det(AB) = det(A) det(B)",
    r"diag(x) y = x \odot y",                              # x in diag(x) is a vector
    r"d(\mathbf{XY}) = (d\mathbf{X})\mathbf{Y} + \mathbf{X}(d\mathbf{Y})",  # XY is X·Y
    r"\frac{\partial \|Ax-b\|_2^2}{\partial x} = 2A^T(Ax-b)",  # x, b are vectors
    r"(AB)^\top = B^\top A^\top",
    r"A \circ B = B \circ A",
    r"\hat{y} - y = -(y - \hat{y})",
    r"y' + 1 = 1 + y'",
    r"\frac{\partial}{\partial net_k} e^{net_k} = e^{net_k}",  # net is one name
]
FALSE = [
    r"tr((A \odot B)^T C) = tr(A^T (B + C))",
    r"Tr(AB) = Tr(A) Tr(B)",
    r"d(\mathbf{XY}) = (d\mathbf{X})\mathbf{Y}",
    r"\frac{\partial \|Ax-b\|_2^2}{\partial x} = A^T(Ax-b)",
    r"dX^{-1} = X^{-1}dX\,X^{-1}",                         # d(X^{-1}), sign dropped
    r"\hat{y} = -\hat{y} + 2y",
    r"(X^{-T})^T = X",
]


@pytest.mark.parametrize("claim", TRUE)
def test_true_as_written(claim):
    assert judge(claim, timeout=TIMEOUT).verdict.value == "true"


@pytest.mark.parametrize("claim", FALSE)
def test_false_as_written(claim):
    assert judge(claim, timeout=TIMEOUT).verdict.value == "false"


@pytest.mark.parametrize("claim", [r"y_{esti} = 3 x", r"y = 3",
                                   r"a_j = \frac{e^{net_j}}{\sum_m e^{net_m}}"])
def test_a_definition_is_never_false(claim):
    r = judge(claim, timeout=TIMEOUT)
    assert r.verdict.value == "undecided"
    assert "definition" in r.reason


def test_case_assumption_restricts_indices():
    define = [r"a_j = \frac{e^{net_j}}{\sum_{m=1}^n e^{net_m}}"]
    claim = r"\frac{da_j}{dnet_k} = -a_j a_k"
    assert judge(claim, (), define, [r"k \ne j"], timeout=TIMEOUT).verdict.value == "true"
    # without the condition: true for j ≠ k, false for j = k — the writer may mean either,
    # so it is undecided and says so (never a plain "false")
    alone = judge(claim, (), define, [], timeout=TIMEOUT)
    assert alone.verdict.value == "undecided" and "j ≠ k" in alone.reason
    slip = r"\frac{da_j}{dnet_k} = a_j a_k"
    assert judge(slip, (), define, [r"k \neq j"], timeout=TIMEOUT).verdict.value == "false"
    same = r"\frac{da_j}{dnet_k} = a_j(1-a_j)"
    assert judge(same, (), define, [r"k = j"], timeout=TIMEOUT).verdict.value == "true"


def test_an_undefined_loss_is_a_generic_function_not_a_constant():
    # was 0 = 0 (a false "true"); L on one side only is one particular L the writer has in
    # mind, not any L: it is refused, never judged (∂C/∂z_j = a_j − y_j would be wrong
    # for a generic C but right for the writer's cross-entropy)
    define = [r"Y = XW"]
    with pytest.raises(InputError):
        judge(r"\frac{\partial L}{\partial W} = 0", (), define, [], timeout=TIMEOUT)
    good = r"\frac{\partial L}{\partial W} = X^T \frac{\partial L}{\partial Y}"
    swapped = r"\frac{\partial L}{\partial W} = \frac{\partial L}{\partial Y} X^T"
    assert judge(good, (), define, [], timeout=TIMEOUT).verdict.value == "true"
    assert judge(swapped, (), define, [], timeout=TIMEOUT).verdict.value == "false"


@pytest.mark.parametrize("claim, expected", [
    (r"df = tr((\frac{\partial f}{\partial X})^T dX)", "true"),
    (r"df = tr(\frac{\partial f}{\partial X} dX)", "false"),
    (r"df = \mathrm{tr}((\frac{\partial f}{\partial \mathbf{x}})^T d\mathbf{x})", "true"),
])
def test_generic_scalar_function_differential(claim, expected):
    assert judge(claim, timeout=TIMEOUT).verdict.value == expected


def test_gradient_by_an_indexed_entry_of_an_undefined_cost_is_refused():
    with pytest.raises(InputError):
        judge(r"\frac{\partial C}{\partial z_j} = 0", timeout=TIMEOUT)


@pytest.mark.parametrize("claim, expected", [
    # the layered notation is the network's (z^l = W^l a^{l-1} + b^l, a^l = σ(z^l))
    (r"\mathbf{a}^l = \sigma(\mathbf{z}^l)", "true"),
    (r"\delta^l = ((W^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)", "true"),
    (r"\delta^l = (W^{l+1} \delta^{l+1}) \odot \sigma'(z^l)", "false"),  # no transpose
    (r"\frac{\partial C}{\partial b^l_j} = \delta^l_j", "true"),
    # BP2 as Nielsen types it: ⊙ binds looser than the product beside it
    (r"\delta^l = (W^{l+1})^T \delta^{l+1} \odot \sigma'(z^l)", "true"),
    # Jacobians, numerator layout
    (r"\frac{\partial \mathbf{z}^{l+1}}{\partial \mathbf{z}^l} = "
     r"\mathbf{W}^{l+1} diag(\sigma'(\mathbf{z}^{l}))", "true"),
    (r"\frac{\partial \mathbf{z}^{l+1}}{\partial \mathbf{z}^l} = "
     r"diag(\sigma'(\mathbf{z}^{l})) \mathbf{W}^{l+1}", "false"),
    (r"\frac{\partial (Wx)}{\partial x} = W", "true"),
    (r"\frac{\partial (Wx)}{\partial x} = W^T", "false"),
    # a^L used as a number in a scalar chain is a number
    # a^L as a number: true only in that reading, which is in doubt (as vectors it cannot be
    # formed): undecided, never true (W_1 x = x W_1 is a slip the same reading would accept)
    (r"-y \frac{1}{a^{L}} (a^{L}) (1 - a^{L}) + (1 - y) \frac{1}{1 - a^{L}} (a^{L}) "
     r"(1 - a^{L}) = a^{L} - y", "undecided"),
    (r"W_1 x + b_1 = x W_1 + b_1", "undecided"),
    (r"-y \frac{1}{a^{L}} (a^{L}) (1 - a^{L}) + (1 - y) \frac{1}{1 - a^{L}} (a^{L}) "
     r"(1 - a^{L}) = y - a^{L}", "false"),
    # several equations on one line, an equation number, a condition in words
    (r"(1) \quad x + x = 2x \Rightarrow 2x - x = x", "true"),
    (r"\because x + x = 2x \therefore 2x - x = 2", "false"),
    (r"W_1 x + b_1 = b_1 + W_1 x", "true"),
    (r"W_1 x + b_1 = b_1 + W_1^T x", "false"),
])
def test_readings(claim, expected):
    assert judge(claim, timeout=TIMEOUT).verdict.value == expected


def test_condition_in_words_is_an_assumption():
    define = [r"a_j = \frac{e^{z_j}}{\sum_{m=1}^n e^{z_m}}"]
    claim = r"\frac{\partial a_j}{\partial z_k} = -a_j a_k \quad \text{for } j \ne k"
    assert judge(claim, (), define, [], timeout=TIMEOUT).verdict.value == "true"


NIELSEN = [r"z = \sum_j w_j x_j + b", r"a = \sigma(z)",
           r"C = -\frac{1}{n}\sum_x \left[y \ln a + (1-y) \ln (1-a)\right]"]


@pytest.mark.parametrize("claim, expected", [
    (r"\frac{\partial C}{\partial w_j} = \frac{1}{n}\sum_x x_j(\sigma(z)-y)", "true"),  # eq. 61
    (r"\frac{\partial C}{\partial b} = \frac{1}{n}\sum_x (\sigma(z)-y)", "true"),       # eq. 62
    (r"\frac{\partial C}{\partial w_j} = \frac{1}{n}\sum_x x_j(y-\sigma(z))", "false"),
    (r"\frac{\partial C}{\partial w_j} = \sum_x x_j(\sigma(z)-y)", "false"),
])
def test_nielsen_sums_over_training_inputs(claim, expected):
    r = judge(claim, (), NIELSEN, [], timeout=10)  # the CLI's default time limit
    assert r.verdict.value == expected
    assert "training inputs" in r.reason


CS231N = [r"h_1 = \sigma(W_1 x + b_1)", r"\hat{y} = W_2 h_1 + b_2",
          r"L = \frac{1}{2}(\hat{y} - y)^2"]


@pytest.mark.parametrize("claim, expected", [
    # as single numbers true, as matrices not formed: in doubt, so undecided; a slip is false
    (r"\frac{\partial L}{\partial W_2} = (\hat{y} - y) h_1", "undecided"),
    (r"\frac{\partial L}{\partial b_2} = \hat{y} - y", "undecided"),
    (r"\frac{\partial L}{\partial W_2} = (y - \hat{y}) h_1", "false"),
])
def test_numbered_single_unit_net(claim, expected):
    assert judge(claim, (), CS231N, [], timeout=TIMEOUT).verdict.value == expected


def test_a_name_in_the_middle_of_a_chain_names_the_side_before_it():
    define = [r"a_j = \frac{e^{z_j}}{\sum_{m=1}^n e^{z_m}}", r"E = -\sum_{j=1}^n y_j \ln a_j"]
    assume = [r"\sum_{j=1}^n y_j = 1"]
    chain = (r"\sum_{i=1}^n \frac{\partial E}{\partial a_i} \frac{\partial a_i}{\partial z_k}"
             r" = \delta_k = a_k - y_k")
    assert judge(chain, (), define, assume, timeout=10).verdict.value == "true"
    slip = chain.replace("a_k - y_k", "y_k - a_k")
    assert judge(slip, (), define, assume, timeout=10).verdict.value == "false"


@pytest.mark.parametrize("claim, expected", [
    (r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix} \begin{bmatrix} x \\ y \end{bmatrix} = "
     r"\begin{bmatrix} x + 2y \\ 3x + 4y \end{bmatrix}", "true"),
    (r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix} \begin{bmatrix} x \\ y \end{bmatrix} = "
     r"\begin{bmatrix} x + 3y \\ 2x + 4y \end{bmatrix}", "false"),
    (r"\det \begin{pmatrix} a & b \\ c & d \end{pmatrix} = ad - bc", "true"),
    (r"\det \begin{pmatrix} a & b \\ c & d \end{pmatrix} = ad + bc", "false"),
])
def test_written_matrices(claim, expected):
    assert judge(claim, timeout=TIMEOUT).verdict.value == expected


@pytest.mark.parametrize("claim, assume, expected", [
    (r"\sqrt{x^2} = x", r"x > 0", "true"),
    (r"|x| = -x", r"x < 0", "true"),
    (r"|x| = x", r"x < 0", "false"),
    (r"\frac{d}{d\hat{y}} \ln(1 - \hat{y}) = \frac{1}{1 - \hat{y}}", r"\hat{y} \in (0, 1)", "false"),
    (r"\frac{d}{d\hat{y}} \ln(1 - \hat{y}) = -\frac{1}{1 - \hat{y}}", r"\hat{y} \in (0, 1)", "true"),
])
def test_domain_assumptions(claim, assume, expected):
    assert judge(claim, (), [], [assume], timeout=TIMEOUT).verdict.value == expected


@pytest.mark.parametrize("claim, expected", [
    # inverses and determinants of 3×3 symbolic matrices are decided in time (adjugate/det)
    (r"X^{-T} = (X^T)^{-1}", "true"),
    (r"\frac{\partial \ln|\det X|}{\partial X} = X^{-T}", "true"),
    (r"\frac{\partial \ln|\det X|}{\partial X} = X^{-1}", "false"),
    (r"\frac{\partial \det X}{\partial X} = \det(X) X^{-T}", "true"),
    (r"d(X^{-1}) = -X^{-1}(dX)X^{-1}", "true"),
])
def test_inverse_and_determinant_claims_are_decided(claim, expected):
    assert judge(claim, timeout=10).verdict.value == expected


@pytest.mark.parametrize("claim, expected", [
    (r"(AB)_{ij} = \sum_k A_{ik} B_{kj}", "true"),       # A_{ik}: an entry of the matrix A
    (r"(AB)_{ij} = \sum_k A_{ki} B_{kj}", "false"),
    (r"\mathrm{tr}(AB) = \sum_i \sum_j A_{ij} B_{ji}", "true"),
    (r"\mathrm{tr}(AB) = \sum_i \sum_j A_{ij} B_{ij}", "false"),
    (r"w^l_{jk} = (W^l)_{jk}", "true"),                   # an entry of a parenthesised matrix
    (r"(W^l a^{l-1})_j = \sum_k w^l_{jk} a^{l-1}_k", "true"),
    (r"(W^l a^{l-1})_j = \sum_k w^l_{kj} a^{l-1}_k", "false"),
    (r"\delta^L = \nabla_a C \odot \sigma'(z^L)", "true"),   # Nielsen's BP1
    (r"\delta^L = \nabla_a C \odot \sigma(z^L)", "false"),
])
def test_entries_and_nabla(claim, expected):
    assert judge(claim, timeout=TIMEOUT).verdict.value == expected


@pytest.mark.parametrize("claim, define, expected", [
    (r"\frac{\partial}{\partial x_k}\sum_{i=1}^{n}\sum_{j=1}^{n} x_i A_{ij} x_j = "
     r"\sum_{j=1}^{n} (A_{kj} + A_{jk}) x_j", [], "true"),   # A's size along i is the sum's n
    (r"\frac{\partial}{\partial x_k}\sum_{i=1}^{n}\sum_{j=1}^{n} x_i A_{ij} x_j = "
     r"\sum_{j=1}^{n} 2 A_{kj} x_j", [], "false"),
    (r"\partial(\mathbf{X}^{-1}) = -\mathbf{X}^{-1}(\partial \mathbf{X})\mathbf{X}^{-1}", [],
     "true"),                                                  # the Cookbook's ∂ differential
    (r"d(X^{-1}) = -X^{-2}\,dX", [], "false"),
    (r"\frac{\partial E}{\partial w} = (o - y) \times o \times (1 - o) \times x",
     [r"E = \frac{1}{2}(y - o)^2", r"o = \sigma(net)", r"net = w x + b"], "true"),
    (r"\frac{\partial E}{\partial w} = (o - y) \times o \times (1 - o)",
     [r"E = \frac{1}{2}(y - o)^2", r"o = \sigma(net)", r"net = w x + b"], "false"),
    (r"\frac{\partial L}{\partial b_1} = (\hat{y} - y) W_2 h_1 (1 - h_1)",
     [r"h_1 = \sigma(W_1 x + b_1)", r"\hat{y} = W_2 h_1 + b_2", r"L = \frac{1}{2}(\hat{y} - y)^2"],
     "undecided"),
])
def test_more_notation(claim, define, expected):
    assert judge(claim, (), define, [], timeout=10).verdict.value == expected


QUADRATIC = [r"J(\mathbf{W}, \mathbf{b}, \mathbf{x}, \mathbf{y}) = \frac{1}{2} "
             r"\|\mathbf{a}^L - \mathbf{y}\|_2^2"]


@pytest.mark.parametrize("claim, expected", [
    (r"\frac{\partial J}{\partial \mathbf{z}^{L}} = (\mathbf{a}^{L} - \mathbf{y}) \odot "
     r"\sigma'(\mathbf{z}^{L})", "true"),
    (r"\frac{\partial J(\mathbf{W}, \mathbf{b}, \mathbf{x}, \mathbf{y})}{\partial \mathbf{W}^{L}}"
     r" = (\mathbf{a}^{L} - \mathbf{y}) \odot \sigma'(\mathbf{z}^{L}) (\mathbf{a}^{L-1})^{T}",
     "true"),
    (r"\frac{\partial J}{\partial \mathbf{z}^{L}} = \mathbf{a}^{L} - \mathbf{y}", "false"),
])
def test_a_defined_cost_is_the_network_cost(claim, expected):
    assert judge(claim, (), QUADRATIC, [], timeout=10).verdict.value == expected
    # and with the context named, for C
    c_claim = claim.replace("J(\\mathbf{W}, \\mathbf{b}, \\mathbf{x}, \\mathbf{y})", "C")
    c_claim = c_claim.replace("J", "C")
    c_define = [QUADRATIC[0].replace("J(\\mathbf{W}, \\mathbf{b}, \\mathbf{x}, \\mathbf{y})",
                                     "C")]
    assert judge(c_claim, ("backprop",), c_define, [], timeout=10).verdict.value == expected


@pytest.mark.parametrize("claim, expected", [
    (r"dtr(\mathbf{X}) = tr(d\mathbf{X})", "true"),   # d tr(X), typed without spaces
    (r"dtr(X) = tr(X)", "false"),
])
def test_differential_of_a_plain_function(claim, expected):
    assert judge(claim, timeout=TIMEOUT).verdict.value == expected


@pytest.mark.parametrize("claim, expected", [
    (r"\sigma(\mathbf{z}) = \frac{1}{1 + e^{-\mathbf{z}}}", "true"),   # entrywise, as notes write
    (r"\sigma(\mathbf{z}) = \frac{1}{1 - e^{-\mathbf{z}}}", "false"),
    (r"\mathbf{a} \odot (1 - \mathbf{a}) = \mathbf{a} - \mathbf{a} \odot \mathbf{a}", "true"),
])
def test_numbers_and_reciprocals_of_vectors_are_entrywise(claim, expected):
    assert judge(claim, timeout=TIMEOUT).verdict.value == expected


SOFTMAX_VECTOR = [r"\mathbf{p} = \mathrm{softmax}(\mathbf{s})", r"L = -\sum_k y_k \ln p_k"]


@pytest.mark.parametrize("claim, define, assume, expected", [
    (r"\mathrm{softmax}(\mathbf{z})_i = \frac{e^{z_i}}{\sum_j e^{z_j}}", [], [], "true"),
    (r"\mathrm{softmax}(2\mathbf{z}) = \mathrm{softmax}(\mathbf{z})", [], [], "false"),
    (r"\frac{\partial L}{\partial \mathbf{s}} = \mathbf{p} - \mathbf{y}", SOFTMAX_VECTOR,
     [r"\sum_k y_k = 1"], "true"),     # p_k, y_k beside bold p, y: their entries
    (r"\frac{\partial L}{\partial \mathbf{s}} = \mathbf{y} - \mathbf{p}", SOFTMAX_VECTOR,
     [r"\sum_k y_k = 1"], "false"),
])
def test_vector_softmax(claim, define, assume, expected):
    assert judge(claim, (), define, assume, timeout=10).verdict.value == expected


@pytest.mark.parametrize("claim, expected", [
    # c added to a vector: a vector, or one number on every entry? true only in the second
    (r"\mathrm{softmax}(\boldsymbol{x}) = \mathrm{softmax}(\boldsymbol{x} + c)", "undecided"),
    (r"\mathrm{softmax}(\boldsymbol{x}) = \mathrm{softmax}(2\boldsymbol{x} + c)", "false"),
    (r"\frac{\partial \|Ax-b\|_2^2}{\partial x} = 2A(Ax-b)", "false"),
])
def test_a_name_added_to_a_vector(claim, expected):
    assert judge(claim, timeout=10).verdict.value == expected


@pytest.mark.parametrize("claim, define, assume, expected", [
    # a norm with a sign inside, after a coefficient
    (r"\frac{\partial}{\partial W}\frac{1}{2N}\|XW - Y\|_F^2 = \frac{1}{N}X^T(XW - Y)",
     [], [], "true"),
    (r"\frac{\partial}{\partial W}\frac{1}{2N}\|XW - Y\|_F^2 = \frac{1}{N}(XW - Y)^T X",
     [], [], "false"),
    # C_0, the unregularised cost: an arbitrary function (it is on both sides)
    (r"\frac{\partial C}{\partial w_j} = \frac{\partial C_0}{\partial w_j} + \frac{\lambda}{n} w_j",
     [r"C = C_0 + \frac{\lambda}{2n}\sum_k w_k^2"], [], "true"),
    (r"\frac{\partial C}{\partial w_j} = \frac{\partial C_0}{\partial w_j} + \lambda w_j",
     [r"C = C_0 + \frac{\lambda}{2n}\sum_k w_k^2"], [], "false"),
    # CS231n's Y = XW + b: b a row added to every row
    (r"\frac{\partial L}{\partial W} = X^{\top} \frac{\partial L}{\partial Y}", [r"Y = XW + b"],
     [], "true"),
    (r"\frac{\partial L}{\partial W} = \frac{\partial L}{\partial Y} X^{\top}", [r"Y = XW + b"],
     [], "false"),
    # the chain rule through a defined vector
    (r"\frac{\partial L}{\partial \mathbf{x}} = W^T\frac{\partial L}{\partial \mathbf{z}}",
     [r"\mathbf{z} = W\mathbf{x} + \mathbf{b}"], [], "true"),
    (r"\frac{\partial L}{\partial \mathbf{x}} = W\frac{\partial L}{\partial \mathbf{z}}",
     [r"\mathbf{z} = W\mathbf{x} + \mathbf{b}"], [], "false"),
    (r"\nabla_{\boldsymbol{x}} z = \left(\frac{\partial \boldsymbol{y}}{\partial \boldsymbol{x}}"
     r"\right)^\top \nabla_{\boldsymbol{y}} z", [r"\boldsymbol{y} = \boldsymbol{W}\boldsymbol{x}"],
     [], "true"),
    # the Jacobian of a defined vector
    (r"\frac{\partial \mathbf{p}}{\partial \mathbf{f}} = \mathrm{diag}(\mathbf{p}) - "
     r"\mathbf{p}\mathbf{p}^T", [r"\mathbf{p} = \mathrm{softmax}(\mathbf{f})"], [], "true"),
    # a function defined by the user; a known one restated
    (r"\log\sigma(x) = -\zeta(-x)", [r"\zeta(x) = \log(1 + \exp(x))"], [], "true"),
    (r"\zeta(x) + \zeta(-x) = x", [r"\zeta(x) = \log(1 + \exp(x))"], [], "false"),
    (r"\frac{d}{dz}\mathrm{ReLU}(z) = 1", [r"\mathrm{ReLU}(z) = \max(0, z)"], [r"z > 0"],
     "true"),
    # a sum without one index
    (r"-y_k(1 - a_k) + \sum_{i \ne k} y_i a_k = a_k - y_k", [], [r"\sum_{i=1}^{n} y_i = 1"],
     "true"),
    (r"-y_k(1 - a_k) + \sum_{i \ne k} y_i a_k = y_k - a_k", [], [r"\sum_{i=1}^{n} y_i = 1"],
     "false"),
    # \tilde{J} defined; f defined as a name, so f (1 - f) is a product
    (r"\nabla_{\boldsymbol{w}} \tilde{J} = \alpha\boldsymbol{w} + \nabla_{\boldsymbol{w}} J",
     [r"\tilde{J} = \frac{\alpha}{2}\boldsymbol{w}^\top\boldsymbol{w} + J"], [], "true"),
    (r"\frac{\partial f}{\partial w_0} = x_0 f (1 - f)",
     [r"f = \frac{1}{1 + e^{-(w_0 x_0 + w_1 x_1 + w_2)}}"], [], "true"),
    # net_o beside o, net_h beside h: labels, not one family indexed by o and h
    (r"\frac{\partial E}{\partial net_h} = (o - t)o(1 - o) v h(1 - h)",
     [r"E = \frac{1}{2}(t - o)^2", r"o = \sigma(net_o)", r"net_o = v h", r"h = \sigma(net_h)"],
     [], "true"),
    (r"\frac{\partial E}{\partial net_h} = (o - t)o(1 - o) v",
     [r"E = \frac{1}{2}(t - o)^2", r"o = \sigma(net_o)", r"net_o = v h", r"h = \sigma(net_h)"],
     [], "false"),
])
def test_textbook_definitions_and_notation(claim, define, assume, expected):
    assert judge(claim, (), define, assume, timeout=10).verdict.value == expected


def test_an_undefined_cost_on_one_side_only_is_refused():
    # the writer means one particular C (cross-entropy), not any C: never judged false
    with pytest.raises(InputError):
        judge(r"\frac{\partial C}{\partial z_j} = a_j - y_j", timeout=TIMEOUT)


TWO_LAYERS = [r"z_1 = w_1 x + b_1", r"a_1 = \sigma(z_1)", r"z_2 = w_2 a_1 + b_2",
              r"a_2 = \sigma(z_2)", r"C = \frac{1}{2}(a_2 - y)^2"]
HAT_J = [r"\hat{J} = \frac{1}{2}(\boldsymbol{w} - \boldsymbol{w}^*)^\top\boldsymbol{H}"
         r"(\boldsymbol{w} - \boldsymbol{w}^*)"]


@pytest.mark.parametrize("claim, define, assume, expected", [
    # x > y between two names: x = y + ε, ε > 0 (both witnesses)
    (r"\frac{\partial}{\partial y}\max(x, y) = 0", [], [r"x > y"], "true"),
    (r"\frac{\partial}{\partial y}\max(x, y) = 1", [], [r"x > y"], "false"),
    # 0 < x and x < 1 together
    (r"\sigma\left(\log\frac{x}{1-x}\right) = x", [], [r"0 < x", r"x < 1"], "true"),
    (r"\sigma\left(\log\frac{1-x}{x}\right) = x", [], [r"0 < x", r"x < 1"], "false"),
    # a constant coefficient after the operator: the operator acts on the whole term
    (r"\frac{\partial}{\partial W}\lambda\sum_k\sum_l W_{k,l}^2 = 2\lambda W", [], [], "true"),
    (r"\frac{\partial}{\partial W}\lambda\sum_k\sum_l W_{k,l}^2 = \lambda W", [], [], "false"),
    # wᵀx + b: b is a number (the 1×1 product is one)
    (r"\frac{\partial f}{\partial \mathbf{x}} = \mathbf{w}", [r"f = \mathbf{w}^T\mathbf{x} + b"],
     [], "true"),
    # a condition in parentheses after \quad
    (r"\frac{\partial a_i}{\partial z_j} = -a_i a_j \quad (i \neq j)",
     [r"a_i = \frac{e^{z_i}}{\sum_{k=1}^{n} e^{z_k}}"], [], "true"),
    # numbered scalars defined one by one
    (r"\frac{\partial C}{\partial b_1} = (a_2 - y)\sigma'(z_2) w_2 \sigma'(z_1)", TWO_LAYERS, [],
     "true"),
    (r"\frac{\partial C}{\partial b_1} = (a_2 - y)\sigma'(z_2) w_1 \sigma'(z_1)", TWO_LAYERS, [],
     "false"),
    # w^*, a scalar defined as a 1×1 product
    (r"\nabla_{\boldsymbol{w}}\hat{J} = \frac{1}{2}(\boldsymbol{H} + \boldsymbol{H}^\top)"
     r"(\boldsymbol{w} - \boldsymbol{w}^*)", HAT_J, [], "true"),
    (r"\nabla_{\boldsymbol{w}}\hat{J} = \boldsymbol{H}(\boldsymbol{w} - \boldsymbol{w}^*)", HAT_J,
     [], "false"),
    # the identity matrix
    (r"\det(\mathbf{I} + \mathbf{u}\mathbf{v}^T) = 1 + \mathbf{v}^T\mathbf{u}", [], [], "true"),
    (r"IA = 2A", [], [], "false"),
    # hyperbolic functions in exponentials
    (r"\tanh'(x) = \frac{4}{(e^x + e^{-x})^2}", [], [], "true"),
    (r"\tanh'(x) = \frac{2}{(e^x + e^{-x})^2}", [], [], "false"),
    # numbers written rounded
    (r"\sigma(0.3) = 0.5744", [], [], "true"),
    (r"\sigma(0.3) = 0.5754", [], [], "false"),
])
def test_more_textbook_notation(claim, define, assume, expected):
    assert judge(claim, (), define, assume, timeout=10).verdict.value == expected


def test_an_unknown_named_function_is_refused_not_guessed():
    with pytest.raises(InputError):
        judge(r"\frac{d}{dx}\mathrm{mish}(x) = \sigma(x)", timeout=TIMEOUT)


@pytest.mark.parametrize("claim, define, expected", [
    (r"\frac{d}{dx}\mathrm{softplus}(x) = \sigma(x)", [], "true"),   # ζ(x) = ln(1 + eˣ)
    (r"\frac{d}{dx}\mathrm{softplus}(x) = \sigma(-x)", [], "false"),
    # a unit's label (Mazur's worked example) and a Chinese label before a bracket
    (r"\frac{\partial E}{\partial out_{o1}} = out_{o1} - target_{o1}",
     [r"E = \frac{1}{2}(target_{o1} - out_{o1})^2"], "true"),
    (r"\frac{d h_{隐}}{dz} = h_{隐}(1 - h_{隐})", [r"h_{隐} = \sigma(z)"], "true"),
])
def test_softplus_and_unit_labels(claim, define, expected):
    assert judge(claim, (), define, [], timeout=10).verdict.value == expected


SOFTMAX_NET = [r"a_j = \frac{e^{net_j}}{\sum_{m=1}^n e^{net_m}}"]


@pytest.mark.parametrize("claim, assume, expected", [
    # by an intermediate expression, the claim's other intermediates (and sums) held fixed
    (r"\frac{da_j}{de^{net_k}} = 0", [r"k \ne j"], "true"),
    (r"\frac{da_j}{de^{net_j}} = \frac{1}{\sum_j e^{net_j}}", [], "true"),
    (r"\frac{da_j}{de^{net_j}} = \frac{2}{\sum_j e^{net_j}}", [], "false"),
    (r"\frac{da_j}{d\sum_m e^{net_m}} = - \frac{e^{net_j}}{(\sum_m e^{net_m})^2}", [], "true"),
    (r"\frac{da_j}{dnet_k} = \frac{da_j}{de^{net_k}} \frac{de^{net_k}}{dnet_k} + "
     r"\frac{da_j}{d\sum_m e^{net_m}} \frac{d\sum_m e^{net_m}}{dnet_k}", [], "true"),
    (r"\frac{da_j}{dnet_k} = \frac{da_j}{de^{net_k}} \frac{de^{net_k}}{dnet_k}", [], "false"),
])
def test_derivative_by_an_expression(claim, assume, expected):
    assert judge(claim, (), SOFTMAX_NET, assume, timeout=10).verdict.value == expected


def test_sum_by_one_of_its_terms():
    claim = (r"\frac{d\sum_m e^{net_m}}{dnet_k} = \frac{d\sum_m e^{net_m}}{de^{net_k}} "
             r"\frac{de^{net_k}}{dnet_k} = e^{net_k}")
    assert judge(claim, timeout=10).verdict.value == "true"


@pytest.mark.parametrize("claim, expected", [
    (r"\frac{\partial L}{\partial b} = -1", "true"),   # a − b + c > 0: L = a − b + c there
    (r"\frac{\partial L}{\partial b} = 0", "false"),
])
def test_an_inequality_between_terms_restricts_the_domain(claim, expected):
    got = judge(claim, (), [r"L = \max(0, a - b + c)"], [r"a - b + c > 0"], timeout=10)
    assert got.verdict.value == expected


def test_an_inequality_with_entries_is_read_through_its_plain_name():
    # s_j − s_y + Δ > 0 is solved for Δ; the hinge's slope is then −1 for j ≠ y, and with
    # j = y left open the claim is undecided (never false); s_1 − s_y + 1 > 0 (no plain
    # name: y may be 1) is still refused
    hinge = [r"L = \max(0, s_j - s_y + \Delta)"]
    margin = [r"s_j - s_y + \Delta > 0"]
    claim = r"\frac{\partial L}{\partial s_y} = -1"
    assert judge(claim, (), hinge, margin, timeout=TIMEOUT).verdict is Verdict.UNDECIDED
    # (true for j ≠ y; its symbolic witness may need more than the test's time limit)
    assert judge(claim, (), hinge, margin + [r"j \ne y"], timeout=TIMEOUT).verdict \
        is not Verdict.FALSE
    assert judge(r"\frac{\partial L}{\partial s_y} = 1", (), hinge, margin + [r"j \ne y"],
                 timeout=TIMEOUT).verdict is Verdict.FALSE
    with pytest.raises(InputError):
        judge(claim, (), [r"L = \max(0, s_1 - s_y + 1)"], [r"s_1 - s_y + 1 > 0"],
              timeout=TIMEOUT)


MITCHELL = [r"net_j = \sum_i w_{ji} x_i", r"o_j = \sigma(net_j)", r"net_k = \sum_j w_{kj} o_j",
            r"o_k = \sigma(net_k)", r"E = \frac{1}{2}\sum_k (t_k - o_k)^2"]


@pytest.mark.parametrize("claim, expected", [
    # the index letter names the layer (o_j hidden, o_k output), as in Mitchell / 西瓜书
    (r"\frac{\partial E}{\partial w_{kj}} = (o_k - t_k)o_k(1 - o_k)o_j", "true"),
    (r"\frac{\partial E}{\partial w_{kj}} = (o_k - t_k)o_k(1 - o_k)o_k", "false"),
])
def test_index_letters_that_name_layers(claim, expected):
    assert judge(claim, (), MITCHELL, [], timeout=10).verdict.value == expected


def test_a_written_kronecker_delta_covers_both_index_cases():
    # δ_jk − a_j a_k is false for j = k: the writer covered that case, so it is false
    got = judge(r"\frac{\partial a_j}{\partial z_k} = \delta_{jk} - a_j a_k", ("softmax",),
                timeout=10)
    assert got.verdict.value == "false"


def test_held_fixed_reading_of_a_differential():
    # X dW: true if X is data held fixed, false if X varies — undecided, says which
    got = judge(r"dY = X dW", (), [r"Y = XW"], timeout=10)
    assert got.verdict.value == "undecided" and "vary" in got.reason
    assert judge(r"d(\mathbf{XY}) = (d\mathbf{X})\mathbf{Y}", timeout=10).verdict.value == "false"


def test_an_undefined_cost_by_two_undefined_variables_is_refused():
    # ∂L/∂w = ∂L/∂a σ'(z) x: the writer chains w → z → a through definitions not given;
    # L as a function of two independent variables would make it (wrongly) false
    with pytest.raises(InputError):
        judge(r"\frac{\partial L}{\partial w} = \frac{\partial L}{\partial a} \sigma'(z) x",
              timeout=TIMEOUT)


SOFTMAX_P = r"p_i = \frac{e^{s_i}}{\sum_k e^{s_k}}"


def test_words_after_an_equation_keep_a_false_reading_in_doubt():
    # "(on the diagonal)": the words may restrict i = j, so a reading false for i ≠ j is
    # not said to be false; a tag such as (BP1) restricts nothing
    words = judge(r"\frac{\partial p_i}{\partial s_j} = p_i(1 - p_i) \quad \text{（对角线上）}",
                  defines=[SOFTMAX_P], timeout=TIMEOUT)
    assert words.verdict is Verdict.UNDECIDED
    assert "were not read" in words.reason
    tag = judge(r"\frac{\partial p_i}{\partial s_j} = p_i(1 - p_i) \quad \text{(BP1)}",
                defines=[SOFTMAX_P], timeout=TIMEOUT)
    assert tag.verdict is Verdict.FALSE


def test_a_written_case_is_not_doubted_by_the_coinciding_index_rule():
    # "当 i = j 时" states the coinciding case: false there is false, not in doubt
    r = judge(r"\text{当 } i = j \text{ 时}, \quad \frac{\partial p_i}{\partial s_j} = -p_i p_j",
              defines=[SOFTMAX_P], timeout=TIMEOUT)
    assert r.verdict is Verdict.FALSE


def test_dw_names_a_gradient_when_dy_is_defined_so():
    r = judge("dW = X^T dY", ["matrix"], ["Y = XW", r"dY = \frac{\partial L}{\partial Y}"],
              timeout=TIMEOUT)
    assert r.verdict is Verdict.TRUE
    assert "read as gradients of L" in r.reason
    assert r.claim == "dW = X^T dY"  # reported as written


def test_star_is_read_both_ways():
    """`*` is entrywise in Ng's notes and NumPy, a product elsewhere: the reading that can
    be formed is taken; two readings that can both be formed and disagree are undecided."""
    entrywise = judge(r"\mathbf{u} * \mathbf{v} = \mathbf{v} \odot \mathbf{u}", timeout=TIMEOUT)
    assert entrywise.verdict is Verdict.TRUE and "entrywise" in entrywise.steps[0].reason
    assert judge(r"2 * x = x + x", timeout=TIMEOUT).verdict is Verdict.TRUE
    both = judge(r"A * B = B * A", timeout=TIMEOUT)  # ⊙ commutes, the matrix product not
    assert both.verdict is Verdict.UNDECIDED and "different verdicts" in both.steps[0].reason
    assert judge(r"x^* = x^*", timeout=TIMEOUT).verdict is Verdict.TRUE  # the optimum, no product


def test_layer_labels_in_parentheses_are_not_powers():
    """GBC's W^{(k)}, h^{(k-1)\\top}; Ng's W^{[l]T}: labels (and a transpose), not powers."""
    assert judge(r"A^{(k)\top} B = (B^T A^{(k)})^T", timeout=TIMEOUT).verdict is Verdict.TRUE
    assert judge(r"A^{[l]T} B = (B^T A^{[l]})^T", timeout=TIMEOUT).verdict is Verdict.TRUE
    assert judge(r"A^{(k)\top} B = B^T A^{(k)}", timeout=TIMEOUT).verdict is Verdict.FALSE
    # the example i a sum runs over stays bound inside a fraction (read on its own)
    bound = r"\sum_{i=1}^{m} \frac{x^{(i)}}{m} = \frac{1}{m}\sum_{i=1}^{m} x^{(i)}"
    assert judge(bound, timeout=TIMEOUT).verdict is Verdict.TRUE


def test_a_family_defined_entry_by_entry_but_written_whole_is_not_read():
    """CS231n's P_{ij} = softmax row entries and Y_{ij} = 𝟙(j = y_i), then ∂L/∂W = Xᵀ(P − Y)/N:
    the whole P and Y are not linked to their entries, so the claim is not read (it was
    judged false, about unrelated numbers P and Y)."""
    defines = [r"S = XW", r"P_{ij} = \frac{e^{S_{ij}}}{\sum_k e^{S_{ik}}}",
               r"L = -\frac{1}{N}\sum_{i=1}^{N}\log P_{i y_i}", r"Y_{ij} = \mathbb{1}(j = y_i)"]
    with pytest.raises(InputError, match="entry by entry"):
        judge(r"\frac{\partial L}{\partial W} = \frac{1}{N}X^T(P - Y)", (), defines, [],
              timeout=TIMEOUT)


def test_a_strict_indicator_is_zero_at_zero():
    """𝟙(h > 0) with h = max(0, ·): h is 0 wherever the pre-activation is negative, where the
    indicator is 0 (a step taking ½ there made a true claim false)."""
    defines = [r"h = \max(0, W_1 x + b_1)", r"L = \frac{1}{2}\|h\|^2"]
    claim = r"\frac{\partial L}{\partial b_1} = \frac{\partial L}{\partial h} \circ \mathbb{1}(h > 0)"
    assert judge(claim, (), defines, [], timeout=10).verdict is Verdict.TRUE
    wrong = claim.replace("h > 0", "h < 0")
    assert judge(wrong, (), defines, [], timeout=10).verdict is Verdict.FALSE


def test_a_gradient_by_a_defined_vector_the_definitions_never_reach_is_refused():
    """J = L(ŷ, y) + λ‖W^{(l)}‖² with ŷ = h^{(l)}: nothing links J to a^{(k)}, so ∇_{a^{(k)}} J
    and ∇_{h^{(k)}} J would both be 0 and any claim relating them vacuously true (a false one
    was judged true).  With GBC's λ Σ_i ‖W^{(i)}‖² over the layers it is not read at all."""
    defines = [r"\mathbf{a}^{(k)} = \mathbf{b}^{(k)} + \mathbf{W}^{(k)} \mathbf{h}^{(k-1)}",
               r"\mathbf{h}^{(k)} = f(\mathbf{a}^{(k)})", r"\hat{\mathbf{y}} = \mathbf{h}^{(l)}",
               r"J = L(\hat{\mathbf{y}}, \mathbf{y}) + \lambda \| \mathbf{W}^{(l)} \|_F^2"]
    claim = (r"\nabla_{\mathbf{a}^{(k)}} J = \nabla_{\mathbf{h}^{(k)}} J \odot "
             r"f'(\mathbf{h}^{(k)})")
    with pytest.raises(InputError, match="does not depend on"):
        judge(claim, (), defines, [], timeout=TIMEOUT)
    summed = defines[:3] + [r"J = L(\hat{\mathbf{y}}, \mathbf{y}) + \lambda \sum_{i=1}^{l} "
                            r"\| \mathbf{W}^{(i)} \|_F^2"]
    with pytest.raises(InputError):
        judge(claim, (), summed, [], timeout=TIMEOUT)
