"""``symbp verify 'LATEX'``: judge one claim (or a chain ``a = b = c``) written in LaTeX.

Exit codes: 0 true, 1 false, 3 undecided, 2 input error (see :mod:`symbp.errors`).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field

from ..core.verdict import Verdict
from ..errors import EXIT_FALSE, EXIT_OK, EXIT_UNDECIDED, EXIT_USAGE, InputError, UsageError

EPILOG = r"""notation understood (latex2sympy2 plus symbp's notation layer):
  \sigma(z) is the logistic sigmoid unless --define'd; primes \sigma'(z), f'(x) are derivatives
  \tanh \ln \log (natural) \exp e^{..} \max \lim_{c\to\infty} \frac{\partial C}{\partial z_j} \frac{d}{dz}
  indexed families z_j a_k w_{jk}; \delta_{jk} is Kronecker's; \sum_{k=1}^{n} (or \sum_k) binds k
  layer superscripts are labels: a^L a^{l-1} W^{l+1} \delta^l z^L_j w^l_{jk}  (x^2 is a power)
  matrices: bold names, capitals (with --context matrix or next to ^T, \odot, tr, det);
  ^T ^\top ^{\mathsf T}, \odot, \mathrm{tr}, \mathrm{diag}, |X| \det, X^{-1}, \|v\|_2^2
  \mathrm{softmax}(z)_j; differentials dX, d(XY), \mathrm{d}x; assumptions \sum_{j=1}^{n} y_j = 1
exit codes: 0 true, 1 false, 3 undecided, 2 input error"""


def add_parser(sub):
    import argparse

    p = sub.add_parser(
        "verify", help="check a LaTeX claim (lhs = rhs, or a chain a = b = c)",
        description="Check a claim written in LaTeX with a symbolic and a numeric witness. "
                    "true only when both agree; false with a counterexample; undecided "
                    "with the reason.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("claim", nargs="?", metavar="LATEX", help="the claim; '-' reads stdin")
    p.add_argument("--context", action="append", default=[], metavar="NAME",
                   help="named definitions to use (see --list-contexts); repeatable")
    p.add_argument("--define", action="append", default=[], metavar="LATEX",
                   help=r"a definition such as '\sigma(z) = \frac{1}{1+e^{-z}}'; repeatable")
    p.add_argument("--assume", action="append", default=[], metavar="LATEX",
                   help=r"an assumption such as '\sum_j y_j = 1'; repeatable")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                   help="time limit of the symbolic witness per step (default 10); "
                        "the whole step is bounded by 3x this + 2 s")
    p.add_argument("--list-contexts", action="store_true", help="list the named contexts")
    return p


EXIT = {"true": EXIT_OK, "false": EXIT_FALSE, "undecided": EXIT_UNDECIDED}


def format_value(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list):
        return "[" + ", ".join(format_value(x) for x in v) + "]"
    return str(v)


def format_counterexample(cx: dict, indent: str = "  ") -> list[str]:
    lines = []
    for key in ("sizes", "indices", "shapes", "lhs_shape", "rhs_shape", "reason"):
        if cx.get(key):
            val = cx[key]
            if isinstance(val, dict):
                val = ", ".join(f"{k}={v}" for k, v in val.items())
            lines.append(f"{indent}{key}: {val}")
    values = cx.get("values") or {}
    if values:
        shown = list(values.items())[:12]
        more = f", … ({len(values) - 12} more)" if len(values) > 12 else ""
        lines.append(f"{indent}at: " + ", ".join(f"{k}={format_value(v)}" for k, v in shown)
                     + more)
    for side in ("lhs", "rhs"):
        if side in cx:
            lines.append(f"{indent}{side} = {format_value(cx[side])}")
    return lines


def render(result) -> str:
    lines = [f"claim: {result.claim}", f"verdict: {result.verdict.value}"]
    if len(result.steps) > 1:
        for i, s in enumerate(result.steps, 1):
            lines.append(f"  step {i}: {s.lhs} = {s.rhs}  → {s.verdict.value}")
    lines.append(f"reason: {result.reason}")
    if result.counterexample:
        lines.append("counterexample:")
        lines += format_counterexample(result.counterexample)
    return "\n".join(lines)


def step_bound(timeout: float) -> float:
    """The hard limit of one step (and of reading the claim): 3·S + 2 s."""
    return 3 * timeout + 2


def _judge_classified(claim, contexts, defines, assumes, timeout):
    """:func:`judge` (run in the worker); a claim nested too deeply is an InputError.
    Anything else escaping judge() is a bug in symbp: the CLI reports it as exit 70."""
    from ..claims.judge import judge

    try:
        return judge(claim, contexts, defines, assumes, timeout=timeout)
    except RecursionError:
        raise InputError("the claim is nested too deeply to read") from None


@dataclass
class Unfinished:
    """A claim whose reading did not end within the bound: undecided, with the reason."""

    claim: str
    reason: str
    verdict: Verdict = Verdict.UNDECIDED
    counterexample: dict | None = None
    steps: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"claim": self.claim, "verdict": self.verdict.value, "reason": self.reason,
                "counterexample": None, "steps": []}


def bounded_judge(claim: str, contexts=(), defines=(), assumes=(), *, timeout: float,
                  worker=None):
    """Judge ``claim`` in a worker process: reading and every step end within
    :func:`step_bound` seconds whatever the input (a step that overruns is undecided,
    "time limit"; a claim whose reading overruns is :class:`Unfinished`, undecided).

    Pass a :class:`~symbp.core.worker.BoundedWorker` to reuse one worker for many claims.
    Raises :class:`InputError` when the claim cannot be read.
    """
    from ..claims import judge as _  # noqa: F401 - imported here, once: the worker forks with it
    from ..core.worker import BoundedWorker, JobTimedOut, WorkerDied

    bound = step_bound(timeout)
    own = worker is None
    worker = worker or BoundedWorker()
    try:
        return worker.run(_judge_classified,
                          (claim, list(contexts), list(defines), list(assumes), timeout),
                          step_seconds=bound)
    except JobTimedOut as exc:
        what = "reading the claim" if exc.phase == "reading" else "the check"
        return Unfinished(claim, f"{what} did not finish in {bound:g} s (time limit; "
                                 f"stopped): an exact value too large to compute, or "
                                 f"--timeout {timeout:g} is too short")
    except WorkerDied as exc:
        return Unfinished(claim, f"the check was stopped: {exc}")
    finally:
        if own:
            worker.close()


def run(args) -> int:
    from ..notation.contexts import listing

    if args.list_contexts:
        print(listing())
        return EXIT_OK
    claim = args.claim
    if claim is None:
        raise UsageError("no claim given", hint="symbp verify 'x + x = 2x'")
    if claim == "-":
        try:
            claim = sys.stdin.read()
        except (OSError, UnicodeDecodeError) as exc:  # no readable standard input
            raise UsageError(f"'-' reads the claim from standard input, which could not be "
                             f"read ({exc.__class__.__name__})",
                             hint="pipe the claim in, or give it as an argument") from None
    if args.timeout is None or not (0 < args.timeout <= 600):
        raise UsageError("--timeout must be between 0 and 600 seconds")
    try:
        result = bounded_judge(claim, args.context, args.define, args.assume,
                               timeout=args.timeout)
    except InputError as err:
        if args.json:
            print(json.dumps({"claim": claim, "verdict": "error", "reason": err.message(),
                              "counterexample": None, "steps": [], "error": err.what,
                              "where": err.where, "hint": err.hint, "exit_code": EXIT_USAGE},
                             ensure_ascii=False))
            return EXIT_USAGE
        raise
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, default=str))
    else:
        print(render(result))
    return EXIT[result.verdict.value]
