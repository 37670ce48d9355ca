"""Run ``symbp experiment best`` (the fastest configuration found to ≥ 98.0 % MNIST test
accuracy) over three seeds and print, per seed, the training time to the first epoch at or
above 98.0 % and the final accuracy.  Training time only (data loading, code generation and
test evaluation are excluded), measured by the trainer around each epoch's SGD loop.

    SYMBP_DATA=/work/shared/data/mnist python benchmarks/best.py [--seeds 0,1,2] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from symbp import experiments


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    out = Path(args.out or tempfile.mkdtemp(prefix="symbp-best-"))
    seeds = tuple(int(s) for s in args.seeds.split(","))
    result = experiments.best(out, seeds=seeds)
    print(result["markdown"])
    hits = [r["seconds_to_98"] for r in result["rows"]]
    finals = [r["test_accuracy"][-1] for r in result["rows"]]
    reached = [h for h in hits if h is not None]
    print(f"seeds reaching 98.0%: {len(reached)}/{len(hits)}; time to 98.0%: "
          + (f"min {min(reached):.2f}s, max {max(reached):.2f}s" if reached else "never")
          + f"; final accuracy min {100 * min(finals):.2f}%; tables in {out}")


if __name__ == "__main__":
    main()
