#!/usr/bin/env python3
"""What HotSpot's JIT did in a run, from its -XX:+LogCompilation file.

    bench/experiments/jit_summary.py LOG [--top N]

The one-epoch race is mostly the JIT's warm-up (README, Benchmarks), and timings on a shared 2-core
machine move by 1.5x between runs. The compile log does not: which methods C2 compiled, how often
(OSR and standard), how long each compile took, and which compiled code was thrown away (uncommon
traps). jit_summary.sh runs `bitflex train` with the log on and calls this script.

Compile times are wall time of the compiler thread, so on a loaded machine they include waiting for
a core; counts and bytes do not depend on the load. The log itself slows the run by 10-30%.
"""
import argparse
import collections
import re
import sys

ATTR = re.compile(r"(\w+)='([^']*)'")


def attrs(tag):
    return dict(ATTR.findall(tag))


def short(method):
    """'bitflex.engine.gemm.SgemmPacking packB (Z[F...)V' -> 'bitflex.engine.gemm.SgemmPacking.packB'."""
    parts = method.split(" ")
    return parts[0] + "." + parts[1] if len(parts) > 1 else method


def parse(text):
    compiles = []
    # A compiler thread's section holds <task ...> ... <task_done .../> for each compile it ran; a
    # compile that ends without its task_done (a bailout the log cuts short) must not borrow the next
    # one's, so each task is read up to the next <task opening.
    pieces = re.split(r"(?=<task )", text)
    for piece in pieces[1:]:
        head = re.match(r"<task ([^>]*)>", piece)
        done = re.search(r"<task_done ([^>]*)/>", piece)
        if not head or not done:
            continue
        a, d = attrs(head.group(1)), attrs(done.group(1))
        level = a.get("level", "4")
        compiles.append({
            "id": a.get("compile_id"),
            "method": short(a.get("method", "?")),
            "osr": "osr_bci" in a,
            "level": level,
            "start": float(a.get("stamp", "0")),
            "seconds": float(d.get("stamp", "0")) - float(a.get("stamp", "0")),
            "bytes": int(a.get("bytes", "0")),
            "inlined": int(d.get("inlined_bytes", "0")),
            "ok": d.get("success", "1") == "1",
        })
    by_id = {c["id"]: c for c in compiles}
    traps = []
    for m in re.finditer(r"<uncommon_trap ([^>]*compile_id='\d+'[^>]*)>\s*((?:<jvms [^>]*>\s*)+)", text):
        a = attrs(m.group(1))
        frames = [short(f) for f in re.findall(r"<jvms bci='\d+' method='([^']*)'", m.group(2))]
        owner = by_id.get(a.get("compile_id"))
        traps.append({
            "reason": a.get("reason", "?"), "action": a.get("action", "?"), "stamp": float(a.get("stamp", "0")),
            "compiled": owner["method"] if owner else "?", "at": frames[0] if frames else "?",
        })
    return compiles, traps


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("--top", type=int, default=25, help="methods to list (default 25)")
    ap.add_argument("--prefix", default="bitflex.", help="trap sites listed: methods starting so (default bitflex.)")
    args = ap.parse_args()
    try:
        with open(args.log, errors="replace") as f:
            compiles, traps = parse(f.read())
    except OSError as e:
        sys.exit(f"{args.log}: cannot read the compile log ({e.strerror})")
    if not compiles:
        sys.exit(f"{args.log}: no compile tasks found (was the run started with -XX:+LogCompilation?)")

    c2 = [c for c in compiles if c["level"] == "4"]
    c1 = [c for c in compiles if c["level"] != "4"]
    osr = [c for c in c2 if c["osr"]]
    print(f"C2: {len(c2)} compiles, {sum(c['seconds'] for c in c2):.2f} s, {sum(c['bytes'] for c in c2):,} bytecodes "
          f"(+{sum(c['inlined'] for c in c2):,} inlined); OSR {len(osr)} of them, {sum(c['seconds'] for c in osr):.2f} s")
    print(f"C1: {len(c1)} compiles, {sum(c['seconds'] for c in c1):.2f} s")
    failed = [c for c in compiles if not c["ok"]]
    if failed:
        print(f"failed or bailed out: {len(failed)} ({', '.join(sorted({c['method'] for c in failed})[:5])}...)")

    print("\nC2 time by package (top 3 name parts):")
    by_pkg = collections.Counter()
    for c in c2:
        by_pkg[".".join(c["method"].split(".")[:3])] += c["seconds"]
    for k, v in by_pkg.most_common(8):
        print(f"  {v:7.2f} s  {k}")

    print(f"\nC2 compiles by method (the {args.top} costliest; x count, OSR of them, first start in s of the run):")
    agg = collections.defaultdict(lambda: {"s": 0.0, "n": 0, "osr": 0, "first": float("inf")})
    for c in c2:
        g = agg[c["method"]]
        g["s"] += c["seconds"]
        g["n"] += 1
        g["osr"] += c["osr"]
        g["first"] = min(g["first"], c["start"])
    rows = sorted(agg.items(), key=lambda kv: -kv[1]["s"])[: args.top]
    for name, g in rows:
        print(f"  {g['s'] * 1000:6.0f} ms  {g['n']:2d}x ({g['osr']} OSR)  from {g['first']:5.2f}  {name}")

    mine = [t for t in traps if t["compiled"].startswith(args.prefix) or t["at"].startswith(args.prefix)]
    print(f"\nuncommon traps in compiled code ({len(traps)} in all, {len(mine)} at or in {args.prefix}*):")
    grouped = collections.Counter((t["compiled"], t["at"], t["reason"], t["action"]) for t in mine)
    first = {}
    for t in mine:
        first.setdefault((t["compiled"], t["at"], t["reason"], t["action"]), t["stamp"])
    for k in sorted(grouped, key=lambda k: first[k]):
        compiled, at, reason, action = k
        where = compiled if compiled == at else f"{compiled} (in {at})"
        print(f"  {first[k]:6.2f} s  {grouped[k]:3d}x  {reason}/{action}  {where}")

    print("\nC2 compile time started per second of the run:")
    per = collections.Counter()
    for c in c2:
        per[int(c["start"])] += c["seconds"]
    for sec in range(0, max(per) + 1 if per else 0):
        print(f"  {sec:3d}-{sec + 1:<3d} s  {per[sec]:5.2f} s  {'#' * int(round(per[sec] * 20))}")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # piped into head: stop quietly
        sys.stderr.close()
