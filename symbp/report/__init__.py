"""Proof reports: verified derivations as standalone LaTeX documents and PDFs.

``write_report(names, out_dir, lang=...)`` derives and verifies each name,
builds plain views (:mod:`.build`), renders them with the Jinja2 templates
(:mod:`.render`) and writes the ``.tex`` atomically; :func:`.compile.compile_pdf`
turns it into a PDF.  The CLI front end is :mod:`symbp.commands.report`.
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .. import progress as _progress
from ..errors import SymbpError
from . import cache
from .build import DerivationView, derivation_view, error_view
from .render import render
from .results import load_results

__all__ = ["Report", "coursework_tex", "single_tex", "views_for", "write_atomic"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _view(args) -> tuple[DerivationView, str | None]:
    """Worker: derive ``name`` and return its view (strings only) or an error view."""
    name, lang, paths, known, strict = args
    from ..api import derive

    try:
        return derivation_view(derive(name, paths=paths), lang, known), None
    except SymbpError as err:
        if strict:
            raise
        return error_view(name, err.what, lang), err.what


def views_for(names: list[str], lang: str, paths: list[str] | None = None,
              known: dict[str, str] | None = None, strict: bool = True,
              jobs: int | None = None, cache_dir: str | os.PathLike | None = None,
              progress=None) -> list[tuple[DerivationView, str | None]]:
    """Views of ``names`` (in order): from the cache, else derived (in parallel when many).

    ``progress``: a stream (``sys.stderr``) for a tqdm bar over the entries being verified,
    drawn on a terminal or in Jupyter only (see :mod:`symbp.progress`)."""
    cache_dir = Path(cache_dir) if cache_dir is not None else None
    known = dict(known or {})
    got: dict[int, tuple[DerivationView, str | None]] = {}
    for i, n in enumerate(names):
        hit = cache.load(cache_dir, n, lang, paths, known)
        if hit is not None:
            got[i] = (hit, None)
    todo = [i for i in range(len(names)) if i not in got]
    tasks = {i: (names[i], lang, list(paths or []), known, strict) for i in todo}
    jobs = jobs or min(len(todo), os.cpu_count() or 1)
    bar = _progress.bar(progress, len(todo), "verifying", "derivation") if todo else None
    fresh = {}
    if jobs <= 1 or len(todo) < 3:
        for i in todo:
            fresh[i] = _view(tasks[i])
            if bar is not None:
                bar.update()
    else:
        # likely-slow entries (matrix and network derivations) first, so none starts last
        order = sorted(todo, key=lambda i: _HEAVY.get(_group(names[i]), 9))
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_view, tasks[i]): i for i in order}
            for future in as_completed(futures):
                fresh[futures[future]] = future.result()
                if bar is not None:
                    bar.set_postfix_str(names[futures[future]], refresh=False)
                    bar.update()
    if bar is not None:
        bar.close()
    for view, _ in fresh.values():
        cache.store(cache_dir, view, lang, paths, known)
    got.update(fresh)
    return [got[i] for i in range(len(names))]


_HEAVY = {"backprop": 0, "matrix": 1, "losses": 2}


def _group(name: str) -> str:
    from ..catalog import _REGISTRY

    entry = _REGISTRY.get(name)
    return entry.group if entry else ""


@dataclass
class Report:
    """A rendered document: its file stem, its LaTeX source, and entries that failed
    to build (``failed``: name, error) or are not verified (``unverified``: names)."""

    stem: str
    tex: str
    failed: list[tuple[str, str]]
    unverified: list[str] = field(default_factory=list)


def single_tex(name: str, lang: str = "en", *, paths=None, title=None, author="",
               date=None, cache_dir=None) -> Report:
    from ..catalog import get

    get(name)  # unknown names fail here, with suggestions
    view, _ = views_for([name], lang, paths, cache_dir=cache_dir)[0]
    groups = {name: get(name).group}
    tex = render([view], groups, lang=lang, title=title, author=author, date=date)
    return Report(name if lang == "en" else f"{name}-zh", tex, [],
                  [] if view.verified else [name])


def coursework_tex(lang: str = "en", *, paths=None, title=None, author="", results_dir=None,
                   date=None, jobs=None, cache_dir=None, progress=None) -> Report:
    """Every catalog entry in one document, grouped, with a results appendix if any."""
    from ..catalog import entries, load

    load(paths)
    ents = entries()
    known = {e.name: rf"\ref{{sec:{e.name}}}" for e in ents}
    pairs = views_for([e.name for e in ents], lang, paths, known, strict=False, jobs=jobs,
                      cache_dir=cache_dir, progress=progress)
    failed = [(v.name, err) for v, err in pairs if err]
    runs, where = load_results(results_dir)
    tex = render([v for v, _ in pairs], {e.name: e.group for e in ents}, lang=lang,
                 coursework=True, title=title, author=author, results=runs,
                 results_path=where, date=date)
    unverified = [v.name for v, err in pairs if not err and not v.verified]
    return Report("coursework" if lang == "en" else "coursework-zh", tex, failed, unverified)
