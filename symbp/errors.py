"""Typed errors of symbp: each says what was wrong, where, and what to do.

Library code raises these and never prints or exits; only :mod:`symbp.cli`
turns them into a message and an exit code.

Exit codes (documented in the README):

==== ==========================================================
0    success (every step verified / claim true)
1    a step or claim is false, a gradient check failed, training diverged
2    usage or input error (bad name, bad argument, parse error, bad data)
3    undecided (the checker could not decide; it never guesses)
4    a required external tool is missing (e.g. TeX for ``--pdf``)
5    an external tool ran and failed (e.g. a LaTeX compile error)
70   internal error: a bug in symbp (the CLI says so in one line; ``SYMBP_DEBUG=1``
     shows the traceback)
==== ==========================================================
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

EXIT_OK = 0
EXIT_FALSE = 1
EXIT_USAGE = 2
EXIT_UNDECIDED = 3
EXIT_MISSING_TOOL = 4
EXIT_TOOL_FAILED = 5
EXIT_INTERNAL = 70  # sysexits EX_SOFTWARE


class SymbpError(Exception):
    """Base class: ``what`` went wrong, ``where`` (optional), ``hint`` what to do."""

    exit_code = EXIT_USAGE

    def __init__(self, what: str, where: str | None = None, hint: str | None = None):
        super().__init__(what)
        self.what = what
        self.where = where
        self.hint = hint

    def message(self) -> str:
        parts = [self.what]
        if self.where:
            parts.append(f"  where: {self.where}")
        if self.hint:
            parts.append(f"  hint: {self.hint}")
        return "\n".join(parts)

    def __str__(self) -> str:  # pragma: no cover - exercised through message()
        return self.message()


class UsageError(SymbpError):
    """A command was called with arguments that do not make sense."""


class UnknownName(SymbpError):
    """A name (derivation, activation, loss, context, …) is not registered."""

    def __init__(self, kind: str, given: str, known: Iterable[str], option: str | None = None):
        known = sorted(known)
        close = difflib.get_close_matches(given, known, n=5, cutoff=0.5)
        if not close:
            close = [k for k in known if given.lower() in k.lower() or k.lower() in given.lower()][:5]
        self.suggestions = close
        hint = f"did you mean: {', '.join(close)}?" if close else None
        listing = f"known {kind}s: {', '.join(known)}"
        hint = f"{hint} ({listing})" if hint else listing
        super().__init__(f"unknown {kind} '{given}'", where=option, hint=hint)


class InputError(SymbpError):
    """User input (LaTeX, a file, data) could not be read or parsed."""


class DataError(InputError):
    """A data file is missing, corrupt, truncated or fails its checksum."""


class DerivationError(SymbpError):
    """A derivation is malformed (not a verification failure: a building error)."""


class MissingToolError(SymbpError):
    """An external program (latexmk, xelatex, …) is not installed."""

    exit_code = EXIT_MISSING_TOOL


class ToolFailedError(SymbpError):
    """An external program ran and failed (its relevant output is in ``where``)."""

    exit_code = EXIT_TOOL_FAILED


class NumericalError(SymbpError):
    """Training diverged (NaN/inf) or a numerical check could not run."""

    exit_code = EXIT_FALSE
