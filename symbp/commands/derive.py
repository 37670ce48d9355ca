"""``symbp derive NAME``: build a derivation, verify every step, print it."""

from __future__ import annotations

import sys

from ..errors import EXIT_FALSE, EXIT_OK, EXIT_UNDECIDED


def add_parser(sub):
    p = sub.add_parser(
        "derive", help="derive and verify one catalog entry",
        description="Build the derivation NAME, verify every step with a symbolic and a "
                    "numeric witness, and print it. Exit 0 when every step is verified, "
                    "1 when a step fails, 3 when a step is undecided, 2 for usage errors.")
    p.add_argument("name", metavar="NAME", help="a catalog name (see `symbp list`)")
    p.add_argument("--format", choices=["text", "latex", "json"], default="text")
    p.add_argument("--path", action="append", default=[], metavar="DIR",
                   help="also load derivation files from DIR")
    p.add_argument("--timeout", type=float, default=4.0, metavar="SECONDS",
                   help="time limit of the symbolic witness per step (default 4)")
    return p


def run(args) -> int:
    from ..api import derive

    result = derive(args.name, paths=args.path, timeout=args.timeout)
    if args.format == "json":
        print(result.to_json())
    elif args.format == "latex":
        print(result.latex())
    else:
        print(result.text())
    if result.verified:
        return EXIT_OK
    failed = ", ".join(f"step {r.index} ({r.verdict.value})" for r in result.failures)
    sys.stderr.write(f"{args.name}: not verified: {failed}\n")
    return EXIT_FALSE if result.verdict.value == "false" else EXIT_UNDECIDED
