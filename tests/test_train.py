"""symbp.train with generated modules: learning, determinism, the gradient watch, saving.

Modules are generated once per session by ``symbp codegen`` (through the trainer's own
cache).  The in-process tests use a small synthetic data set (class templates + noise);
the CLI tests use 2000 real MNIST images.
"""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from symbp import train as tr
from symbp.data import Data
from symbp.errors import NumericalError, UsageError

ROOT = Path(__file__).resolve().parent.parent
MNIST = os.environ.get("SYMBP_DATA", "/work/shared/data/mnist")
SMALL = tr.TrainConfig(layers=(784, 16, 10), hidden="sigmoid", output="softmax", loss="ce",
                       epochs=2, batch_size=50, lr=0.5, init="xavier", normalize="scale")


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def small_module(model_cache):
    return tr.generate_module(SMALL, cache=model_cache)


def synthetic(n_train=600, n_test=200, seed=0) -> Data:
    """Ten random 28x28 templates plus noise: learnable, but not trivially."""
    rng = np.random.default_rng(seed)
    templates = rng.integers(0, 256, (10, 784))

    def draw(n):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        x = templates[labels] + rng.normal(0, 90, (n, 784))
        return np.clip(x, 0, 255).astype(np.uint8), labels

    (xtr, ytr), (xte, yte) = draw(n_train), draw(n_test)
    return Data("synthetic", xtr, ytr, xte, yte, "memory")


def env_for(model_cache):
    return dict(os.environ, PYTHONPATH=str(ROOT), SYMBP_DATA=MNIST,
                XDG_CACHE_HOME=str(model_cache.parent / "xdg"))


def test_learns_and_is_deterministic(small_module):
    module = tr.load_module(small_module)
    prep = tr.prepare(synthetic(), SMALL, module.DTYPE)
    a = tr.fit(module, SMALL, prep)
    b = tr.fit(module, SMALL, prep)
    assert a.epochs[-1]["test_accuracy"] > 0.8  # chance is 0.1
    assert a.iter_loss[-1] < a.iter_loss[0]
    assert a.iter_loss == b.iter_loss  # same seed, same arguments: same numbers
    for (W1, b1), (W2, b2) in zip(a.params, b.params):
        np.testing.assert_array_equal(W1, W2)
        np.testing.assert_array_equal(b1, b2)
    c = tr.fit(module, replace(SMALL, seed=1), prep)
    assert c.iter_loss != a.iter_loss
    assert all(W.dtype == np.float32 for W, _ in a.params)


def test_momentum_l2_and_schedule_run(small_module):
    module = tr.load_module(small_module)
    prep = tr.prepare(synthetic(), SMALL, module.DTYPE)
    cfg = replace(SMALL, momentum=0.9, l2=5e-4, lr=0.05, lr_schedule="exp:0.5", epochs=3)
    res = tr.fit(module, cfg, prep)
    assert [e["lr"] for e in res.epochs] == pytest.approx([0.05, 0.025, 0.0125])
    assert res.epochs[-1]["test_accuracy"] > 0.8


def test_nan_stops_cleanly(small_module):
    module = tr.load_module(small_module)
    prep = tr.prepare(synthetic(), SMALL, module.DTYPE)
    prep.x_train[5] = np.nan  # one poisoned sample: its batch's loss is NaN
    with pytest.raises(NumericalError, match="diverged"):
        tr.fit(module, SMALL, prep)


def test_watch_warns_once_per_layer_and_kind():
    res = tr.Result(params=[])
    seen = []
    watch = tr._Watch(res, seen.append)
    big = np.full((10, 10), 100.0, np.float32)  # norm 1000 > EXPLODING
    tiny = np.full((10, 10), 1e-6, np.float32)
    for it in range(3):
        watch.check(it, 1.0, [(tiny, None), (big, None)])
    assert len(seen) == 2
    assert "layer 1 gradient is vanishing" in seen[0]
    assert "layer 2 gradient is exploding" in seen[1]
    with pytest.raises(NumericalError):
        watch.check(3, float("nan"), [(big, None)])


@pytest.mark.parametrize("change, option", [
    ({"epochs": 0}, "--epochs"), ({"lr": -1.0}, "--lr"), ({"momentum": 1.0}, "--momentum"),
    ({"init": "gauss"}, "--init"), ({"lr_schedule": "exp"}, "--lr-schedule"),
    ({"layers": (784,)}, "--layers"),
])
def test_bad_config(change, option):
    with pytest.raises(UsageError) as info:
        replace(SMALL, **change).validate()
    assert info.value.where == option


def test_lr_schedules():
    cfg = replace(SMALL, lr=1.0, epochs=4)
    assert [tr.lr_at(replace(cfg, lr_schedule="step:0.1:2"), e) for e in range(4)] == \
        pytest.approx([1, 1, 0.1, 0.1])
    assert tr.lr_at(replace(cfg, lr_schedule="linear"), 2) == pytest.approx(0.5)
    assert tr.lr_at(replace(cfg, lr_schedule="linear"), 2.75) == pytest.approx(0.5)
    anneal = replace(cfg, lr_schedule="anneal")
    assert [tr.lr_at(anneal, e) for e in (0, 1.5, 3.9)] == pytest.approx([1, 0.625, 0.025])
    with pytest.raises(UsageError):
        tr.lr_at(replace(cfg, lr_schedule="anneal:2"), 0)


def test_anneal_lowers_the_rate_inside_an_epoch(small_module):
    """Per-iteration schedule: two runs that differ only in const vs anneal diverge."""
    module = tr.load_module(small_module)
    prep = tr.prepare(synthetic(), SMALL, module.DTYPE)
    const = tr.fit(module, replace(SMALL, epochs=1), prep)
    anneal = tr.fit(module, replace(SMALL, epochs=1, lr_schedule="anneal"), prep)
    assert const.iter_loss[0] == anneal.iter_loss[0]  # the first batch sees the full rate
    assert const.iter_loss[-1] != anneal.iter_loss[-1]


