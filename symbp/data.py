"""MNIST and Fashion-MNIST in the standard IDX format: find, verify, load, download.

The four files of each data set (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``) are read raw or gzipped.

Checks, in order, for every file:

1. **Checksum.**  MNIST: the MD5 of the *decompressed* bytes (the widely published
   values, also listed in ``/work/shared/data/mnist/README.md``), so a re-made gzip wrapper
   still verifies.  Fashion-MNIST: Zalando publishes MD5s of the ``.gz`` files only
   (``zalandoresearch/fashion-mnist`` README); a ``.gz`` file is checked against those, a raw
   file is checked by magic number, shape and count only (we know no published MD5 of the
   decompressed Fashion-MNIST files).
2. **Magic number** (``0x00000801`` labels, ``0x00000803`` images), dimensions 28×28.
3. **Counts**: 60000 / 10000 items, the header count matches the bytes that follow, and the
   image and label counts agree.

Search order for a data set's folder: ``data_dir`` (``--data-dir``; when given it is the only
place looked at, so a wrong folder is an error, not a silent fallback), ``$SYMBP_DATA``, the
user cache ``$XDG_CACHE_HOME/symbp/<dataset>`` (default ``~/.cache/symbp/<dataset>``),
then the Debian package folder ``/usr/share/datasets/fashion-mnist`` (Fashion-MNIST).
If none holds the four files, they are downloaded from the standard mirrors into the user
cache with pooch (tqdm progress bar): each into a temporary file that is moved into place
only after its checksum and format pass; on any failure the temporary file, the files this
download already wrote and a cache folder it created are removed.

Every problem raises :class:`symbp.errors.DataError` (exit code 2).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import sys
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import DataError, UnknownName

IMAGE_MAGIC = 0x00000803
LABEL_MAGIC = 0x00000801
ROWS = COLS = 28


@dataclass(frozen=True)
class FileSpec:
    """One IDX file: its base name, magic number, item count and known checksums."""

    name: str
    magic: int
    count: int
    md5_raw: str | None = None  # MD5 of the decompressed bytes
    md5_gz: str | None = None   # MD5 of the published .gz file


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    mirrors: tuple[str, ...]
    files: dict = field(default_factory=dict)  # role -> FileSpec
    system_dirs: tuple[str, ...] = ()


def _files(md5s_raw, md5s_gz):
    roles = [("train_images", "train-images-idx3-ubyte", IMAGE_MAGIC, 60000),
             ("train_labels", "train-labels-idx1-ubyte", LABEL_MAGIC, 60000),
             ("test_images", "t10k-images-idx3-ubyte", IMAGE_MAGIC, 10000),
             ("test_labels", "t10k-labels-idx1-ubyte", LABEL_MAGIC, 10000)]
    return {role: FileSpec(name, magic, count, raw, gz)
            for (role, name, magic, count), raw, gz in zip(roles, md5s_raw, md5s_gz)}


DATASETS = {
    "mnist": DatasetSpec(
        "mnist",
        mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/"),
        files=_files(
            ["6bbc9ace898e44ae57da46a324031adb", "a25bea736e30d166cdddb491f175f624",
             "2646ac647ad5339dbf082846283269ea", "27ae3e4e09519cfbb04c329615203637"],
            [None] * 4)),
    "fashion-mnist": DatasetSpec(
        "fashion-mnist",
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        files=_files(
            [None] * 4,
            ["8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
             "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"]),
        system_dirs=("/usr/share/datasets/fashion-mnist",)),
}


@dataclass
class Data:
    """A loaded data set: images ``(n, 784)`` uint8, labels ``(n,)`` uint8."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str


