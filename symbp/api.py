"""The Python API, mirroring the CLI: ``symbp.derive("softmax_ce")``, ``symbp.catalog()``."""

from __future__ import annotations

import multiprocessing
import os

from . import catalog as _catalog
from .core.symbolic import DEFAULT_TIMEOUT
from .core.verify import verify_steps
from .verified import VerifiedDerivation

_CACHE: dict[tuple, VerifiedDerivation] = {}


def catalog(paths: list[str] | None = None) -> list[_catalog.Entry]:
    """Every registered derivation (built-in, ``$SYMBP_PATH`` and ``paths``)."""
    _catalog.load(paths)
    return _catalog.entries()


def build(name: str, paths: list[str] | None = None):
    """The unverified :class:`~symbp.core.proof.Derivation` called ``name``."""
    _catalog.load(paths)
    return _catalog.get(name).build()


def verify(derivation, *, timeout: float | None = DEFAULT_TIMEOUT) -> VerifiedDerivation:
    """Verify a (possibly modified) derivation object."""
    return VerifiedDerivation(derivation, verify_steps(derivation, timeout=timeout))


def derive(name: str, *, paths: list[str] | None = None,
           timeout: float | None = DEFAULT_TIMEOUT) -> VerifiedDerivation:
    """Build and verify the derivation ``name`` (cached per process)."""
    key = (name, tuple(paths or ()), timeout)
    if key not in _CACHE:
        _CACHE[key] = verify(build(name, paths), timeout=timeout)
    return _CACHE[key]


def _step_outcomes(name: str, paths: tuple, timeout):
    """Worker: derive ``name`` and return what is picklable of each step's result."""
    d = derive(name, paths=list(paths), timeout=timeout)
    return [(r.verdict, r.evidence, r.structure_ok, r.structure_detail) for r in d.results]


def derive_all(names: list[str] | None = None, *, paths: list[str] | None = None,
               timeout: float | None = DEFAULT_TIMEOUT,
               jobs: int | None = None) -> list[VerifiedDerivation]:
    """Derive many entries (default: the whole catalog), in ``jobs`` processes.

    ``jobs`` defaults to ``$SYMBP_JOBS`` or the number of CPUs.  Each worker
    derives whole entries; the parent rebuilds each derivation (cheap) and
    attaches the workers' verdicts and evidence to its steps.
    """
    from .core.proof import StepResult

    _catalog.load(paths)
    names = list(names) if names is not None else _catalog.names()
    jobs = jobs or int(os.environ.get("SYMBP_JOBS", 0)) or os.cpu_count() or 1
    todo = [n for n in names if (n, tuple(paths or ()), timeout) not in _CACHE]
    if jobs > 1 and len(todo) > 1 and "fork" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(min(jobs, len(todo))) as pool:
            outcomes = pool.starmap(_step_outcomes,
                                    [(n, tuple(paths or ()), timeout) for n in todo],
                                    chunksize=1)
        for name, outs in zip(todo, outcomes):
            derivation = build(name, paths)
            results = []
            index = 0
            for p_i, part in enumerate(derivation.parts):
                for step in part.steps:
                    verdict, evidence, ok, detail = outs[index]
                    index += 1
                    results.append(StepResult(step, p_i, index, verdict, evidence, ok, detail))
            _CACHE[(name, tuple(paths or ()), timeout)] = VerifiedDerivation(derivation, results)
    return [derive(n, paths=paths, timeout=timeout) for n in names]
