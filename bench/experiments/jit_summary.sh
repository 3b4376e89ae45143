#!/usr/bin/env bash
# What the JIT compiles while bitflex trains: runs `./bitflex train` with HotSpot's compile log on
# and summarises it with jit_summary.py (C2 and C1 totals, the costliest C2 compiles by method with
# their OSR share, uncommon traps that threw compiled code away, C2 activity over time).
#
#   bench/experiments/jit_summary.sh [OUT] [train options...]   (default OUT: runs/jit; default
#                                                               options: --model lenet5 --epochs 1)
#
# The log (OUT/compilation.log, 20-30 MB for one LeNet-5 epoch) slows the run by 10-30%, so its
# samples/s are not comparable with other runs; counts of compiles are, and they move far less from
# run to run than timings do on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/jit}
shift || true
if [ $# -eq 0 ]; then set -- --model lenet5 --epochs 1; fi
mkdir -p "$out"
log="$out/compilation.log"

BITFLEX_JAVA_OPTS="${BITFLEX_JAVA_OPTS:-} -XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=$log" \
    ./bitflex train "$@" | grep -E '^epoch [0-9]+/[0-9]+:|^test accuracy'
/usr/bin/env python3 bench/experiments/jit_summary.py "$log" | tee "$out/summary.txt"
