"""Latency of `symbp verify` on typical single claims (not a test; prints timings).

Measures in-process `judge()` time per claim (the library work a user waits for
after start-up), the one-off start-up cost (imports + first latex2sympy2 parse),
and, for comparison in the same run, the wall time of one CLI subprocess.
Goal: a typical single scalar claim answers in under 1 s in-process.

    python benchmarks/verify_latency.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CLAIMS = [
    (r"\sigma'(z) = \sigma(z)(1-\sigma(z))", []),
    (r"\frac{d}{dz}\tanh(z) = 1 - \tanh(z)^2", []),
    (r"\frac{\partial}{\partial w}\frac{1}{2}(wx - y)^2 = (wx-y)x", []),
    (r"\frac{\partial a_j}{\partial z_k} = a_j(\delta_{jk} - a_k)", ["softmax"]),
    (r"\frac{\partial C}{\partial z_k} = a_k - y_k", ["softmax_ce"]),
    (r"(AB)^T = B^T A^T", ["matrix"]),
    (r"\mathrm{tr}(ABC) = \mathrm{tr}(CAB)", ["matrix"]),
    (r"\delta^l = ((W^{l+1})^T + \delta^{l+1}) \odot \sigma'(z^l)", ["backprop"]),
    (r"\delta^l = ((W^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)", ["backprop"]),
    # matrix-form calculus (issue 10): gradients, Jacobians, differentials, textbook notation
    (r"\frac{\partial \mathrm{tr}(AX)}{\partial X} = A^T", []),
    (r"\frac{\partial x^T B x}{\partial x} = (B + B^T)x", []),
    (r"\frac{\partial \ln|\det X|}{\partial X} = X^{-T}", []),
    (r"\frac{\partial \|Ax-b\|_2^2}{\partial x} = 2A^T(Ax-b)", []),
    (r"\frac{\partial a^T X b}{\partial X} = a b^T", []),
    (r"dX^{-1} = -X^{-1}dX\,X^{-1}", []),
    (r"tr((A \odot B)^T C) = tr(A^T (B \odot C))", []),
    (r"\frac{\partial \mathbf{z}^{l+1}}{\partial \mathbf{z}^l} = \mathbf{W}^{l+1}"
     r"\mathrm{diag}(\sigma'(\mathbf{z}^l))", []),
    (r"\frac{\partial J}{\partial \mathbf{W}^L} = \frac{\partial J}{\partial \mathbf{z}^L}"
     r"(\mathbf{a}^{L-1})^T", []),
    (r"df = \mathrm{tr}((\frac{\partial f}{\partial X})^T dX)", []),
    (r"\frac{\partial L}{\partial W} = X^{\top} \frac{\partial L}{\partial Y}", [],
     [r"Y = XW + b"]),
    (r"\frac{\partial E}{\partial net_k} = a_k - y_k", [],
     [r"a_i = \frac{e^{net_i}}{\sum_{m=1}^{n} e^{net_m}}", r"E = -\sum_{i=1}^{n} y_i \ln a_i"],
     [r"\sum_{i=1}^{n} y_i = 1"]),
    (r"\frac{da_j}{dnet_k} = \frac{da_j}{de^{net_k}} \frac{de^{net_k}}{dnet_k} + "
     r"\frac{da_j}{d\sum_m e^{net_m}} \frac{d\sum_m e^{net_m}}{dnet_k}", [],
     [r"a_j = \frac{e^{net_j}}{\sum_{m=1}^n e^{net_m}}"]),
]


def main() -> None:
    t0 = time.perf_counter()
    from symbp.claims.judge import judge

    judge("x + x = 2x")
    startup = time.perf_counter() - t0
    print(f"start-up (imports + first claim): {startup:.2f} s")
    times = []
    for claim, ctx, *extra in CLAIMS:
        defines, assumes = (list(extra) + [[], []])[:2]
        t = time.perf_counter()
        verdict = judge(claim, ctx, defines, assumes).verdict.value
        dt = time.perf_counter() - t
        times.append(dt)
        where = f" [{', '.join(ctx)}]" if ctx else ""
        print(f"{dt:6.2f} s  {verdict:9}  {claim}{where}")
    print(f"median {statistics.median(times):.2f} s, max {max(times):.2f} s over "
          f"{len(times)} claims; {sum(t < 1 for t in times)} under 1 s, "
          f"{sum(t > 30 for t in times)} over 30 s")
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "symbp", "verify", CLAIMS[0][0]],
                   capture_output=True, check=False)
    cli = time.perf_counter() - t
    print(f"CLI subprocess for the first claim (includes start-up): {cli:.2f} s; "
          f"ratio CLI / in-process: {cli / times[0]:.1f}x")


if __name__ == "__main__":
    main()
