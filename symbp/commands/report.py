"""``symbp report NAME ... | --all``: LaTeX proof reports (and PDFs with ``--pdf``).

Writes one standalone ``.tex`` per NAME (``NAME.tex``, ``NAME-zh.tex``) or, with
``--all``, one coursework document (``coursework.tex``) into ``--out``
(default ``reports``).  Exit codes: 0 written (and compiled), 1 a derivation
in the document is not verified or could not be built (the document says so),
2 usage error, 4 TeX missing (the .tex is still written), 5 LaTeX failed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import EXIT_FALSE, EXIT_OK, UsageError
from ._outputs import check_out_folder, writing_into


def add_parser(sub):
    p = sub.add_parser(
        "report", help="write LaTeX/PDF proof reports (English or Chinese)",
        description="Write a standalone LaTeX report per derivation NAME, or one coursework "
                    "document with --all; compile it with latexmk when --pdf is given. "
                    "Exit 0 ok, 1 a derivation is not verified, 2 usage error, "
                    "4 TeX not installed (the .tex is still written), 5 LaTeX failed.")
    p.add_argument("names", nargs="*", metavar="NAME", help="catalog names (see `symbp list`)")
    p.add_argument("--all", action="store_true", help="one coursework document with every entry")
    p.add_argument("--lang", choices=["en", "zh"], default="en",
                   help="language of the text (zh compiles with XeLaTeX and ctex)")
    p.add_argument("--out", default="reports", metavar="DIR",
                   help="output folder (default reports)")
    p.add_argument("--pdf", action="store_true", help="also compile the PDF with latexmk")
    p.add_argument("--title", help="document title (default: the derivation's title)")
    p.add_argument("--author", default="", help="author line")
    p.add_argument("--results", default=None, metavar="DIR",
                   help="training runs (DIR/*/metrics.json) for the coursework appendix "
                        "(default: runs/ if it exists)")
    p.add_argument("--no-cache", action="store_true",
                   help="verify every derivation again instead of reusing the views kept in "
                        "DIR/.cache (they are reused only if no code or catalog file changed)")
    p.add_argument("--path", action="append", default=[], metavar="DIR",
                   help="also load derivation files from DIR")
    return p


def run(args) -> int:
    with writing_into(args.out):
        return _run(args)


def _run(args) -> int:
    from .. import report
    from ..report.compile import compile_pdf

    if args.all and args.names:
        raise UsageError("give NAMEs or --all, not both")
    if not args.all and not args.names:
        raise UsageError("nothing to report", hint="give catalog NAMEs (see `symbp list`) "
                                                   "or --all for the coursework document")
    check_out_folder(args.out)  # before minutes of verifying, not after
    cache_dir = None if args.no_cache else Path(args.out) / ".cache"
    if args.all:
        results = args.results
        if results is None and Path("runs").is_dir():
            results = "runs"
        docs = [report.coursework_tex(args.lang, paths=args.path, title=args.title,
                                      author=args.author, results_dir=results,
                                      cache_dir=cache_dir, progress=sys.stderr)]
    else:
        docs = [report.single_tex(n, args.lang, paths=args.path, title=args.title,
                                  author=args.author, cache_dir=cache_dir)
                for n in args.names]
    out = Path(args.out)
    written = []
    for doc in docs:
        tex_path = report.write_atomic(out / f"{doc.stem}.tex", doc.tex)
        print(f"wrote {tex_path}")
        written.append((doc, tex_path))
    code = EXIT_OK
    for doc, tex_path in written:
        for name, err in doc.failed:
            sys.stderr.write(f"warning: {name} could not be built: {err}\n")
            code = EXIT_FALSE
        for name in doc.unverified:
            sys.stderr.write(f"warning: {name} is NOT verified (the report in {tex_path} "
                             f"marks the failing steps; `symbp derive {name}` shows why)\n")
            code = EXIT_FALSE
    if args.pdf:
        for _, tex_path in written:
            pdf = compile_pdf(tex_path, args.lang)
            print(f"wrote {pdf}")
    return code
