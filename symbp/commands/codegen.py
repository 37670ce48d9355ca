"""``symbp codegen``: write a NumPy forward/backward module printed from verified derivations."""

from __future__ import annotations

import os
import sys
import tempfile

from ..errors import EXIT_OK, InputError, UsageError


def add_architecture_arguments(p, *, dtype: bool = True) -> None:
    """Options shared by ``codegen`` and ``gradcheck``."""
    p.add_argument("--layers", metavar="N0,N1,...",
                   help="layer sizes, input first, e.g. 784,100,10 (or --arch)")
    from .cnn import add_arch_arguments

    add_arch_arguments(p)
    p.add_argument("--hidden", metavar="ACT",
                   help="hidden activation: a registered name or NAME=EXPR in z "
                        "(SymPy syntax), e.g. 'softsign=z/(1+Abs(z))'")
    p.add_argument("--hidden-latex", metavar="NAME=LATEX",
                   help="hidden activation in LaTeX, e.g. 'softsign=\\frac{z}{1+|z|}'")
    p.add_argument("--output", metavar="ACT",
                   help="output activation: softmax or a registered name or NAME=EXPR")
    p.add_argument("--output-latex", metavar="NAME=LATEX", help="output activation in LaTeX")
    p.add_argument("--loss", required=True, metavar="LOSS", help="ce, bce or mse")
    p.add_argument("--layout", default="rows", choices=["rows", "columns"],
                   help="rows: X is (batch, n_in), z = X W + b (default); "
                        "columns: z = W a + b as in the course notes")
    if dtype:
        p.add_argument("--dtype", default="float64", choices=["float32", "float64"])


def parse_layers(text: str) -> tuple[int, ...]:
    try:
        layers = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise UsageError(f"--layers must be comma-separated integers, got '{text}'",
                         where="--layers", hint="e.g. --layers 784,100,10") from None
    if len(layers) < 2:
        raise UsageError(f"--layers needs at least an input and an output size, got '{text}'",
                         where="--layers", hint="e.g. --layers 784,100,10")
    if any(n < 1 for n in layers):
        raise UsageError(f"every layer needs at least one unit, got '{text}'", where="--layers")
    return layers


def architecture(args):
    """(layers, hidden, output, loss) from the parsed arguments; raises on bad input."""
    from ..codegen.spec import resolve
    from ..nn.losses import LOSSES

    if not args.layers:
        raise UsageError("give --layers (e.g. 784,100,10) or --arch (a network with "
                         "convolutions)", where="--layers")
    layers = parse_layers(args.layers)
    LOSSES.get(args.loss, option="--loss")
    if args.hidden and args.hidden_latex:
        raise UsageError("give --hidden or --hidden-latex, not both", where="--hidden")
    if args.output and args.output_latex:
        raise UsageError("give --output or --output-latex, not both", where="--output")
    if args.output is None and args.output_latex is None:
        raise UsageError("--output is required", where="--output",
                         hint="e.g. --output softmax --loss ce")
    if args.hidden or args.hidden_latex:
        hidden = resolve(args.hidden, args.hidden_latex, "--hidden", allow_softmax=False)
    elif len(layers) > 2:
        raise UsageError("--hidden is required when there are hidden layers", where="--hidden",
                         hint="e.g. --hidden sigmoid")
    else:  # no hidden layer: the hidden activation is never used
        hidden = resolve("linear", None, "--hidden", allow_softmax=False)
    output = resolve(args.output, args.output_latex, "--output", allow_softmax=True)
    return layers, hidden, output, args.loss


def add_parser(sub):
    p = sub.add_parser(
        "codegen", help="generate NumPy forward/backward code from the derivations",
        description="Print a NumPy module (forward pass, loss, gradients) whose every formula "
                    "comes from a verified derivation, each line citing its derivation step. "
                    "Exit 0 on success, 2 for bad arguments (nothing is written then).")
    add_architecture_arguments(p)
    p.add_argument("-o", "--out", metavar="FILE", help="output file (default: standard output)")
    return p


