#!/usr/bin/python3
"""SGEMM peer for `kefu bench numerics`: OpenBLAS through Debian's numpy (and torch when present).

Run with Debian's interpreter, which sees python3-numpy / python3-torch and libopenblas0-pthread:
    /usr/bin/python3 bench/numerics/gemm_peer.py [--threads 2] [--repeats 9] [--torch] [--cpu]
Prints one JSON line: {"peer":"openblas","threads":2,"gemm_gflops_1024":..,"gemm_gflops_2048":..}
Square float32 C = A·B, 2n³ flops, median over repeats after one warm-up.
"""
import argparse
import json
import os
import sys
import time


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=9)
    p.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048])
    p.add_argument("--torch", action="store_true", help="also measure torch.mm (Debian python3-torch)")
    p.add_argument("--cpu", action="store_true",
                   help="also report GFLOP per process-CPU-second (cpu_gemm_gflops_N): steadier on a shared machine")
    return p.parse_args()


def measure(matmul, n, repeats):
    """(median wall GFLOP/s, GFLOP per process-CPU-second) over repeats after one warm-up."""
    matmul()
    times = []
    cpu0 = time.process_time()
    for _ in range(repeats):
        t0 = time.perf_counter()
        matmul()
        times.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu0
    times.sort()
    flops = 2.0 * n ** 3
    return round(flops / times[len(times) // 2] / 1e9, 2), round(flops * repeats / cpu / 1e9, 2)


def record(result, key, figures, with_cpu):
    result[key] = figures[0]
    if with_cpu:
        result["cpu_" + key] = figures[1]


def main():
    args = parse_args()
    # OpenBLAS reads its thread count when the library loads, so set it before importing numpy.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np

    rng = np.random.default_rng(0)
    result = {"peer": "openblas", "threads": args.threads}
    for n in args.sizes:
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        c = np.empty((n, n), dtype=np.float32)
        record(result, f"gemm_gflops_{n}", measure(lambda: np.matmul(a, b, out=c), n, args.repeats), args.cpu)
    if args.torch:
        try:
            import torch
        except ImportError:
            print("torch not importable; skipping", file=sys.stderr)
        else:
            torch.set_num_threads(args.threads)
            for n in args.sizes:
                a, b = torch.randn(n, n), torch.randn(n, n)
                c = torch.empty(n, n)
                record(result, f"torch_gemm_gflops_{n}",
                       measure(lambda: torch.mm(a, b, out=c), n, args.repeats), args.cpu)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
