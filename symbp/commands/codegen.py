"""``symbp codegen``: write a NumPy forward/backward module printed from verified derivations."""

from __future__ import annotations

import os
import sys
import tempfile

from ..errors import EXIT_OK, InputError, UsageError


def add_architecture_arguments(p, *, dtype: bool = True) -> None:
    """Options shared by ``codegen`` and ``gradcheck``."""
    p.add_argument("--layers", required=True, metavar="N0,N1,...",
                   help="layer sizes, input first, e.g. 784,100,10")
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


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace`` (no partial file)."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError(f"the folder of the output file does not exist: {folder}",
                         where="-o", hint="create the folder or choose another path")
    fd, tmp = tempfile.mkstemp(prefix=".symbp-", suffix=".py.tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def run(args) -> int:
    from ..codegen import generate

    layers, hidden, output, loss = architecture(args)
    out_name = os.path.basename(args.out) if args.out else None
    source = generate(layers, hidden, output, loss, dtype=args.dtype, layout=args.layout,
                      out_name=out_name)
    if args.out:
        write_atomically(args.out, source)
        sys.stderr.write(f"wrote {args.out}\n")
    else:
        sys.stdout.write(source)
    return EXIT_OK
