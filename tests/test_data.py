"""symbp.data: IDX parsing, checksums, search order, download into the cache, errors."""

import gzip
import hashlib
import os
import struct
import subprocess
import sys
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from symbp import data
from symbp.errors import DataError

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SYMBP_DATA", "/work/shared/data/mnist"))
N_TRAIN, N_TEST = 12, 5


def idx_bytes(arr: np.ndarray, magic=None) -> bytes:
    arr = np.asarray(arr, np.uint8)
    if arr.ndim == 1:
        head = struct.pack(">II", magic or data.LABEL_MAGIC, len(arr))
    else:
        head = struct.pack(">IIII", magic or data.IMAGE_MAGIC, len(arr), 28, 28)
    return head + arr.tobytes()


def tiny_arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {"train_images": rng.integers(0, 256, (N_TRAIN, 784), dtype=np.uint8),
            "train_labels": rng.integers(0, 10, N_TRAIN, dtype=np.uint8),
            "test_images": rng.integers(0, 256, (N_TEST, 784), dtype=np.uint8),
            "test_labels": rng.integers(0, 10, N_TEST, dtype=np.uint8)}


@pytest.fixture
def tiny(monkeypatch, tmp_path):
    """A registered 'tiny' data set (12/5 items) with MD5s of its decompressed bytes."""
    arrays = tiny_arrays()
    names = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
             "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}
    blobs = {role: idx_bytes(arrays[role]) for role in names}
    files = {role: data.FileSpec(names[role],
                                 data.IMAGE_MAGIC if "images" in role else data.LABEL_MAGIC,
                                 N_TRAIN if "train" in role else N_TEST,
                                 md5_raw=hashlib.md5(blobs[role]).hexdigest())
             for role in names}
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for role, blob in blobs.items():
        (mirror / (names[role] + ".gz")).write_bytes(gzip.compress(blob))
    spec = data.DatasetSpec("tiny", mirrors=(mirror.as_uri() + "/",), files=files)
    monkeypatch.setitem(data.DATASETS, "tiny", spec)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("SYMBP_DATA", raising=False)
    return {"arrays": arrays, "names": names, "blobs": blobs, "mirror": mirror, "spec": spec}


def write_folder(folder: Path, tiny, gz=True, override=None):
    folder.mkdir(parents=True, exist_ok=True)
    for role, name in tiny["names"].items():
        blob = (override or {}).get(role, tiny["blobs"][role])
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(blob))
        else:
            (folder / name).write_bytes(blob)
    return folder


@pytest.mark.parametrize("gz", [True, False])
def test_reads_raw_and_gzipped(tmp_path, tiny, gz):
    folder = write_folder(tmp_path / "d", tiny, gz=gz)
    d = data.load("tiny", data_dir=folder)
    np.testing.assert_array_equal(d.x_train, tiny["arrays"]["train_images"])
    np.testing.assert_array_equal(d.y_test, tiny["arrays"]["test_labels"])
    assert d.x_train.shape == (N_TRAIN, 784) and d.x_train.dtype == np.uint8


def test_checksum_mismatch_is_caught(tmp_path, tiny):
    bad = bytearray(tiny["blobs"]["train_images"])
    bad[100] ^= 0xFF  # one flipped pixel: format still fine, checksum not
    folder = write_folder(tmp_path / "d", tiny, override={"train_images": bytes(bad)})
    with pytest.raises(DataError, match="checksum mismatch"):
        data.load("tiny", data_dir=folder)


@pytest.mark.parametrize("case, message", [
    ("truncated", "truncated"),
    ("magic", "wrong magic number"),
    ("count", "expected 12"),
    ("short_header", "shorter than"),
])
def test_format_errors(tiny, case, message):
    spec = tiny["spec"].files["train_images"]
    blob = tiny["blobs"]["train_images"]
    bad = {"truncated": blob[:-7],
           "magic": struct.pack(">I", data.LABEL_MAGIC) + blob[4:],
           "count": blob[:4] + struct.pack(">I", 11) + blob[8:],
           "short_header": blob[:10]}[case]
    with pytest.raises(DataError, match=message):
        data.decode_idx(bad, spec, "test")


def test_corrupt_gzip(tmp_path, tiny):
    folder = write_folder(tmp_path / "d", tiny)
    path = folder / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-12])  # cut the gzip trailer
    with pytest.raises(DataError, match="corrupt or truncated gzip"):
        data.load("tiny", data_dir=folder)


