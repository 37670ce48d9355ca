"""symbp.experiments: the learning-slowdown experiment end to end (generated 1-1 nets)."""

import json

import pytest

from symbp import experiments


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def test_learning_slowdown_shows_saturation(tmp_path, cache):
    out = tmp_path / "ls"
    res = experiments.learning_slowdown(out, steps=200)
    quad, ce = res["rows"]
    assert "quadratic" in quad["cost"] and "cross-entropy" in ce["cost"]
    # both start from the same saturated neuron: a = σ(4) ≈ 0.982
    assert quad["output"][0] == pytest.approx(0.98201, abs=1e-4)
    assert ce["output"][0] == pytest.approx(quad["output"][0])
    # after 50 steps cross-entropy has moved far, the quadratic cost hardly (σ′ ≈ 0.018)
    assert ce["output"][1] < 0.5 < quad["output"][1]
    assert json.loads((out / "table.json").read_text())[0]["steps"][0] == 0
    assert (out / "table.md").read_text().startswith("# learning-slowdown")
    assert (out / "learning-slowdown.png").read_bytes()[:4] == b"\x89PNG"


def test_best_command_is_a_train_command():
    cmd = experiments.best_command(experiments.BEST)
    assert cmd.startswith("python -m symbp train --layers ")
    assert f"--epochs {experiments.BEST.epochs}" in cmd