def check_output_file(path: str, option: str = "-o") -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    full = os.path.abspath(path)
    folder = os.path.dirname(full)
    if os.path.isdir(full):
        raise UsageError(f"{option} {path} is a directory, not a file", where=option,
                         hint=f"give a file name, e.g. {os.path.join(path, 'model.py')}")
    if not os.path.isdir(folder):
        raise InputError(f"the folder of the output file does not exist: {folder}",
                         where=option, hint="create the folder or choose another path")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"cannot write {path}: the folder {folder} is not writable "
                         f"(no write permission, or a read-only file system)",
                         where=option, hint="choose a writable folder")
    if os.path.exists(full) and not os.access(full, os.W_OK):
        raise InputError(f"cannot write {path}: the file is read-only", where=option,
                         hint="make it writable or choose another path")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: str, text: str, option: str = "-o") -> None:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace`` (no partial file).
    The file gets the usual mode 0644 (0666 less the umask), not mkstemp's 0600."""
    check_output_file(path, option)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".symbp-", suffix=".py.tmp", dir=folder)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}", where=option,
                         hint="choose a writable folder") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise InputError(f"cannot write {path}: {exc.strerror}", where=option,
                         hint="choose a writable path") from None
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


#: time limit of each phase of generating code for a user's activation (one derivation
#: step, or the work between two steps), and of all of it, seconds
CUSTOM_PHASE_SECONDS = 30.0
CUSTOM_TOTAL_SECONDS = 120.0


def _custom(args) -> bool:
    return any(getattr(args, name, None) for name in ("hidden_latex", "output_latex")) or any(
        "=" in (getattr(args, name, None) or "") for name in ("hidden", "output"))


def _generate_job(args, kwargs):
    from ..codegen import generate

    layers, hidden, output, loss = architecture(args)
    source = generate(layers, hidden, output, loss, **kwargs)
    name = (lambda a: a if isinstance(a, str) else a.name)
    return layers, name(hidden), name(output), loss, source


def generate_from_args(args, **kwargs):
    """(layers, hidden name, output name, loss, source) for the parsed arguments.

    A user's activation (NAME=EXPR, --*-latex) is derived in a worker process whose every
    phase is bounded by :data:`CUSTOM_PHASE_SECONDS` and the whole generation by
    :data:`CUSTOM_TOTAL_SECONDS` (``z**2**2**2**2`` is z^65536, and
    an exact tower such as ``z**10**10**10`` cannot even be parsed in bounded time):
    overrunning is a usage error with a message, never a hang.
    """
    if not _custom(args):
        return _generate_job(args, kwargs)
    from ..core.worker import BoundedWorker, JobTimedOut, WorkerDied

    try:
        with BoundedWorker() as worker:
            return worker.run(_generate_job, (args, kwargs), step_seconds=CUSTOM_PHASE_SECONDS,
                              total_seconds=CUSTOM_TOTAL_SECONDS)
    except (JobTimedOut, WorkerDied) as exc:
        given = args.hidden or args.hidden_latex or args.output or args.output_latex
        what = (f"did not finish in {exc.seconds:g} s" if isinstance(exc, JobTimedOut)
                else f"stopped: {exc}")
        raise UsageError(f"deriving the activation '{given}' {what}",
                         where="--hidden" if (args.hidden or args.hidden_latex) else "--output",
                         hint="use a simpler expression (small powers, no exact towers "
                              "such as z**2**2**2**2)") from None


def run(args) -> int:
    if getattr(args, "arch", None):
        from .cnn import run_codegen

        return run_codegen(args)
    if args.out:
        check_output_file(args.out)  # before minutes of work, not after
    out_name = os.path.basename(args.out) if args.out else None
    *_, source = generate_from_args(args, dtype=args.dtype, layout=args.layout,
                                    out_name=out_name)
    if args.out:
        write_atomically(args.out, source)
        sys.stderr.write(f"wrote {args.out}\n")
    else:
        sys.stdout.write(source)
    return EXIT_OK
