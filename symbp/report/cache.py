"""A content-addressed cache of derivation views, so re-making a report is fast.

Verifying the whole catalog takes minutes; the views it produces (plain LaTeX
strings) depend only on the code and the catalog.  The cache key is a hash of
the engine's files (:data:`ENGINE`: witnesses, notation, report code), of the
shared catalog helpers ``derivations/_*.py``, of the entry's own catalog file
(and the catalog files it names), of the ``--path`` folders, of the
SymPy/mpmath versions, and of the entry name, language and cross-references;
any change to any of them is a miss, and a miss verifies again.  So
a cached view is the output of a real verification of exactly the same inputs
(as ``make`` reuses a build).  ``symbp report --no-cache`` ignores it.
Entries live as JSON files in ``<out>/.cache/`` (git-ignored with ``reports/``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from time import time_ns

from .build import DerivationView, PartView, StepView

VERSION = "1"


# what a derivation's verification can depend on, besides its own catalog file
ENGINE = ("core", "nn", "notation", "report", "api.py", "catalog.py", "verified.py",
          "errors.py", "__init__.py")


@lru_cache(maxsize=8)
def code_hash(paths: tuple[str, ...] = ()) -> str:
    """Hash of the engine (witnesses, notation, report code), the shared catalog helpers
    (``derivations/_*.py``), the ``--path`` folders and the SymPy/mpmath versions."""
    import mpmath
    import sympy

    import derivations
    import symbp

    h = hashlib.sha256(f"{VERSION} {sympy.__version__} {mpmath.__version__}".encode())
    pkg = Path(symbp.__file__).parent
    files = []
    for part in ENGINE:
        target = pkg / part
        files += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    for root in map(Path, derivations.__path__):
        files += sorted(root.glob("_*.py"))
    for p in paths:
        files += sorted(Path(p).rglob("*.py"))
    for f in files:
        if f.is_file():
            h.update(str(f).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:32]


def entry_hash(name: str) -> str:
    """Hash of the catalog file that defines ``name`` and of the catalog files it names."""
    import sys

    from ..catalog import get

    h = hashlib.sha256()
    module = sys.modules.get(get(name).origin)
    source = Path(getattr(module, "__file__", "") or "")
    files = [source] if source.is_file() else []
    if files:
        text = source.read_text(encoding="utf-8", errors="replace")
        for other in re.findall(r"(?:derivations\.|from \.)([A-Za-z_][A-Za-z0-9_]*)", text):
            files.append(source.parent / f"{other}.py")
    for f in files:
        if f.is_file():
            h.update(f.read_bytes())
    if not files:
        h.update(b"unknown origin " + str(time_ns()).encode())  # never a hit
    return h.hexdigest()[:16]


def _file(cache_dir: Path, name: str, lang: str, paths, known) -> Path:
    refs = hashlib.sha256(json.dumps(sorted((known or {}).items())).encode()).hexdigest()
    code = hashlib.sha256(f"{code_hash(tuple(paths or ()))} {entry_hash(name)}".encode())
    return cache_dir / f"{name}.{lang}.{code.hexdigest()[:16]}.{refs[:12]}.json"


def load(cache_dir: Path | None, name: str, lang: str, paths, known
         ) -> DerivationView | None:
    if cache_dir is None:
        return None
    f = _file(cache_dir, name, lang, paths, known)
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
        parts = [PartView(**{**p, "steps": [StepView(**s) for s in p["steps"]]})
                 for p in data.pop("parts")]
        data["definitions"] = [tuple(d) for d in data["definitions"]]
        return DerivationView(**data, parts=parts)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def store(cache_dir: Path | None, view: DerivationView, lang: str, paths, known) -> None:
    """Keep a verified entry's view.

    Only fully verified views are kept: an undecided step may be a symbolic timeout on a
    busy machine, and a failure should be looked at again, so those verify every time.
    """
    if cache_dir is None or view.error or not view.verified:
        return
    from . import write_atomic

    target = _file(cache_dir, view.name, lang, paths, known)
    code = target.name.split(".")[2]
    for old in cache_dir.glob(f"{view.name}.{lang}.*.json") if cache_dir.is_dir() else []:
        if old.name.split(".")[2] != code:
            old.unlink(missing_ok=True)  # stale: written by other code or catalog files
    write_atomic(target,
                 json.dumps(asdict(view), ensure_ascii=False))