# --------------------------------------------------------------------------- reading
def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def decode_idx(raw: bytes, spec: FileSpec, where: str) -> np.ndarray:
    """Parse IDX bytes (already decompressed) and check magic, dimensions and count."""
    header = 16 if spec.magic == IMAGE_MAGIC else 8
    if len(raw) < header:
        raise DataError(f"file is truncated: {len(raw)} bytes, shorter than its "
                        f"{header}-byte IDX header", where=where, hint=_REDOWNLOAD)
    head = np.frombuffer(raw, dtype=">u4", count=header // 4)
    magic, count = int(head[0]), int(head[1])
    if magic != spec.magic:
        raise DataError(f"wrong magic number 0x{magic:08x} (expected 0x{spec.magic:08x}: "
                        f"{'images' if spec.magic == IMAGE_MAGIC else 'labels'})",
                        where=where, hint="is this the right file? " + _REDOWNLOAD)
    if spec.magic == IMAGE_MAGIC and (int(head[2]), int(head[3])) != (ROWS, COLS):
        raise DataError(f"images are {int(head[2])}x{int(head[3])}, expected {ROWS}x{COLS}",
                        where=where)
    item = ROWS * COLS if spec.magic == IMAGE_MAGIC else 1
    if count != spec.count:
        raise DataError(f"header says {count} items, expected {spec.count}", where=where,
                        hint=_REDOWNLOAD)
    if len(raw) != header + count * item:
        raise DataError(f"file is truncated or padded: {len(raw) - header} data bytes for "
                        f"{count} items of {item} bytes", where=where, hint=_REDOWNLOAD)
    arr = np.frombuffer(raw, dtype=np.uint8, offset=header)
    return arr.reshape(count, item) if item > 1 else arr


_REDOWNLOAD = "delete the file and run again to re-download it, or pass --data-dir"


def _locate(folder: Path, spec: FileSpec) -> Path | None:
    for candidate in (folder / (spec.name + ".gz"), folder / spec.name):
        if candidate.is_file():
            return candidate
    return None


def read_file(path: Path, spec: FileSpec) -> np.ndarray:
    """Read one IDX file (gzipped or raw), verify its checksum and format."""
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read: {err.strerror}", where=str(path)) from None
    gz = blob[:2] == b"\x1f\x8b"
    raw = blob
    if gz:
        try:
            raw = gzip.decompress(blob)
        except (OSError, EOFError, zlib.error) as err:
            raise DataError(f"corrupt or truncated gzip file ({err})", where=str(path),
                            hint=_REDOWNLOAD) from None
    if spec.md5_raw is not None:
        got = _md5(raw)
        if got != spec.md5_raw:
            raise DataError(f"checksum mismatch: MD5 of the decompressed bytes is {got}, "
                            f"expected {spec.md5_raw}", where=str(path), hint=_REDOWNLOAD)
    elif gz and spec.md5_gz is not None:
        got = _md5(blob)
        if got != spec.md5_gz:
            raise DataError(f"checksum mismatch: MD5 of the .gz file is {got}, expected the "
                            f"published {spec.md5_gz}", where=str(path), hint=_REDOWNLOAD)
    return decode_idx(raw, spec, str(path))


def read_folder(folder: Path, dataset: str = "mnist") -> Data:
    """Load the four files of ``dataset`` from ``folder`` (all checks applied)."""
    spec = dataset_spec(dataset)
    folder = Path(folder)
    arrays = {}
    for role, fspec in spec.files.items():
        path = _locate(folder, fspec)
        if path is None:
            raise DataError(f"{fspec.name}(.gz) not found", where=str(folder),
                            hint="the folder must hold the four IDX files")
        arrays[role] = read_file(path, fspec)
    for part in ("train", "test"):
        n_img, n_lab = len(arrays[f"{part}_images"]), len(arrays[f"{part}_labels"])
        if n_img != n_lab:
            raise DataError(f"{part} set has {n_img} images but {n_lab} labels", where=str(folder))
        if arrays[f"{part}_labels"].max(initial=0) > 9:
            raise DataError(f"{part} labels outside 0..9", where=str(folder))
    return Data(dataset, arrays["train_images"], arrays["train_labels"],
                arrays["test_images"], arrays["test_labels"], str(folder))


def dataset_spec(dataset: str) -> DatasetSpec:
    if dataset not in DATASETS:
        raise UnknownName("data set", dataset, DATASETS, option="--dataset")
    return DATASETS[dataset]


# --------------------------------------------------------------------------- searching
def cache_dir(dataset: str) -> Path:
    """The user cache folder of a data set (``$XDG_CACHE_HOME`` or ``~/.cache``)."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "symbp" / dataset


def candidate_dirs(dataset: str, data_dir: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched, in order (see the module docstring)."""
    spec = dataset_spec(dataset)
    dirs = []
    if data_dir:
        dirs.append(Path(data_dir))
    env = os.environ.get("SYMBP_DATA")
    if env:
        base = Path(env)
        # $SYMBP_DATA may point at the data set folder itself or at a parent of several
        dirs += [base / dataset, base] if dataset != "mnist" else [base, base / dataset]
    dirs.append(cache_dir(dataset))
    dirs += [Path(d) for d in spec.system_dirs]
    return dirs


def _complete(folder: Path, spec: DatasetSpec) -> bool:
    return all(_locate(folder, f) is not None for f in spec.files.values())


def load(dataset: str = "mnist", data_dir=None, download: bool = True,
         opener=None, progress=True) -> Data:
    """Find (or download) and load ``dataset``; raises DataError on any problem."""
    spec = dataset_spec(dataset)
    if data_dir:
        # an explicit folder is authoritative: read it or say exactly what is wrong with it
        if not Path(data_dir).is_dir():
            raise DataError(f"data folder {data_dir} does not exist", where="--data-dir",
                            hint="pass a folder holding the four IDX files (raw or .gz)")
        return read_folder(Path(data_dir), dataset)
    searched = candidate_dirs(dataset)
    for folder in searched:
        if _complete(folder, spec):
            return read_folder(folder, dataset)
    if not download:
        raise DataError(f"{dataset} not found", where="searched: " + ", ".join(map(str, searched)),
                        hint="pass --data-dir DIR or set SYMBP_DATA to a folder with the four "
                             "IDX files")
    target = cache_dir(dataset)
    fetch(dataset, target, opener=opener, progress=progress, searched=searched)
    return read_folder(target, dataset)


# --------------------------------------------------------------------------- downloading
# pooch does the downloading: a temporary file in the cache folder, moved into place only
# after the checks pass (and deleted otherwise), the known .gz hash, HTTP(S) through requests
# with a tqdm bar.  What it does not do is added here: several mirrors (tried in turn), the
# MD5 of the *decompressed* bytes and the IDX format (checked inside the downloader, on
# pooch's temporary file), file:// mirrors and an ``opener`` hook (tests; urllib streams those).
_BAR_FORMAT = "{desc}: {percentage:5.1f}% |{bar}| {n_fmt}/{total_fmt} [{elapsed}, {rate_fmt}]"


def _bar_options() -> dict:
    """Redraw often on a terminal; in a log (CI, a pipe) only the first and the last state."""
    from .progress import live

    return {"bar_format": _BAR_FORMAT, "file": sys.stderr, "unit_divisor": 1024,
            "mininterval": 0.1 if live(sys.stderr) else 3600}


def _bar(name: str):
    """A tqdm bar for pooch's HTTP downloader (which sets ``total`` from Content-Length)."""
    from tqdm import tqdm

    class Bar(tqdm):
        def __bool__(self):  # pooch asks `if progressbar:`; a tqdm's truth is its total
            return True

    return Bar(total=None, desc=name, unit="B", unit_scale=True, leave=True, **_bar_options())


def _downloader(fspec: FileSpec, opener, progress):
    """A pooch downloader for ``fspec``: fetch, then check checksum and format (DataError)."""
    import pooch

    def download(url, output_file, pooch_instance=None):
        if opener is None and url.startswith(("http://", "https://")):
            bar = _bar(fspec.name) if progress else False
            try:
                pooch.HTTPDownloader(progressbar=bar, timeout=30)(url, output_file,
                                                                  pooch_instance)
            finally:
                if bar:
                    bar.close()  # pooch closes it only after a complete download
        else:
            from tqdm import tqdm

            with (opener or urllib.request.urlopen)(url, timeout=30) as resp, \
                    open(output_file, "wb") as out:
                total = resp.headers.get("Content-Length") if hasattr(resp, "headers") else None
                with tqdm.wrapattr(out, "write", total=int(total) if total else None,
                                   desc=fspec.name, disable=not progress,
                                   **_bar_options()) as sink:
                    shutil.copyfileobj(resp, sink, 1 << 16)
        read_file(Path(output_file), fspec)  # raises DataError; pooch then deletes the file

    return download


def _retrieve(url: str, dest: Path, fspec: FileSpec, opener, progress) -> None:
    """Download ``url`` to ``dest`` through pooch; ``dest`` appears only once it is checked."""
    import pooch

    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # no "Downloading …"/"SHA256 hash of …" chatter: the bar says it
    try:
        pooch.retrieve(url, known_hash=f"md5:{fspec.md5_gz}" if fspec.md5_gz else None,
                       fname=dest.name, path=dest.parent,
                       downloader=_downloader(fspec, opener, progress))
    finally:
        logger.setLevel(level)


def fetch(dataset: str, target: Path, opener=None, progress=True, searched=()) -> Path:
    """Download the four files of ``dataset`` into ``target`` (the cache).

    Tries each mirror in turn.  Nothing is left behind on failure: temporary files and the
    files this call already wrote are removed, and so is ``target`` when this call created
    it.
    """
    spec = dataset_spec(dataset)
    target = Path(target)
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        for fspec in spec.files.values():
            dest = target / (fspec.name + ".gz")
            if dest.exists():
                continue
            written.append(dest)
            errors = []
            for mirror in spec.mirrors:
                try:
                    _retrieve(mirror + fspec.name + ".gz", dest, fspec, opener, progress)
                    break
                except DataError as err:
                    errors.append(f"{mirror}: {err.what}")
                except ValueError as err:  # pooch: the .gz hash differs from the known one
                    errors.append(f"{mirror}: {err}")
                except OSError as err:  # URLError, requests' errors, timeouts, refused
                    errors.append(f"{mirror}: {getattr(err, 'reason', err)}")
            else:
                where = "searched: " + ", ".join(map(str, searched)) if searched else None
                raise DataError(f"{dataset} not found locally and the download of "
                                f"{fspec.name}.gz failed ({'; '.join(errors)})", where=where,
                                hint="pass --data-dir DIR or set SYMBP_DATA to a folder with "
                                     "the four IDX files (no network?)")
    except BaseException:
        for path in written:  # all or nothing: a failed fetch leaves the cache as it was
            path.unlink(missing_ok=True)
        if created and not any(target.iterdir()):
            target.rmdir()
        raise
    return target
