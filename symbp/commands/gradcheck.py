"""``symbp gradcheck``: generated gradients against central finite differences."""

from __future__ import annotations

from ..errors import EXIT_FALSE, EXIT_OK, UsageError
from .codegen import add_architecture_arguments, generate_from_args

#: finite differences cost two loss evaluations per parameter on the whole batch
MAX_BATCH = 1000


def add_parser(sub):
    p = sub.add_parser(
        "gradcheck", help="check generated gradients with finite differences",
        description="Generate the module (float64), compare loss_and_gradients with central "
                    "finite differences on random parameters and data, and print the maximum "
                    "relative error per parameter. Exit 0 when every error is below 1e-6, "
                    "1 otherwise, 2 for bad arguments.")
    add_architecture_arguments(p, dtype=False)
    p.add_argument("--seed", type=int, default=0, help="seed of the random parameters/data")
    p.add_argument("--batch", type=int, default=5,
                   help=f"samples in the random batch (1 to {MAX_BATCH}; default 5)")
    return p


def run(args) -> int:
    if not 1 <= args.batch <= MAX_BATCH:
        raise UsageError(f"--batch must be between 1 and {MAX_BATCH}, got {args.batch}",
                         where="--batch")
    if getattr(args, "arch", None):
        from .cnn import run_gradcheck

        return run_gradcheck(args)
    from ..codegen import gradcheck, load

    layers, hidden_name, output_name, loss, source = generate_from_args(
        args, dtype="float64", layout=args.layout)
    module = load(source)
    errors = gradcheck.check(module, seed=args.seed, batch=args.batch)
    print(f"gradcheck {','.join(map(str, layers))} hidden={hidden_name} output={output_name} "
          f"loss={loss} layout={args.layout} seed={args.seed}")
    return report_errors(errors)


def report_errors(errors) -> int:
    """One line per parameter with its largest relative error, then the verdict (exit 0/1)."""
    from ..codegen import gradcheck

    for e in errors:
        mark = "ok" if e.rel_error < gradcheck.TOLERANCE else "FAIL"
        print(f"  {e.name:>4}  max relative error {e.rel_error:.2e}  "
              f"({e.checked} entries)  {mark}")
    ok = gradcheck.passed(errors)
    print(f"{'passed' if ok else 'FAILED'}: tolerance {gradcheck.TOLERANCE:g}")
    return EXIT_OK if ok else EXIT_FALSE
