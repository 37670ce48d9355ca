"""The command line: sub-commands, exit codes, and error messages.  No math here.

Each sub-command lives in ``symbp/commands/<name>.py`` with ``add_parser(sub)``
and ``run(args) -> int``.  Library code raises :class:`~symbp.errors.SymbpError`;
this module prints its message and returns its exit code.  Exit codes are
listed in :mod:`symbp.errors` and in the README.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import itertools
import json
import os
import sys
import traceback

from . import __version__
from .errors import EXIT_INTERNAL, EXIT_USAGE, SymbpError

COMMANDS = ["list", "derive", "report", "verify", "check", "codegen", "gradcheck",
            "train", "evaluate", "experiment"]


#: set by :func:`main` when the command line asks for JSON output
_json_errors = False


def wants_json(argv: list[str]) -> bool:
    """``--json`` or ``--format json`` before any ``--``: errors are JSON on stdout too."""
    argv = argv[:argv.index("--")] if "--" in argv else argv
    return "--json" in argv or "--format=json" in argv or any(
        a == "--format" and b == "json" for a, b in itertools.pairwise(argv))


def fail(what: str, code: int, where: str | None = None, hint: str | None = None) -> int:
    """Print an error on stderr (and, in JSON mode, ``{"error": what, "where", "hint",
    "exit_code"}`` on stdout); return ``code``."""
    text = what + (f"\n  where: {where}" if where else "") + (f"\n  hint: {hint}" if hint else "")
    sys.stderr.write(f"error: {text}\n")
    if _json_errors:
        record = {"error": what, "where": where, "hint": hint, "exit_code": code}
        sys.stdout.write(json.dumps({k: v for k, v in record.items() if v is not None},
                                    ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return code


class _Parser(argparse.ArgumentParser):
    """argparse that exits with code 2 and a hint, never a traceback."""

    def error(self, message):
        self.print_usage(sys.stderr)
        sys.exit(fail(message, EXIT_USAGE, hint=f"`{self.prog} --help` lists the options"))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symbp", description="Derive, verify and use the mathematics of "
                     "neural-network backpropagation.")
    parser.add_argument("--version", action="version", version=f"symbp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module_name = f"symbp.commands.{name.replace('-', '_')}"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        p = module.add_parser(sub)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    global _json_errors
    _json_errors = wants_json(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args._run(args) or 0)
    except SymbpError as err:
        return fail(err.what, err.exit_code, err.where, err.hint)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except (MemoryError, RecursionError) as err:
        return fail(f"the input is too large or too deeply nested to process "
                    f"({type(err).__name__})", EXIT_USAGE, hint="split it into smaller pieces")
    except Exception as err:  # noqa: BLE001 - a bug: one clear line, never a traceback (unless asked for)
        if os.environ.get("SYMBP_DEBUG"):
            traceback.print_exc()
        return fail(f"internal error in symbp ({type(err).__name__}: {err})", EXIT_INTERNAL,
                    hint="this is a bug; please report it with the command line. "
                         "SYMBP_DEBUG=1 shows the traceback")
