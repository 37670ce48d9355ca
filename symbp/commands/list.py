"""``symbp list``: every derivation in the catalog with a one-line description."""

from __future__ import annotations

import json


def add_parser(sub):
    p = sub.add_parser("list", help="list the derivations in the catalog",
                       description="List every derivation (built-in, $SYMBP_PATH, --path).")
    p.add_argument("--path", action="append", default=[], metavar="DIR",
                   help="also load derivation files from DIR (repeatable)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def run(args) -> int:
    from .. import catalog

    catalog.load(args.path)
    entries = catalog.entries()
    if args.json:
        print(json.dumps([{"name": e.name, "group": e.group, "summary": e.summary}
                          for e in entries], ensure_ascii=False, indent=2))
        return 0
    width = max(len(e.name) for e in entries)
    group = None
    for e in entries:
        if e.group != group:
            group = e.group
            print(f"\n{catalog.GROUPS[group][0]}:")
        print(f"  {e.name:<{width}}  {e.summary}")
    return 0
