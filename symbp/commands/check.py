"""``symbp check FILE``: check every equation chain of a .tex or .md document.

Exit 0 when no step is false, 1 when some step is false, 2 when the file cannot be read.
"""

from __future__ import annotations

import json

from ..errors import EXIT_FALSE, EXIT_OK, UsageError


def add_parser(sub):
    p = sub.add_parser(
        "check", help="check the equations of a .tex / .md document",
        description="Find the display equations of a document (equation, align, $$…$$, "
                    "\\[…\\]), treat '=' / '&=' continuation lines as one chain, check every "
                    "step, and report the first wrong step of each chain with its line and a "
                    "counterexample. Comment lines '% symbp: define …', '% symbp: assume …', "
                    "'% symbp: context NAME' apply to later equations.")
    p.add_argument("file", metavar="FILE", help="a .tex or .md file")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                   help="time limit of the symbolic witness per step (default 10); "
                        "the whole step is bounded by 3x this + 2 s")
    return p


def run(args) -> int:
    from ..claims.document import check_document, report_dict
    from .verify import format_counterexample

    if not (0 < args.timeout <= 600):
        raise UsageError("--timeout must be between 0 and 600 seconds")
    report = check_document(args.file, timeout=args.timeout)
    if args.json:
        print(json.dumps(report_dict(report), ensure_ascii=False, default=str))
        return EXIT_FALSE if report.any_false else EXIT_OK
    counts = {"true": 0, "false": 0, "undecided": 0, "error": 0}
    for c in report.chains:
        claim = " = ".join(c.sides)
        if c.error:
            counts["error"] += 1
            print(f"{args.file}:{c.line}: could not read: {c.error}\n    {claim}")
            continue
        r = c.result
        counts[r.verdict.value] += 1
        n = len(r.steps)
        if r.verdict.value == "true":
            print(f"{args.file}:{c.line}: true ({n} step{'s' * (n > 1)} verified)")
            continue
        i = r.first_wrong
        if i is None:
            i = next(k for k, s in enumerate(r.steps) if s.verdict.value != "true")
        s = r.steps[i]
        print(f"{args.file}:{c.lines[i + 1]}: {s.verdict.value} at step {i + 1} of {n}: "
              f"{s.lhs} = {s.rhs}\n    reason: {s.reason}")
        if s.counterexample:
            print("\n".join(format_counterexample(s.counterexample, "    ")))
    print(f"{len(report.chains)} chain(s): {counts['true']} true, {counts['false']} false, "
          f"{counts['undecided']} undecided, {counts['error']} unreadable")
    return EXIT_FALSE if report.any_false else EXIT_OK
