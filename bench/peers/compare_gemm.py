#!/usr/bin/python3
"""Runs `./bitflex bench gemm` and numpy (OpenBLAS) on the same shapes and thread counts, one after
the other in one session, and prints a Markdown table (and the raw JSON lines to --raw).

Shapes are m x k x n. Run it under the project's build lock so nothing else competes for the cores:

    flock /tmp/bitflex-build.lock bench/peers/compare_gemm.py
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_CASES = ["1024x1024x1024:1", "1024x1024x1024:2", "64x784x256:2", "64x256x784:2", "784x64x256:2",
                 "784x256x64:2"]


def bitflex(m, k, n, threads, seconds):
    cmd = [os.path.join(ROOT, "bitflex"), "bench", "gemm", "--m", str(m), "--n", str(n), "--k", str(k),
           "--threads", str(threads), "--json", "--warmup", "2", "--time", str(seconds)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def numpy(m, k, n, threads, seconds):
    env = {key: v for key, v in os.environ.items() if key not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    cmd = ["/usr/bin/python3", os.path.join(ROOT, "bench", "peers", "numpy_gemm.py"), "--m", str(m),
           "--n", str(n), "--k", str(k), "--threads", str(threads), "--time", str(seconds)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("cases", nargs="*", default=DEFAULT_CASES, help="MxKxN:THREADS (default: %(default)s)")
    p.add_argument("--time", type=float, default=3.0, help="timed seconds per run")
    p.add_argument("--raw", help="append the JSON of every run to this file")
    args = p.parse_args()
    rows = []
    for case in args.cases:
        shape, threads = case.split(":")
        m, k, n = (int(x) for x in shape.split("x"))
        b = bitflex(m, k, n, int(threads), args.time)
        o = numpy(m, k, n, int(threads), args.time)
        if args.raw:
            with open(args.raw, "a") as f:
                f.write(json.dumps(b) + "\n" + json.dumps(o) + "\n")
        rows.append((shape, threads, b, o))
        print(f"{shape} t={threads}: bitflex {b['gflops']} (median {b['gflops_median']}), "
              f"OpenBLAS {o['gflops']} (median {o['gflops_median']}, core {o.get('blas_core')})", file=sys.stderr)
    print("| m x k x n | threads | bitflex GFLOP/s best (median) | OpenBLAS GFLOP/s best (median) | ratio best (median) |")
    print("|---|---|---|---|---|")
    for shape, threads, b, o in rows:
        print(f"| {shape} | {threads} | {b['gflops']:.1f} ({b['gflops_median']:.1f}) | {o['gflops']:.1f} "
              f"({o['gflops_median']:.1f}) | {b['gflops'] / o['gflops']:.2f} ({b['gflops_median'] / o['gflops_median']:.2f}) |")
    b0, o0 = rows[0][2], rows[0][3]
    print(f"\nbitflex: JDK {b0['jdk']}, {b0['vector_bits']}-bit vectors, tiles for {b0.get('vector_registers', '?')} registers. numpy {o0['numpy']}, "
          f"{o0.get('blas_config', o0.get('blas'))}, core {o0.get('blas_core')}.")


if __name__ == "__main__":
    main()
