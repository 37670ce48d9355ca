"""Time ``symbp report --all --pdf`` (the coursework PDF) and its two halves.

Prints the seconds of the whole command (a fresh process, as a user runs it):
cold (``--no-cache``: every entry verified again), and twice with the view
cache (the first run fills it, the second reuses it), and, for comparison in
the same run, a single-derivation PDF (``report softmax_ce --pdf``) with the
ratios: the machine is shared, so absolute numbers are noisy.  ``--entries``
adds per-entry derivation times, so a slow catalog entry is visible.

    python benchmarks/report_speed.py [--lang en|zh] [--entries]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _timed(cmd: list[str]) -> tuple[float, int, str]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    return time.perf_counter() - t, proc.returncode, proc.stderr.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", choices=["en", "zh"], default="en")
    ap.add_argument("--entries", action="store_true",
                    help="also time each entry's derivation (build + verify)")
    args = ap.parse_args()
    stem = "coursework" if args.lang == "en" else "coursework-zh"
    with tempfile.TemporaryDirectory() as out:
        base = [sys.executable, "-m", "symbp", "report", "--pdf", "--lang", args.lang,
                "--out", out]
        runs = [("report softmax_ce --pdf --no-cache", base + ["softmax_ce", "--no-cache"]),
                ("report --all --pdf --no-cache (cold)", base + ["--all", "--no-cache"]),
                ("report --all --pdf, first run (fills the cache)", base + ["--all"]),
                ("report --all --pdf, second run (cache warm)", base + ["--all"])]
        times = []
        for label, cmd in runs:
            seconds, rc, err = _timed(cmd)
            times.append(seconds)
            pages = _pages(Path(out) / f"{stem}.pdf") if "--all" in cmd else ""
            print(f"{label:50s} {seconds:7.1f} s  exit {rc} {pages}", flush=True)
            if rc != 0 and err:
                print("   stderr:", err[-1500:], flush=True)
        print(f"ratio all(cold)/single: {times[1] / times[0]:.1f}   "
              f"all(warm)/single: {times[3] / times[0]:.1f}", flush=True)
    if args.entries:
        sys.path.insert(0, str(ROOT))
        import symbp
        from symbp.catalog import names

        print("\nper entry (build + verify, one process, sequential):")
        for name in names():
            t = time.perf_counter()
            try:
                ok = symbp.derive(name).verified
            except symbp.errors.SymbpError as exc:  # a broken entry is reported, not fatal
                ok = f"error: {exc}"
            print(f"  {name:24s} {time.perf_counter() - t:6.1f} s  verified={ok}", flush=True)
    return 0


def _pages(pdf: Path) -> str:
    if not pdf.is_file():
        return "(no PDF)"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=False).stdout
    return next((f"({ln.split()[-1]} pages)" for ln in info.splitlines()
                 if ln.startswith("Pages:")), "")


if __name__ == "__main__":
    raise SystemExit(main())
