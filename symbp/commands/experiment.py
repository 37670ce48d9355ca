"""``symbp experiment NAME``: reproduce the course results with generated code."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import EXIT_OK, UnknownName, UsageError
from ._outputs import check_out_folder

NAMES = ("seed-table", "learning-slowdown", "vanishing-gradient", "best", "cnn")


def add_parser(sub):
    p = sub.add_parser(
        "experiment", help="run an experiment (seed-table, learning-slowdown, ...)",
        description="Run one experiment and write table.md, table.json and plots to --out: "
                    "seed-table (the course setting, quadratic vs cross-entropy, 3 seeds), "
                    "learning-slowdown (one saturated sigmoid neuron), vanishing-gradient "
                    "(per-layer gradient norms of deep sigmoid nets), best (fastest "
                    "configuration to ≥ 98%% MNIST test accuracy, 3 seeds), cnn (a convolutional "
                    "network to ≥ 99%%, per-epoch table and plot). Exit 0, 1 if "
                    "training diverges, 2 for usage/data errors.")
    p.add_argument("name", metavar="NAME", help=", ".join(NAMES))
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default runs/experiment-NAME)")
    p.add_argument("--data-dir", default=None, metavar="DIR")
    p.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def run(args) -> int:
    from ..experiments import EXPERIMENTS

    if args.name not in EXPERIMENTS:
        raise UnknownName("experiment", args.name, EXPERIMENTS, option="NAME")
    out = Path(args.out or f"runs/experiment-{args.name}")
    try:
        seeds = tuple(int(s) for s in args.seeds.split(","))
    except ValueError:
        raise UsageError(f"--seeds must be comma-separated integers, got {args.seeds!r}",
                         where="--seeds", hint="e.g. --seeds 0,1,2") from None
    if any(s < 0 for s in seeds):
        raise UsageError(f"--seeds must be ≥ 0, got {args.seeds!r}", where="--seeds")
    check_out_folder(str(out))  # before minutes of training, not after
    result = EXPERIMENTS[args.name](out, data_dir=args.data_dir, seeds=seeds,
                                    stream=None if args.quiet else sys.stderr)
    print(result["markdown"])
    print(f"wrote {out}/table.md, table.json and plots")
    return EXIT_OK
