"""A content-addressed cache of derivation views, so re-making a report is fast.

Verifying the whole catalog takes minutes; the views it produces (plain LaTeX
strings) depend only on the code and the catalog.  The cache key is a hash of
every ``*.py`` file of the ``symbp`` and ``derivations`` packages, of the
``--path`` folders, of the SymPy/mpmath versions and of the entry name and
language; any change to any of them is a miss, and a miss verifies again.  So
a cached view is the output of a real verification of exactly the same inputs
(as ``make`` reuses a build).  ``symbp report --no-cache`` ignores it.
Entries live as JSON files in ``<out>/.cache/`` (git-ignored with ``reports/out``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

from .build import DerivationView, PartView, StepView

VERSION = "1"


@lru_cache(maxsize=8)
def code_hash(paths: tuple[str, ...] = ()) -> str:
    import mpmath
    import sympy

    import derivations
    import symbp

    h = hashlib.sha256(f"{VERSION} {sympy.__version__} {mpmath.__version__}".encode())
    roots = [Path(symbp.__file__).parent, *map(Path, derivations.__path__)]
    roots += [Path(p) for p in paths]
    for root in roots:
        for f in sorted(root.rglob("*.py")):
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:32]


def _file(cache_dir: Path, name: str, lang: str, paths, known) -> Path:
    refs = hashlib.sha256(json.dumps(sorted((known or {}).items())).encode()).hexdigest()
    return cache_dir / f"{name}.{lang}.{code_hash(tuple(paths or ()))[:16]}.{refs[:12]}.json"


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
