"""Generated convolutional networks (``codegen --arch``) against PyTorch autograd and finite
differences; the mistakes that must fail; bad architectures are usage errors (exit 2)."""

from __future__ import annotations

import numpy as np
import pytest

from symbp.codegen import gradcheck, load
from symbp.codegen.conv import generate_cnn, parse_arch
from symbp.errors import UsageError

torch = pytest.importorskip("torch")
F = torch.nn.functional

#: small random architectures; together they use every registered hidden activation,
#: both poolings, two conv layers in a row and dense layers after flatten
ARCHS = [
    ("conv3x3x3,relu,maxpool2,conv2x3x4,tanh,flatten,dense5,sigmoid,dense4", (2, 10, 12)),
    ("conv2x2x2,softplus,avgpool2,conv3x3x3,tanh_scaled,maxpool2,flatten,dense3", (1, 13, 13)),
    ("conv3x2x4,linear,conv2x2x2,sigmoid,flatten,dense6,relu,dense3", (3, 6, 5)),
]


def _torch_loss(module, params, X, Y):
    """An independent PyTorch computation of the same network from its ARCH list."""
    h = torch.tensor(X)
    weights = iter(params)
    acts = {"relu": F.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "softplus": F.softplus,
            "linear": lambda t: t, "tanh_scaled": lambda t: 1.7159 * torch.tanh(2 * t / 3)}
    for kind, *args in module.ARCH:
        if kind == "conv":
            K, b = next(weights)
            h = F.conv2d(h, K, b)
        elif kind == "dense":
            W, b = next(weights)
            h = h @ W + b
        elif kind == "act":
            h = acts[args[0]](h)
        elif kind == "maxpool":
            h = F.max_pool2d(h, args[0])
        elif kind == "avgpool":
            h = F.avg_pool2d(h, args[0])
        else:
            h = h.reshape(h.shape[0], -1)
    return -(torch.tensor(Y) * F.log_softmax(h, dim=1)).sum() / X.shape[0]


def _compare(module, seed):
    rng = np.random.default_rng(seed)
    params, X, Y = gradcheck.random_problem(module, batch=3, seed=seed)
    value, grads = module.loss_and_gradients(params, X, Y)
    tparams = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
               for W, b in params]
    ref = _torch_loss(module, tparams, X, Y)
    ref.backward()
    errors = [abs(value - ref.item()) / max(1.0, abs(ref.item()))]
    for (gW, gb), (tW, tb) in zip(grads, tparams):
        for mine, theirs in ((gW, tW.grad.numpy()), (gb, tb.grad.numpy())):
            assert mine.shape == theirs.shape and mine.dtype == np.float64
            errors.append(np.max(np.abs(mine - theirs)) / max(np.max(np.abs(theirs)), 1e-12))
    del rng
    return max(errors)


@pytest.fixture(scope="module")
def modules():
    return [load(generate_cnn(arch, "softmax", "ce", input_shape=shape)) for arch, shape in ARCHS]


@pytest.mark.parametrize("which", range(len(ARCHS)))
def test_gradients_match_pytorch_autograd_and_finite_differences(modules, which):
    module = modules[which]
    for seed in (0, 1):
        assert _compare(module, seed) <= 1e-9
    assert gradcheck.passed(gradcheck.check(module, seed=3, batch=2, max_entries=12))


def test_a_kernel_that_is_not_flipped_fails(modules):
    """The input gradient needs the flipped kernel: without the flip the first conv layer's
    gradients (which depend on ∂L/∂x of the second) are wrong, and both checks say so."""
    source = generate_cnn(*ARCHS[0][:1], "softmax", "ce", input_shape=ARCHS[0][1])
    flip = "Ktilde = K[:, :, ::-1, ::-1]"
    assert flip in source
    wrong = load(source.replace(flip, "Ktilde = K"))
    assert _compare(wrong, 0) > 1e-3
    assert not gradcheck.passed(gradcheck.check(wrong, seed=3, batch=2, max_entries=12))


def test_float32_module_stays_float32_and_is_deterministic():
    arch, shape = ARCHS[0]
    source = generate_cnn(arch, "softmax", "ce", input_shape=shape, dtype="float32")
    assert source == generate_cnn(arch, "softmax", "ce", input_shape=shape, dtype="float32")
    assert "import numpy as np" in source and "torch" not in source and "sympy" not in source
    assert "sliding_window_view" in source and "# conv2d, step" in source
    module = load(source)
    params = module.init_params(seed=0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, *shape)).astype(np.float32)
    Y = np.eye(4, dtype=np.float32)[[0, 1, 2, 3]]
    value, grads = module.loss_and_gradients(params, X, Y)
    assert np.asarray(value).dtype == np.float32
    assert all(g.dtype == np.float32 for pair in grads for g in pair)
    out = [(np.empty_like(W), np.empty_like(b)) for W, b in params]
    value2, same = module.loss_and_gradients(params, X, Y, out=out)
    assert same is out and value2 == value
    assert np.array_equal(out[0][0], grads[0][0])
    assert module.predict(params, X).shape == (4,)


