#!/usr/bin/env bash
# Measure test-time augmentation and ensembles on FER2013 PrivateTest (a benchmark, not a test).
# Needs the checkpoints of `fer_train --preset cpu --out runs/cpu` and of `fer_ablate` (runs/ablations/base/seed{0,1});
# writes one folder of fer_evaluate outputs (metrics_*.json with run cards, confusion matrices) per model or ensemble
# under results/tta_ensemble/, which 06_ablations renders.
#
#     bash scripts/tta_ensemble.sh [RUNS_DIR]      # default RUNS_DIR: runs
set -eu
cd "$(dirname "$0")/.."
R=${1:-runs}; OUT=results/tta_ensemble
ev() { name=$1; tta=$2; shift 2; fer_evaluate --checkpoint "$@" --split PrivateTest --tta "$tta" --out "$OUT/$name"; }
for t in none flip center tencrop; do ev cpu_single $t "$R/cpu/best.pt"; done
for s in 0 1; do for t in none flip center tencrop; do ev "base_seed$s" $t "$R/ablations/base/seed$s/best.pt"; done; done
for t in none flip center tencrop; do ev base_2seeds $t "$R/ablations/base/seed0/best.pt" "$R/ablations/base/seed1/best.pt"; done
for t in none flip center tencrop; do ev cpu_plus_base_2seeds $t "$R/cpu/best.pt" "$R/ablations/base/seed0/best.pt" "$R/ablations/base/seed1/best.pt"; done
