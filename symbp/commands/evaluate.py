"""``symbp evaluate DIR``: reload a trained model and report accuracy + confusion matrix."""

from __future__ import annotations

import json

from ..errors import EXIT_OK


def add_parser(sub):
    p = sub.add_parser(
        "evaluate", help="evaluate a model saved by `symbp train`",
        description="Reload model.npz and the generated model.py from DIR, evaluate on the "
                    "test set and print the accuracy and the confusion matrix (rows: true "
                    "class, columns: predicted). Exit 0, or 2 for usage/data errors.")
    p.add_argument("run_dir", metavar="DIR", help="the --out folder of `symbp train`")
    p.add_argument("--data-dir", default=None, metavar="DIR")
    p.add_argument("--format", choices=["text", "json"], default="text")
    return p


def run(args) -> int:
    from ..runs import evaluate_run

    res = evaluate_run(args.run_dir, data_dir=args.data_dir)
    if args.format == "json":
        print(json.dumps(res, indent=1))
        return EXIT_OK
    print(f"{res['dataset']} test accuracy: {100 * res['test_accuracy']:.2f}% "
          f"({res['correct']}/{res['n']}), test loss {res['test_loss']:.4f}")
    print("confusion matrix (rows: true class, columns: predicted class)")
    print("      " + "".join(f"{j:>6}" for j in range(10)))
    for i, row in enumerate(res["confusion"]):
        print(f"{i:>6}" + "".join(f"{v:>6}" for v in row))
    return EXIT_OK
