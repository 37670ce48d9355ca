"""The Python API, mirroring the CLI: ``symbp.derive("softmax_ce")``, ``symbp.catalog()``."""

from __future__ import annotations

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
