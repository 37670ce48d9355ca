"""The catalog of derivations: registration, discovery and lookup.

Built-in derivations live in the top-level ``derivations`` package, one file
per topic; a user's own live in any folder given with ``--path DIR`` or in
``$SYMBP_PATH`` (several folders separated by ``os.pathsep``).  Each file
registers functions with :func:`derivation`; nothing is built or verified
until it is asked for.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .core.proof import Builder, Derivation
from .errors import DerivationError, InputError, UnknownName

GROUPS = {
    "activations": ("Activation functions", "激活函数"),
    "softmax": ("Softmax", "Softmax 函数"),
    "losses": ("Losses and output deltas", "损失函数与输出层误差"),
    "backprop": ("Backpropagation", "反向传播"),
    "matrix": ("Matrix calculus", "矩阵微积分"),
    "stability": ("Numerically stable forms", "数值稳定形式"),
    "conv": ("Convolutional layers", "卷积层"),
    "exercises": ("Exercises", "习题"),
}


@dataclass(frozen=True)
class Entry:
    name: str
    summary: str
    group: str
    build_fn: Callable[[Builder], None]
    title: str
    title_zh: str
    source: str
    origin: str  # module or file it came from
    summary_zh: str = ""  # the summary in Chinese ("" = the reports show ``summary``)
    source_zh: str = ""  # the citation in Chinese ("" = the reports show ``source``)

    def build(self) -> Derivation:
        b = Builder(self.name)
        self.build_fn(b)
        return b.build(self.title, self.summary, self.group, self.title_zh, self.source)


_REGISTRY: dict[str, Entry] = {}
_LOADED_PATHS: set[str] = set()
_BUILTINS_LOADED = False


def derivation(name: str, summary: str, *, group: str, title: str | None = None,
               title_zh: str = "", source: str = "", summary_zh: str = "", source_zh: str = ""):
    """Register a catalog function ``f(d: Builder)`` under ``name``.

    ``title_zh``, ``summary_zh`` and ``source_zh`` are the Chinese texts of ``title``,
    ``summary`` and ``source``; a Chinese report falls back to the English one when the
    Chinese text is empty."""
    if group not in GROUPS:
        raise DerivationError(f"derivation '{name}': unknown group '{group}'",
                              hint=f"use one of {', '.join(GROUPS)}")

    def register(fn):
        _REGISTRY[name] = Entry(name, summary, group, fn, title or summary, title_zh,
                                source, getattr(fn, "__module__", "?"), summary_zh, source_zh)
        return fn

    return register


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    import derivations

    for info in sorted(pkgutil.iter_modules(derivations.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"derivations.{info.name}")


def load_path(folder: str | os.PathLike) -> list[str]:
    """Import every ``*.py`` in ``folder``; return the names it registered."""
    path = Path(folder)
    if not path.is_dir():
        raise InputError(f"derivation folder '{folder}' does not exist",
                         where="--path / $SYMBP_PATH",
                         hint="give a folder that contains derivation files (*.py)")
    key = str(path.resolve())
    if key in _LOADED_PATHS:
        return []
    _LOADED_PATHS.add(key)
    before = set(_REGISTRY)
    for file in sorted(path.glob("*.py")):
        mod_name = f"symbp_user_{abs(hash(str(file.resolve())))}_{file.stem}"
        spec = importlib.util.spec_from_file_location(mod_name, file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise InputError(f"could not load derivation file: {type(exc).__name__}: {exc}",
                             where=str(file),
                             hint="fix the error in that file (it is ordinary Python)") from None
    return sorted(set(_REGISTRY) - before)


def load(paths: list[str] | None = None) -> None:
    _load_builtins()
    env = os.environ.get("SYMBP_PATH", "")
    for folder in [p for p in env.split(os.pathsep) if p] + list(paths or []):
        load_path(folder)


def entries() -> list[Entry]:
    load()
    order = list(GROUPS)
    return sorted(_REGISTRY.values(), key=lambda e: (order.index(e.group), e.name))


def names() -> list[str]:
    return [e.name for e in entries()]


def registered(name: str) -> Entry | None:
    """The entry registered under ``name`` so far, or None (loads nothing, raises nothing)."""
    return _REGISTRY.get(name)


def get(name: str) -> Entry:
    load()
    if name not in _REGISTRY:
        raise UnknownName("derivation", name, _REGISTRY, option="NAME")
    return _REGISTRY[name]
