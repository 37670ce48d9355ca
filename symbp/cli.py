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
import os
import sys
import traceback

from . import __version__
from .errors import EXIT_INTERNAL, EXIT_USAGE, SymbpError

COMMANDS = ["list", "derive", "report", "verify", "check", "codegen", "gradcheck",
            "train", "evaluate", "experiment"]


class _Parser(argparse.ArgumentParser):
    """argparse that exits with code 2 and a hint, never a traceback."""

    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write(f"error: {message}\n  hint: `{self.prog} --help` lists the options\n")
        sys.exit(EXIT_USAGE)


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
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args._run(args) or 0)
    except SymbpError as err:
        sys.stderr.write(f"error: {err.message()}\n")
        return err.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except (MemoryError, RecursionError) as err:
        sys.stderr.write(f"error: the input is too large or too deeply nested to process "
                         f"({type(err).__name__})\n  hint: split it into smaller pieces\n")
        return EXIT_USAGE
    except Exception as err:  # a bug: one clear line, never a traceback (unless asked for)
        if os.environ.get("SYMBP_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(f"error: internal error in symbp ({type(err).__name__}: {err})\n"
                         f"  hint: this is a bug; please report it with the command line. "
                         f"SYMBP_DEBUG=1 shows the traceback\n")
        return EXIT_INTERNAL
