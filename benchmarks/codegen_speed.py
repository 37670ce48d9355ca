"""Speed of code generation and of the generated backward pass, against PyTorch.

    python benchmarks/codegen_speed.py [--batch 200] [--repeat 300] [--dtype float32]

Prints (1) the time to generate a 784-100-10 sigmoid/softmax/CE module (first
call: verifies the derivations; second call: cached), and (2) the time of one
``loss_and_gradients`` call of the generated module against PyTorch's forward
+ backward on the same parameters and batch (same dtype, CPU), as a ratio.
Timings on a shared machine are noisy: compare the ratio, measured in one run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def median_time(fn, repeat: int) -> float:
    """Median of ``repeat`` timings of ``fn()`` (seconds)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=300)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--threads", type=int, default=1,
                    help="threads of torch and of NumPy's BLAS (default 1: a fair, "
                         "quiet comparison on a shared machine)")
    args = ap.parse_args()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(args.threads))  # before NumPy loads its BLAS
    import numpy as np

    from symbp.codegen import generate, load
    from symbp.nn.activations import ACTIVATIONS

    sig = ACTIVATIONS.get("sigmoid")
    t = time.perf_counter()
    source = generate((784, 100, 10), sig, "softmax", "ce", dtype=args.dtype)
    first = time.perf_counter() - t
    t = time.perf_counter()
    generate((784, 100, 10), sig, "softmax", "ce", dtype=args.dtype)
    second = time.perf_counter() - t
    print(f"generate 784-100-10 sigmoid/softmax/ce: first {first:.2f} s "
          f"(verifies derivations), cached {second * 1e3:.1f} ms")

    m = load(source)
    rng = np.random.default_rng(0)
    params = m.init_params(seed=0, scheme="xavier")
    X = rng.random((args.batch, 784)).astype(args.dtype)
    Y = np.eye(10, dtype=args.dtype)[rng.integers(0, 10, args.batch)]
    out = [(np.empty_like(W), np.empty_like(b)) for W, b in params]

    import torch

    torch.set_num_threads(args.threads)
    tdtype = getattr(torch, args.dtype)
    tp = [(torch.tensor(W, dtype=tdtype, requires_grad=True),
           torch.tensor(b, dtype=tdtype, requires_grad=True)) for W, b in params]
    tX, tY = torch.tensor(X), torch.tensor(Y)

    def torch_step():
        for W, b in tp:
            W.grad = None
            b.grad = None
        a = torch.sigmoid(tX @ tp[0][0] + tp[0][1])
        z = a @ tp[1][0] + tp[1][1]
        loss = -(tY * torch.log_softmax(z, dim=1)).sum() / tX.shape[0]
        loss.backward()
        return loss

    def numpy_step():
        return m.loss_and_gradients(params, X, Y)

    def numpy_step_out():
        return m.loss_and_gradients(params, X, Y, out=out)

    # same numbers?
    value, grads = numpy_step()
    tl = torch_step()
    err = abs(float(value) - tl.item()) / abs(tl.item())
    gerr = float(np.max(np.abs(grads[0][0] - tp[0][0].grad.numpy())))
    print(f"agreement: loss rel. diff {err:.1e}, max |dW1 diff| {gerr:.1e} ({args.dtype})")

    for _ in range(20):  # warm up both
        numpy_step()
        torch_step()
    t_np = median_time(numpy_step, args.repeat)
    t_out = median_time(numpy_step_out, args.repeat)
    t_torch = median_time(torch_step, args.repeat)
    print(f"batch {args.batch}, {args.dtype}, threads {args.threads} (OPENBLAS_NUM_THREADS="
          f"{os.environ['OPENBLAS_NUM_THREADS']}): median of {args.repeat} calls")
    print(f"  generated loss_and_gradients      {t_np * 1e6:8.1f} µs")
    print(f"  generated loss_and_gradients(out) {t_out * 1e6:8.1f} µs")
    print(f"  torch forward+backward            {t_torch * 1e6:8.1f} µs")
    print(f"  ratio torch / generated: {t_torch / t_np:.2f}x "
          f"(with out=: {t_torch / t_out:.2f}x)")


if __name__ == "__main__":
    main()
