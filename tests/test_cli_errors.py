"""Issue 13: user errors are exit 2 with a one-line message (never exit 70 or a traceback),
checked before any long work; hostile input ends in bounded time."""

from __future__ import annotations

import json
import os
import stat
import tempfile
import time

import pytest

from symbp.cli import main

ARCH = ["--layers", "4,3,2", "--hidden", "sigmoid", "--output", "softmax", "--loss", "ce"]


def _error(capsys) -> str:
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert err.startswith("error:"), err
    return err


def test_codegen_out_is_a_directory(capsys, tmp_path):
    assert main(["codegen", *ARCH, "-o", str(tmp_path)]) == 2
    err = _error(capsys)
    assert "is a directory" in err and "model.py" in err
    assert list(tmp_path.iterdir()) == []


def test_codegen_out_folder_missing(capsys, tmp_path):
    assert main(["codegen", *ARCH, "-o", str(tmp_path / "no" / "m.py")]) == 2
    assert "does not exist" in _error(capsys)


def test_codegen_out_not_writable_is_exit_2(capsys, tmp_path, monkeypatch):
    # root can write anywhere: simulate the refusal the file system gives everyone else
    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    assert main(["codegen", *ARCH, "-o", str(tmp_path / "m.py")]) == 2
    err = _error(capsys)
    assert "cannot write" in err and "Permission denied" in err
    assert not (tmp_path / "m.py").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file modes")
def test_codegen_out_read_only_folder(capsys, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert main(["codegen", *ARCH, "-o", str(ro / "m.py")]) == 2
        assert "not writable" in _error(capsys)
    finally:
        ro.chmod(0o755)


def test_generated_module_mode_follows_the_umask(capsys, tmp_path):
    old = os.umask(0o022)
    try:
        assert main(["codegen", *ARCH, "-o", str(tmp_path / "a.py")]) == 0
        os.umask(0o027)
        assert main(["codegen", *ARCH, "-o", str(tmp_path / "b.py")]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.py").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.py").stat().st_mode) == 0o640


def test_codegen_power_tower_activation_is_bounded(capsys, monkeypatch):
    from symbp.commands import codegen

    monkeypatch.setattr(codegen, "CUSTOM_PHASE_SECONDS", 3.0)
    start = time.monotonic()
    code = main(["codegen", "--layers", "4,3,2", "--output", "softmax", "--loss", "ce",
                 "--hidden", "f=z**2**2**2**2"])
    assert code == 2
    err = _error(capsys)
    assert "did not finish in 3 s" in err and "--hidden" in err
    assert time.monotonic() - start < 3.0 * 4 + 10  # a few phases at most, loaded machine


def test_codegen_custom_activation_still_works_and_errors_travel(capsys):
    assert main(["codegen", "--layers", "4,3,2", "--output", "softmax", "--loss", "ce",
                 "--hidden", "sq=z**2"]) == 0
    assert "def loss_and_gradients" in capsys.readouterr().out
    assert main(["codegen", "--layers", "4,3,2", "--output", "softmax", "--loss", "ce",
                 "--hidden", "f=y**2"]) == 2
    _error(capsys)