@pytest.mark.parametrize("arch, shape, words", [
    ("conv5x5x16,relu,dense10", (1, 28, 28), "put flatten before it"),
    ("conv5x5x16,relu,maxpool5,flatten,dense10", (1, 28, 28), "multiples of 5"),
    ("conv30x3x4,flatten,dense10", (1, 28, 28), "larger than its input"),
    ("flatten,relu,dense10", (1, 28, 28), "must follow a conv or dense layer"),
    ("conv3x3x2,flatten,dense10,relu", (1, 28, 28), "last layer must be a dense"),
    ("conv3x3x2,softmax,flatten,dense10", (1, 28, 28), "softmax cannot be a hidden"),
    ("conv3x3,flatten,dense10", (1, 28, 28), "unknown activation"),
    ("conv3x3x2,,dense10", (1, 28, 28), "comma-separated"),
])
def test_bad_architectures_are_usage_errors(arch, shape, words):
    with pytest.raises(Exception) as info:
        parse_arch(arch, shape)
    assert isinstance(info.value, UsageError) or info.value.exit_code == 2
    assert words in info.value.message()


def test_the_im2col_of_the_module_is_the_derivations_definition(modules):
    """The template's view/reshape must build exactly the X^col that conv2d defines (and
    whose products the printed lines compute): entry by entry, on small sizes."""
    import sympy as sp

    import symbp
    from derivations import conv2d as cv

    definition = next(d for d in symbp.derive("conv2d").derivation.definitions
                      if d.name == "im2col of x")
    N, C, kh, kw, Ho, Wo = 2, 3, 2, 3, 3, 2
    sizes = {cv.N: N, cv.C: C, cv.kh: kh, cv.kw: kw, cv.Ho: Ho, cv.Wo: Wo}
    x = np.random.default_rng(0).normal(size=(N, C, Ho + kh - 1, Wo + kw - 1))
    Xcol = modules[0]._im2col(x.transpose(0, 2, 3, 1), kh, kw)  # the module stores NHWC
    assert Xcol.shape == (N * Ho * Wo, C * kh * kw)
    for m in range(N * Ho * Wo):
        for r in range(C * kh * kw):
            entry = definition.rhs.xreplace({**sizes, cv.m_: sp.Integer(m), cv.r_: sp.Integer(r)})
            assert Xcol[m, r] == x[tuple(int(i) for i in entry.indices)]


def _random_arch(rng):
    """A random valid architecture and input shape (pools of 2 where the size is even)."""
    from symbp.nn.activations import ACTIVATIONS

    acts = sorted(ACTIVATIONS.names())
    # the first kernel is drawn below with the same generator state: sizes that make its
    # output even (so that a pool can follow), from 6 × 6 to 10 × 10
    first = np.random.default_rng(rng.integers(1 << 30))
    kh0, kw0 = int(first.integers(1, 4)), int(first.integers(2, 4))
    c = int(rng.integers(1, 3))
    h, w = 2 * int(rng.integers(3, 6)) + kh0 - 1, 2 * int(rng.integers(3, 6)) + kw0 - 1
    shape, layers = (c, h, w), []
    for _ in range(int(rng.integers(1, 3)) + 1):
        kh, kw = (kh0, kw0) if not layers else (int(rng.integers(1, 4)), int(rng.integers(2, 4)))
        o = int(rng.integers(2, 4))
        if kh > h or kw > w:
            break
        h, w = h - kh + 1, w - kw + 1
        layers += [f"conv{kh}x{kw}x{o}", str(rng.choice(acts))]
        if h % 2 == 0 and w % 2 == 0 and rng.random() < 0.7:
            layers.append(str(rng.choice(["maxpool2", "avgpool2"])))
            h, w = h // 2, w // 2
    layers.append("flatten")
    if rng.random() < 0.5:
        layers += [f"dense{int(rng.integers(2, 6))}", str(rng.choice(acts))]
    layers.append(f"dense{int(rng.integers(2, 5))}")
    return ",".join(layers), shape


@pytest.mark.parametrize("seed", range(4))
def test_random_architectures_match_pytorch(seed):
    arch, shape = _random_arch(np.random.default_rng(seed))
    module = load(generate_cnn(arch, "softmax", "ce", input_shape=shape))
    assert _compare(module, seed) <= 1e-9, arch


def test_max_pooling_ties_go_to_the_first_maximum_like_pytorch(modules):
    """At a tie max is not differentiable; the documented convention (maxpool entry, note):
    δ goes to the first maximum of the window in row order, as PyTorch's max_pool2d does."""
    module = modules[0]  # has maxpool2
    x = np.array([[5.0, 7.0, 1.0, 1.0], [7.0, 2.0, 1.0, 1.0]])[None, None]  # two tied windows
    y, idx = module._maxpool(x.transpose(0, 2, 3, 1), 2)
    delta = np.array([[[[3.0], [4.0]]]])  # (N, Ho, Wo, C) = (1, 1, 2, 1)
    mine = module._maxpool_backward(delta, idx, 2, (1, 2, 4, 1)).transpose(0, 3, 1, 2)
    assert y.reshape(-1).tolist() == [7.0, 1.0]
    assert mine[0, 0].tolist() == [[0, 3, 4, 0], [0, 0, 0, 0]]
    t = torch.tensor(x, requires_grad=True)
    F.max_pool2d(t, 2).backward(torch.tensor(delta.transpose(0, 3, 1, 2)))
    assert np.array_equal(mine, t.grad.numpy())
