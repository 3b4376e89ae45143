#!/usr/bin/python3
"""Times numpy's float32 matmul (OpenBLAS sgemm) for one GEMM shape and prints one JSON object.

Shapes are m x k x n: C[m,n] = op(A)[m,k] @ op(B)[k,n], the same convention as
`./bitflex bench gemm`. Run it with the BLAS thread count set in the environment and OpenBLAS's
core-type overrides removed, e.g.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 \
        /usr/bin/python3 bench/peers/numpy_gemm.py --m 1024 --k 1024 --n 1024 --threads 2

The figure is the best (and the median) of timed repetitions after a fixed warm-up, as for bitflex.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np


def blas_info():
    """Which BLAS numpy calls, its core type and thread count, when threadpoolctl can tell."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return openblas_via_ctypes()
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            return {"blas": pool.get("internal_api"), "blas_version": pool.get("version"),
                    "blas_core": pool.get("architecture"), "blas_threads": pool.get("num_threads"),
                    "blas_library": pool.get("filepath")}
    return {"blas": "none found"}


def openblas_via_ctypes():
    """Asks the OpenBLAS that numpy loaded for its core and thread count (without threadpoolctl)."""
    import ctypes
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line and line.split()[-1].startswith("/")})
    except OSError:
        paths = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return {"blas": "openblas", "blas_core": lib.openblas_get_corename().decode(),
                    "blas_config": lib.openblas_get_config().decode().strip(),
                    "blas_threads": lib.openblas_get_num_threads(), "blas_library": path}
        except (OSError, AttributeError):
            continue
    return {"blas": "unknown (no threadpoolctl, no OpenBLAS found in the process)"}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--m", type=int, required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--threads", type=int, required=True,
                   help="must match OPENBLAS_NUM_THREADS (checked)")
    p.add_argument("--transA", action="store_true", help="A stored k x m")
    p.add_argument("--transB", action="store_true", help="B stored n x k")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds")
    p.add_argument("--time", type=float, default=2.5, help="seconds of timed repetitions")
    args = p.parse_args()
    for name in ("m", "n", "k", "threads"):
        if getattr(args, name) < 1:
            sys.exit(f"numpy_gemm: --{name} must be >= 1, got {getattr(args, name)}")
    env_threads = os.environ.get("OPENBLAS_NUM_THREADS")
    if env_threads is not None and int(env_threads) != args.threads:
        sys.exit(f"numpy_gemm: OPENBLAS_NUM_THREADS={env_threads} but --threads {args.threads}")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if var in os.environ:
            print(f"numpy_gemm: warning: {var} is set; OpenBLAS may not pick its best kernel",
                  file=sys.stderr)

    rng = np.random.default_rng(1)
    a = rng.standard_normal((args.k, args.m) if args.transA else (args.m, args.k), dtype=np.float32)
    b = rng.standard_normal((args.n, args.k) if args.transB else (args.k, args.n), dtype=np.float32)
    c = np.empty((args.m, args.n), dtype=np.float32)
    opa = a.T if args.transA else a
    opb = b.T if args.transB else b

    # One timed call should be long enough to measure; batch small shapes.
    flops = 2.0 * args.m * args.n * args.k
    end = time.perf_counter() + args.warmup
    while time.perf_counter() < end:
        np.matmul(opa, opb, out=c)
    t0 = time.perf_counter()
    np.matmul(opa, opb, out=c)
    one = max(time.perf_counter() - t0, 1e-7)
    inner = max(1, int(0.02 / one))
    rates = []
    end = time.perf_counter() + args.time
    while time.perf_counter() < end or len(rates) < 5:
        t0 = time.perf_counter()
        for _ in range(inner):
            np.matmul(opa, opb, out=c)
        dt = time.perf_counter() - t0
        rates.append(flops * inner / dt / 1e9)

    out = {"peer": "numpy", "numpy": np.__version__, "m": args.m, "n": args.n, "k": args.k,
           "threads": args.threads, "transA": args.transA, "transB": args.transB,
           "gflops": round(max(rates), 2), "gflops_median": round(statistics.median(rates), 2),
           "statistic": "best of repetitions", "repetitions": len(rates), "calls_per_repetition": inner}
    out.update(blas_info())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