def test_mismatched_image_and_label_counts(tmp_path, monkeypatch, tiny):
    # a data set whose spec allows 11 test labels (no checksum) against 5 images
    spec = tiny["spec"]
    files = dict(spec.files)
    files["test_labels"] = data.FileSpec("t10k-labels-idx1-ubyte", data.LABEL_MAGIC, 11)
    monkeypatch.setitem(data.DATASETS, "tiny", data.DatasetSpec("tiny", (), files))
    folder = write_folder(tmp_path / "d", tiny,
                          override={"test_labels": idx_bytes(np.zeros(11, np.uint8))})
    with pytest.raises(DataError, match="5 images but 11 labels"):
        data.load("tiny", data_dir=folder)


def test_missing_file_and_missing_folder(tmp_path, tiny):
    folder = write_folder(tmp_path / "d", tiny)
    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte"):
        data.load("tiny", data_dir=folder)
    with pytest.raises(DataError, match="does not exist"):
        data.load("tiny", data_dir=tmp_path / "nowhere")


def test_search_order_env_then_cache(tmp_path, monkeypatch, tiny):
    env_dir = write_folder(tmp_path / "env", tiny)
    monkeypatch.setenv("SYMBP_DATA", str(env_dir))
    assert data.load("tiny", download=False).source == str(env_dir)
    monkeypatch.setenv("SYMBP_DATA", str(tmp_path / "empty"))
    cache = write_folder(data.cache_dir("tiny"), tiny)
    assert data.load("tiny", download=False).source == str(cache)
    dirs = data.candidate_dirs("fashion-mnist", "x")
    assert dirs[0] == Path("x") and dirs[-1] == Path("/usr/share/datasets/fashion-mnist")


def test_download_into_cache_from_file_url(tiny, capsys):
    d = data.load("tiny")  # nothing local: downloads from the file:// mirror
    cache = data.cache_dir("tiny")
    assert d.source == str(cache)
    assert sorted(p.name for p in cache.iterdir()) == sorted(n + ".gz" for n in tiny["names"].values())
    assert "100.0%" in capsys.readouterr().err  # the progress bar


def test_failed_download_writes_nothing(tiny):
    bad = tiny["mirror"] / "t10k-images-idx3-ubyte.gz"
    bad.write_bytes(gzip.compress(tiny["blobs"]["test_images"][:-1]))
    with pytest.raises(DataError, match="download of t10k-images"):
        data.load("tiny")
    assert not data.cache_dir("tiny").exists()


def test_no_network_is_a_clear_error(tiny):
    def offline(url, timeout=None):
        raise urllib.error.URLError("network is unreachable")

    with pytest.raises(DataError) as info:
        data.load("tiny", opener=offline)
    assert "network is unreachable" in info.value.message()
    assert "--data-dir" in info.value.message()
    assert not data.cache_dir("tiny").exists()


def test_cli_exit_code_2_for_bad_data(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "symbp", "train", "--data-dir",
                           str(tmp_path / "missing"), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "does not exist" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_full_mnist_files():
    d = data.load("mnist", data_dir=SHARED)
    assert d.x_train.shape == (60000, 784) and d.x_test.shape == (10000, 784)
    assert np.bincount(d.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974,
                                              1009]


@pytest.fixture
def http_mirror(tiny):
    """The tiny mirror served over HTTP on 127.0.0.1 (pooch's HTTP downloader, no internet)."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(tiny["mirror"]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_download_over_http_falls_back_to_the_next_mirror(tiny, http_mirror, monkeypatch,
                                                          capsys):
    # the first mirror answers 404 for every file, the second has them
    spec = data.DatasetSpec("tiny", mirrors=(http_mirror + "missing/", http_mirror),
                            files=tiny["spec"].files)
    monkeypatch.setitem(data.DATASETS, "tiny", spec)
    d = data.load("tiny")
    np.testing.assert_array_equal(d.x_test, tiny["arrays"]["test_images"])
    cache = data.cache_dir("tiny")
    assert sorted(p.name for p in cache.iterdir()) == sorted(n + ".gz" for n in tiny["names"].values())
    err = capsys.readouterr().err
    assert "100.0%" in err
    assert err.count("100.0%") == 4
    # not a terminal: a few states per bar (the failed mirror's, pooch's reset, the last),
    # however many chunks arrive
    assert err.count("\r") <= 5 * 4


def test_failed_http_download_writes_nothing(tiny, http_mirror, monkeypatch):
    (tiny["mirror"] / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8bnot gzip")
    monkeypatch.setitem(data.DATASETS, "tiny",
                        data.DatasetSpec("tiny", mirrors=(http_mirror,), files=tiny["spec"].files))
    with pytest.raises(DataError, match="download of train-labels-idx1-ubyte.gz failed") as info:
        data.load("tiny")
    assert "corrupt or truncated gzip" in info.value.message()
    assert not data.cache_dir("tiny").exists()
