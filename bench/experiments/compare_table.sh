#!/usr/bin/env bash
# Reproduces the training-speed table of the README (issue 4): `bitflex compare` against PyTorch on
# the MLP and LeNet-5, once for one epoch (the race as the issue states it; bitflex's only epoch
# carries the JIT's compile work) and once for three epochs, whose last epoch shows both sides warm.
#
#   bench/experiments/compare_table.sh [OUT]      (default OUT: runs/compare)
#
# Each race: `./bitflex compare --repeat 2` (PyTorch with 1 and with all threads, bitflex with all
# threads, interleaved; each contender's best of two), JSON in OUT/MODEL-EPOCHSe.json, the markdown
# table in OUT/table.md. Needs python3-torch. About 5 minutes on 2 cores. Set THREADS to change the
# thread count (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/compare}
threads=${THREADS:-$(nproc)}
mkdir -p "$out"

for model in mlp lenet5; do
    for epochs in 1 3; do
        echo "== $model, $epochs epoch(s)"
        ./bitflex compare --model "$model" --threads "$threads" --epochs "$epochs" --repeat 2 \
            --json "$out/$model-${epochs}e.json" | grep -vE '^(pytorch|bitflex), [0-9]+ threads?'
    done
done

/usr/bin/env python3 - "$out" <<'EOF' | tee "$out/table.md"
import json, sys
out = sys.argv[1]
print("| model | 1 epoch: bitflex samples/s | PyTorch samples/s | ratio | 3 epochs, last epoch: bitflex | PyTorch | ratio | 1 epoch, process s: bitflex / PyTorch | 1 epoch, test acc: bitflex / PyTorch |")
print("|---|---|---|---|---|---|---|---|---|")
for model in ("mlp", "lenet5"):
    one = json.load(open(f"{out}/{model}-1e.json"))
    three = json.load(open(f"{out}/{model}-3e.json"))
    def best(j):
        return next(p for p in j["pytorch"] if p["threads"] == j["pytorch_best_threads"])
    bf1, pt1, bf3, pt3 = one["bitflex"], best(one), three["bitflex"], best(three)
    print(f"| {model} | {bf1['samples_per_s']:,.0f} | {pt1['samples_per_s']:,.0f} ({pt1['threads']} thr) | {one['ratio_samples_per_s']:.2f}x "
          f"| {bf3['epoch_samples_per_s'][-1]:,.0f} | {pt3['epoch_samples_per_s'][-1]:,.0f} ({pt3['threads']} thr) "
          f"| {three['ratio_last_epoch_samples_per_s']:.2f}x | {bf1['process_s']:.1f} / {pt1['process_s']:.1f} "
          f"| {100 * bf1['test_acc']:.2f}% / {100 * pt1['test_acc']:.2f}% |")
EOF
