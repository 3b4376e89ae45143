#!/usr/bin/env bash
# Reproduces the precision experiment table of the README (issue 5): lenet5 and resnet20 on
# Fashion-MNIST in float32, fake-quant with the AdaPT policy, and integer mode with the RCT policy.
# Each run writes its report (report.json, report.md, charts) under OUT; the table comes from
# `bitflex report compare` over all of them.
#
#   bench/experiments/precision_table.sh [OUT]      (default OUT: runs/precision)
#
# Settings are those of the README table: lenet5 on the full training set for 5 epochs (cosine
# schedule), resnet20 on the first 10,000 training images for 2 epochs (cosine; a ResNet epoch in integer
# mode takes minutes on 2 cores); batch 64, SGD 0.05 momentum 0.9, seed 42, evaluation on the
# full 10,000-image test set. The adapt policy runs twice: with DESIGN.md's lossless push-down
# (tau = 0) and with a KL tolerance of 0.01. Set THREADS to change the thread count (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/precision}
threads=${THREADS:-$(nproc)}
mkdir -p "$out"

run() {
    local name=$1
    shift
    echo "== $name: ./bitflex train $*"
    ./bitflex train --threads "$threads" --report "$out/$name" "$@" | grep -E '^(epoch [0-9]+/[0-9]+:|test accuracy)'
}

lenet=(--model lenet5 --epochs 5 --schedule cosine)
resnet=(--model resnet20 --epochs 2 --train-size 10000 --schedule cosine)

run lenet5-float32 "${lenet[@]}" --mode float32
run lenet5-adapt "${lenet[@]}" --mode fake-quant --policy adapt
run lenet5-adapt-tau0.01 "${lenet[@]}" --mode fake-quant --policy adapt --adapt-tau 0.01
run lenet5-rct-integer "${lenet[@]}" --mode integer --policy rct
run resnet20-float32 "${resnet[@]}" --mode float32
run resnet20-adapt "${resnet[@]}" --mode fake-quant --policy adapt
run resnet20-adapt-tau0.01 "${resnet[@]}" --mode fake-quant --policy adapt --adapt-tau 0.01
run resnet20-rct-integer "${resnet[@]}" --mode integer --policy rct

./bitflex report compare "$out"/lenet5-* "$out"/resnet20-* --out "$out/table.md" --json "$out/table.json"
