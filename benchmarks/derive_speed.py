"""Benchmark: cold `derive softmax_ce` and deriving the whole catalog (wall time).

Targets (issue 2): under 2 s and under 20 s on a 2-core machine.  Both are
measured as fresh processes, so import time counts.  Run:

    python benchmarks/derive_speed.py
"""

from __future__ import annotations

import subprocess
import sys
import time


def wall(cmd: list[str]) -> tuple[float, int]:
    t = time.perf_counter()
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    return time.perf_counter() - t, rc


def main() -> int:
    py = sys.executable
    runs = [wall([py, "-m", "symbp", "derive", "softmax_ce"])[0] for _ in range(3)]
    print(f"cold `derive softmax_ce`: best {min(runs):.2f} s, median {sorted(runs)[1]:.2f} s "
          f"(target < 2 s)")
    script = ("import time, symbp.api as api; t = time.perf_counter(); "
              "ds = api.derive_all(); bad = [d.name for d in ds if not d.verified]; "
              "print(len(ds), time.perf_counter() - t, ','.join(bad))")
    t = time.perf_counter()
    out = subprocess.run([py, "-c", script], capture_output=True, text=True).stdout.split()
    total = time.perf_counter() - t
    count, inner = int(out[0]), float(out[1])
    bad = out[2] if len(out) > 2 else ""
    print(f"whole catalog ({count} derivations), cold, both cores: {total:.2f} s wall "
          f"({inner:.2f} s deriving) (target < 20 s)")
    if bad:
        print(f"NOT verified: {bad}")
    per = []
    for name in ["sigmoid", "softmax_jacobian", "bp2", "backprop_matrix", "three_layer_net"]:
        secs, rc = wall([py, "-m", "symbp", "derive", name])
        per.append(f"{name} {secs:.2f} s (exit {rc})")
    print("cold single derivations: " + "; ".join(per))
    return 0


if __name__ == "__main__":
    sys.exit(main())
