"""Training a convolutional network (``train --arch``, ``experiment cnn``) on small data.

The full MNIST runs (≥ 99 % test accuracy) are in benchmarks/cnn_vs_torch.py and the
README; here a tiny network learns 1500 MNIST images ($SYMBP_DATA) in seconds.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from symbp import data as data_mod
from symbp import runs
from symbp import train as tr
from symbp.commands.train import _arch_layers
from symbp.errors import UsageError
from symbp.experiments_cnn import CNN, cnn
from tests.test_train import MNIST, synthetic

ARCH = "conv3x3x4,relu,maxpool2,conv2x2x4,tanh,avgpool2,flatten,dense10"
TINY = replace(CNN, arch=ARCH, layers=_arch_layers(ARCH), epochs=2, batch_size=50, lr=0.05,
               train_limit=1500, test_limit=1000)


@pytest.fixture(scope="module")
def module_path(tmp_path_factory):
    """TINY's module, generated in this process (the derivations are cached here; the
    trainer's own path, a `symbp codegen` subprocess, is covered by tests/test_train.py)."""
    from symbp.codegen.conv import generate_cnn

    path = tmp_path_factory.mktemp("cnn-models") / "model.py"
    path.write_text(generate_cnn(TINY.arch, TINY.output, TINY.loss, dtype=TINY.dtype))
    return path


def test_arch_layers_count_the_parameter_layers():
    assert _arch_layers(CNN.arch) == (784, 16, 32, 128, 10)
    with pytest.raises(UsageError):
        _arch_layers("relu,maxpool2")


def test_a_small_cnn_learns_and_its_run_reloads(module_path, tmp_path):
    module = tr.load_module(module_path)
    data = data_mod.load("mnist", data_dir=MNIST)
    prep = tr.prepare(data, TINY, module.DTYPE)
    assert prep.x_train.shape[1] == 784  # flat rows; the module views them as (N, 1, 28, 28)
    result = tr.fit(module, TINY, prep)
    acc = [e["test_accuracy"] for e in result.epochs]
    assert acc[-1] > 0.6, acc  # 1500 MNIST images, 2 epochs; chance is 0.1
    assert result.params[0][0].shape == (4, 1, 3, 3)
    again = tr.fit(module, TINY, prep)  # deterministic
    assert [e["test_accuracy"] for e in again.epochs] == acc
    runs.save_run(tmp_path / "run", TINY, result, prep, module_path, 1.0)
    reloaded, params, cfg, mean, scale = runs.load_run(tmp_path / "run")
    assert cfg["arch"] == ARCH and len(params) == 3
    x = tr.apply_norm(data.x_test[:1000], mean, scale, np.dtype(reloaded.DTYPE))
    assert np.mean(reloaded.predict(params, x) == data.y_test[:1000]) == pytest.approx(acc[-1])


def test_experiment_cnn_writes_its_table_and_plot(tmp_path, monkeypatch, module_path):
    monkeypatch.setattr(tr, "generate_module", lambda cfg, cache=None: module_path)
    out = tmp_path / "exp"
    res = cnn(out, seeds=(0,), cfg=replace(TINY, epochs=1, train_limit=None),
              data=synthetic(300, 100))
    assert (out / "cnn.png").stat().st_size > 1000
    table = json.loads((out / "table.json").read_text())
    assert table["runs"][0]["seed"] == 0 and len(table["runs"][0]["test_accuracy"]) == 1
    assert "--arch " + ARCH in (out / "table.md").read_text()
    assert res["rows"][0]["train_seconds"][0] > 0