def test_training_never_imports_sympy(small_module, tmp_path):
    d = synthetic()
    np.savez(tmp_path / "d.npz", xtr=d.x_train, ytr=d.y_train, xte=d.x_test, yte=d.y_test)
    code = ("import sys; import numpy as np; from symbp import train as tr;"
            "from symbp.data import Data;"
            "z = np.load(sys.argv[2]);"
            "d = Data('s', z['xtr'], z['ytr'], z['xte'], z['yte'], 'npz');"
            "cfg = tr.TrainConfig(layers=(784, 16, 10), batch_size=50, lr=0.5, epochs=2,"
            " normalize='scale');"
            "m = tr.load_module(sys.argv[1]);"
            "r = tr.fit(m, cfg, tr.prepare(d, cfg, m.DTYPE));"
            "assert 'sympy' not in sys.modules, 'sympy imported';"
            "print(r.epochs[-1]['test_accuracy'])")
    proc = subprocess.run([sys.executable, "-c", code, str(small_module), str(tmp_path / "d.npz")],
                          capture_output=True, text=True, check=False, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout) > 0.8


def _train_cli(args, env):
    return subprocess.run([sys.executable, "-m", "symbp", "train", *args],
                          capture_output=True, text=True, env=env, check=False, cwd=ROOT)


def test_cli_train_small_mnist_and_evaluate(tmp_path, small_module, model_cache):
    env = env_for(model_cache)
    common = ["--layers", "784,16,10", "--epochs", "2", "--batch-size", "50", "--lr", "0.5",
              "--train-limit", "2000", "--normalize", "scale", "--module", str(small_module)]
    proc = _train_cli([*common, "--out", str(tmp_path / "a")], env)
    assert proc.returncode == 0, proc.stderr
    assert "epoch 2: train loss" in proc.stdout
    metrics = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert 0.7 < metrics["test_accuracy"] <= 1  # chance is 0.1
    assert {"wall_seconds", "args", "seed", "epochs"} <= set(metrics)
    assert len(metrics["epochs"]) == 2
    assert {"train_loss", "test_loss", "test_accuracy", "seconds"} <= set(metrics["epochs"][0])
    for name in ("loss.png", "model.npz", "model.py"):
        assert (tmp_path / "a" / name).stat().st_size > 0
    assert (tmp_path / "a" / "loss.png").read_bytes()[:4] == b"\x89PNG"

    again = _train_cli([*common, "--out", str(tmp_path / "b")], env)
    assert again.returncode == 0, again.stderr
    other = json.loads((tmp_path / "b" / "metrics.json").read_text())
    assert [e["test_loss"] for e in other["epochs"]] == [e["test_loss"] for e in metrics["epochs"]]
    assert other["iteration_loss"] == metrics["iteration_loss"]

    ev = subprocess.run([sys.executable, "-m", "symbp", "evaluate", str(tmp_path / "a"),
                         "--format", "json"], capture_output=True, text=True, env=env,
                        check=False, cwd=ROOT)
    assert ev.returncode == 0, ev.stderr
    report = json.loads(ev.stdout)
    assert report["test_accuracy"] == pytest.approx(metrics["test_accuracy"])
    cm = np.array(report["confusion"])
    assert cm.shape == (10, 10) and cm.sum() == 10000 and np.trace(cm) == report["correct"]


def test_cli_divergence_saves_nothing(tmp_path, small_module, model_cache):
    proc = _train_cli(["--layers", "784,16,10", "--epochs", "1", "--lr", "1e38",
                       "--init", "uniform", "--normalize", "whiten", "--train-limit", "2000",
                       "--module", str(small_module), "--out", str(tmp_path / "run")],
                      env_for(model_cache))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "diverged" in proc.stderr and "no model was saved" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "run" / "model.npz").exists()


def test_cli_generates_and_caches_module(tmp_path, model_cache):
    env = env_for(model_cache)
    args = ["--layers", "784,8,10", "--epochs", "1", "--lr", "0.5", "--train-limit", "500",
            "--quiet"]
    first = _train_cli([*args, "--out", str(tmp_path / "a")], env)
    assert first.returncode == 0, first.stderr
    cached = list((Path(env["XDG_CACHE_HOME"]) / "symbp" / "models").glob("model_*.py"))
    assert len(cached) >= 1
    used = first.stdout.split("module ")[1].split()[0]
    assert Path(used) in cached
    second = _train_cli([*args, "--out", str(tmp_path / "b")], env)
    assert second.returncode == 0, second.stderr
    assert f"module {used}" in second.stdout  # reused, not regenerated
    text = (tmp_path / "a" / "model.py").read_text()
    assert "generated by symbp" in text and "--layers 784,8,10" in text


def test_progress_one_line_per_epoch_off_a_terminal(small_module):
    import io

    module = tr.load_module(small_module)
    prep = tr.prepare(synthetic(), SMALL, module.DTYPE)
    log = io.StringIO()  # not a terminal: a CI log or a pipe
    tr.fit(module, SMALL, prep, stream=log)
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    assert [ln.split(":")[0] for ln in lines] == ["epoch 1/2", "epoch 2/2"], lines
    assert all("12 batches, loss " in ln for ln in lines)

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    tty = Terminal()
    tr.fit(module, SMALL, prep, stream=tty)
    assert "epoch 2/2: 100%" in tty.getvalue() and "12/12" in tty.getvalue()  # tqdm's bar
