"""``symbp check FILE``: check every equation chain of a .tex or .md document.

Exit 0 when no step is false (chains that could not be read or decided are listed in the
summary, not failed), 1 when some step is false, 2 when the file cannot be read.

``--report OUT.pdf`` (``--lang en|zh``) also writes the checked notes as a PDF report
(:mod:`symbp.report.check_report`; ``OUT.tex`` writes its LaTeX source).  The exit code
stays the verdicts' unless the report fails: 2 the path cannot be written (refused before
the check), 4 TeX is not installed, 5 LaTeX failed; no output file is left then.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..errors import EXIT_FALSE, EXIT_OK, UsageError
from ._outputs import check_out_folder, writing_into


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
    p.add_argument("--budget", type=float, default=900.0, metavar="SECONDS",
                   help="time budget of the whole document (default 900); chains not reached "
                        "by then are reported as not checked and the report says PARTIAL")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="chains checked in parallel worker processes (default: up to 2)")
    p.add_argument("--report", metavar="PDF", default=None,
                   help="also write the checked notes as a report: OUT.pdf (compiled with "
                        "latexmk; exit 4 without TeX, 5 when LaTeX fails, and no file is "
                        "left) or OUT.tex (the LaTeX source)")
    p.add_argument("--lang", choices=["en", "zh"], default=None,
                   help="language of the --report (default en; zh compiles with XeLaTeX "
                        "and ctex, as does a report with any Chinese text)")
    return p


def _check_report_path(path: str, source: str, lang: str) -> None:
    """Refuse a --report path that cannot be written, before the check (not after)."""
    target = Path(path)
    if target.suffix.lower() not in (".pdf", ".tex"):
        raise UsageError(f"--report {path}: the report is a .pdf (or a .tex for its LaTeX "
                         "source)", where="--report", hint="e.g. --report notes-checked.pdf")
    if target.is_dir():
        raise UsageError(f"--report {path} is a folder", where="--report",
                         hint="give a file name ending in .pdf")
    if os.path.exists(source) and target.exists() and os.path.samefile(source, target):
        raise UsageError(f"--report {path} is the document being checked", where="--report",
                         hint="give another file name")
    check_out_folder(str(target.parent), option="--report folder")
    if target.suffix.lower() == ".pdf":
        from ..report.check_report import require_tex

        require_tex(lang)


def run(args) -> int:
    from ..claims.document import check_document

    if not (0 < args.timeout <= 600):
        raise UsageError("--timeout must be between 0 and 600 seconds")
    if args.jobs is not None and not (1 <= args.jobs <= 64):
        raise UsageError("--jobs must be between 1 and 64")
    if args.budget is not None and not (0 < args.budget <= 86400):
        raise UsageError("--budget must be between 0 and 86400 seconds")
    if args.lang is not None and args.report is None:
        raise UsageError("--lang is the language of the --report", where="--lang",
                         hint="add --report OUT.pdf, or leave --lang out")
    if args.report is not None:
        _check_report_path(args.report, args.file, args.lang or "en")
    report = check_document(args.file, timeout=args.timeout, jobs=args.jobs, budget=args.budget)
    code = _print(args, report)
    if args.report is not None:
        _write_report(args, report)
    return code


def _write_report(args, report) -> None:
    from ..report.check_report import write_check_report

    def warn(message):
        sys.stderr.write(f"warning: {message}\n")

    folder = str(Path(args.report).parent)
    with writing_into(folder, option="--report"):
        out = write_check_report(report, args.report, args.lang or "en",
                                 timeout=args.timeout, warn=warn)
    print(f"wrote {out}", file=sys.stderr if args.json else sys.stdout)


def _print(args, report) -> int:
    """The report as text (or JSON) on stdout; the exit code of the verdicts."""
    from ..claims.document import report_dict, summary, verdict_of
    from .verify import format_counterexample

    if args.json:
        print(json.dumps(report_dict(report), ensure_ascii=False, default=str))
        return EXIT_FALSE if report.any_false else EXIT_OK
    totals = summary(report)
    print(f"{args.file}: {totals['chains']} chain(s): {totals['definitions']} definition(s) "
          f"picked up; {totals['true']} true, {totals['false']} false, "
          f"{totals['undecided']} undecided, {totals['unread']} not read"
          + (" (PARTIAL: the time budget ended the check)" if report.partial else ""))
    for c in report.chains:
        claim = " = ".join(c.sides)
        verdict = verdict_of(c)
        used = (" [definitions used: " + ", ".join(
            f"{n} (line {report.definitions[n][0]})" for n in c.used) + "]") if c.used else ""
        if verdict == "unread":
            print(f"{args.file}:{c.line}: could not read: {c.error}\n    {claim}")
            continue
        if verdict == "definition":
            print(f"{args.file}:{c.line}: definition of {c.definition}")
            continue
        r = c.result
        off = 1 if c.definition else 0
        n = len(r.steps)
        head = f"definition of {c.definition}; then " if c.definition else ""
        if verdict == "true":
            print(f"{args.file}:{c.line}: {head}true ({n} step{'s' * (n > 1)} verified){used}")
            continue
        i = r.first_wrong
        if i is None:
            i = next(k for k, s in enumerate(r.steps) if s.verdict.value != "true")
        s = r.steps[i]
        print(f"{args.file}:{c.step_line(i + 1 + off)}: {head}{s.verdict.value} at step "
              f"{i + 1 + off} of {n + off}: {s.lhs} = {s.rhs}{used}\n    reason: {s.reason}")
        if s.counterexample:
            print("\n".join(format_counterexample(s.counterexample, "    ")))
    return EXIT_FALSE if report.any_false else EXIT_OK
