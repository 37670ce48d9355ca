"""``codegen --arch`` and ``gradcheck --arch``: convolutional networks (symbp.codegen.conv)."""

from __future__ import annotations

import os
import sys

from ..errors import EXIT_OK, UsageError

ARCH_HELP = ("layer list for a convolutional network, applied to X of shape (batch, C, H, W): "
             "convKHxKWxO, maxpoolS, avgpoolS, flatten, denseN and activation names, e.g. "
             "conv5x5x16,relu,maxpool2,flatten,dense10 (the last dense layer uses --output)")


def add_arch_arguments(p) -> None:
    p.add_argument("--arch", metavar="L1,L2,...", help=ARCH_HELP)
    p.add_argument("--input", metavar="C,H,W", help="input shape for --arch (default 1,28,28)")


def cnn_architecture(args):
    """(layers text, input shape, output, loss) of ``--arch`` arguments; UsageError if bad."""
    from ..codegen.conv import parse_arch, parse_input
    from ..codegen.spec import resolve
    from ..nn.losses import LOSSES

    if getattr(args, "layers", None):
        raise UsageError("give --layers (a multilayer perceptron) or --arch (a network with "
                         "convolutions), not both", where="--arch")
    if getattr(args, "hidden", None) or getattr(args, "hidden_latex", None):
        raise UsageError("with --arch the activations are layers of the list, not --hidden",
                         where="--hidden", hint="e.g. --arch conv5x5x16,relu,maxpool2,"
                                                "flatten,dense10")
    if getattr(args, "layout", "rows") != "rows":
        raise UsageError("--arch networks use the rows layout (X is (batch, C, H, W))",
                         where="--layout")
    LOSSES.get(args.loss, option="--loss")
    if args.output is None and getattr(args, "output_latex", None) is None:
        raise UsageError("--output is required", where="--output",
                         hint="e.g. --output softmax --loss ce")
    output = resolve(args.output, getattr(args, "output_latex", None), "--output",
                     allow_softmax=True)
    shape = parse_input(getattr(args, "input", None))
    parse_arch(args.arch, shape)  # every check before any derivation is built
    return args.arch, shape, output, args.loss


def cnn_source(args, dtype: str, out_name: str | None = None) -> str:
    from ..codegen.conv import generate_cnn

    arch, shape, output, loss = cnn_architecture(args)
    return generate_cnn(arch, output, loss, input_shape=shape, dtype=dtype, out_name=out_name)


def run_codegen(args) -> int:
    from . import codegen

    check = getattr(codegen, "check_output_file", None)  # refuses an unwritable -o early
    if args.out and check is not None:
        check(args.out)
    out_name = os.path.basename(args.out) if args.out else None
    source = cnn_source(args, args.dtype, out_name)
    if args.out:
        codegen.write_atomically(args.out, source)
        sys.stderr.write(f"wrote {args.out}\n")
    else:
        sys.stdout.write(source)
    return EXIT_OK


def run_gradcheck(args) -> int:
    from ..codegen import gradcheck, load

    module = load(cnn_source(args, "float64"))
    errors = gradcheck.check(module, seed=args.seed, batch=max(1, args.batch))
    print(f"gradcheck --arch {args.arch} input={module.INPUT_SHAPE} output={module.OUTPUT} "
          f"loss={module.LOSS} seed={args.seed}")
    from .gradcheck import report_errors

    return report_errors(errors)
