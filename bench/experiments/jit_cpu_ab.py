#!/usr/bin/env python3
"""Interleaved A/B runs of `bitflex train` that also report how much CPU the JIT took.

    bench/experiments/jit_cpu_ab.py [--rounds N] VARIANT... [-- TRAIN OPTIONS...]

A VARIANT is `JAVA_OPTS` (extra JVM flags for ./bitflex, through BITFLEX_JAVA_OPTS; "" for none) or
`DIR|JAVA_OPTS` (the ./bitflex of another checkout, e.g. a `git worktree` of the commit before a
change). Train options default to `--model lenet5` (one epoch). Each round runs every variant once, in
order, so a slow spell of the host lands on all of them.

Why CPU and not only samples/s: on a shared 2-core VM the samples/s of one build move by 1.5x from run
to run, but the one-epoch race is lost mostly to the JIT's compiler threads taking cores from the two
training threads, and the CPU time those threads use moves far less. The script reads each thread's
user+system time from /proc every 0.1 s while the JVM runs and keeps the last reading; threads are
grouped as C2, C1 and the rest (the training, loading and GC threads). Linux only.
"""
import collections
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TICKS = os.sysconf("SC_CLK_TCK")


def thread_cpu(pid):
    """{thread id: (name, CPU seconds)} of a live process; {} once it is gone."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[tid] = (name, (int(fields[11]) + int(fields[12])) / TICKS)
    return out


def java_child(pid):
    """The JVM that ./bitflex execs into (the same pid, once exec has happened)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return pid if b"bitflex.bench.cli.Main" in f.read() else None
    except OSError:
        return None


def run(variant, train_args):
    checkout, _, opts = variant.partition("|") if "|" in variant else (ROOT, "", variant)
    env = dict(os.environ, BITFLEX_JAVA_OPTS=opts)
    start = time.time()
    proc = subprocess.Popen(["./bitflex", "train", *train_args], cwd=checkout, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    last = {}
    while proc.poll() is None:
        time.sleep(0.1)
        if java_child(proc.pid):
            last.update(thread_cpu(proc.pid))
    wall = time.time() - start
    out = proc.stdout.read()
    epochs = [l for l in out.splitlines() if re.match(r"^epoch \d+/\d+:", l)]
    if proc.returncode != 0 or not epochs:
        sys.exit(f"jit_cpu_ab: `./bitflex train {' '.join(train_args)}` in {checkout} failed:\n{out}")
    rate = float(re.search(r"([\d,]+) samples/s", epochs[-1]).group(1).replace(",", ""))
    acc = re.search(r"test accuracy: ([\d.]+)%", out)
    cpu = collections.Counter()
    for name, seconds in last.values():
        cpu["C2" if name.startswith("C2") else "C1" if name.startswith("C1") else "rest"] += seconds
    return {"rate": rate, "C2": cpu["C2"], "C1": cpu["C1"], "rest": cpu["rest"], "wall": wall,
            "acc": acc.group(1) if acc else "?"}


def main():
    # by hand, not argparse: a variant is JVM flags and starts with "-"
    argv = sys.argv[1:]
    rounds = 5
    if argv[:1] == ["--rounds"]:
        rounds, argv = int(argv[1]), argv[2:]
    variants, train_args = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    if not variants or rounds < 1:
        sys.exit(__doc__)
    train_args = train_args or ["--model", "lenet5"]
    results = collections.defaultdict(list)
    for r in range(rounds):
        for i, v in enumerate(variants):
            x = run(v, train_args)
            results[i].append(x)
            print(f"round {r + 1} variant {i}: {x['rate']:,.0f} samples/s (last epoch), C2 {x['C2']:.2f} s, "
                  f"C1 {x['C1']:.2f} s, other threads {x['rest']:.2f} s, process {x['wall']:.2f} s, "
                  f"test acc {x['acc']}%", flush=True)
    print(f"medians of {rounds} rounds, `train {' '.join(train_args)}`:")
    for i, v in enumerate(variants):
        med = {k: statistics.median(x[k] for x in results[i]) for k in ("rate", "C2", "C1", "rest", "wall")}
        print(f"  variant {i} [{v}]: {med['rate']:,.0f} samples/s, C2 {med['C2']:.2f} s, C1 {med['C1']:.2f} s, "
              f"other threads {med['rest']:.2f} s, process {med['wall']:.2f} s")


if __name__ == "__main__":
    main()
