#!/usr/bin/env bash
# Measure test-time augmentation and ensembles on FER2013 PrivateTest (a benchmark, not a test).
# Needs the checkpoints of `fer_train --preset cpu --out runs/cpu`, `fer_train --preset cpu --seed 1 --out runs/cpu_seed1`,
# `fer_train --preset cpu --no_crop [--seed 1] --out runs/cpu_nocrop[_seed1]`, `fer_train --preset cpu --no_crop --size 112 [--seed 1] --out runs/cpu112_nocrop[_seed1]` (and the same as `runs/ship112` and `runs/ship112_seed1`, that recipe's two seeds again), `fer_train --preset cpu_long [--seed 1] --out runs/cpu_long[_seed1]`, `fer_train --preset cpu --no_crop --size 112 --teacher results/teachers/ship112.npz [--seed 1] --out runs/distill112[_seed1]`, `fer_train --preset distill160 [--seed 1] --out runs/distill160[_seed1]`, `fer_train --preset cpu --no_crop --size 112 --teacher results/teachers/distill112_cpu_long.npz [--seed 1] --out runs/distill112_pair[_seed1]`, `fer_train --preset quad160 [--seed 1] --out runs/quad160[_seed1]`, `fer_train --preset quad160 --size 192 --prog_size 160 --prog_epochs 9 [--seed 1] --out runs/prog192[_seed1]`
# and of `fer_ablate` (runs/ablations/base/seed{0,1}); writes one folder of fer_evaluate outputs (metrics_*.json with
# run cards, confusion matrices) per model or ensemble under results/tta_ensemble/, which 06_ablations renders.
#
#     bash scripts/tta_ensemble.sh                       # every model and ensemble below
#     bash scripts/tta_ensemble.sh cpu_seed1 cpu_2seeds  # only the named ones
#
# RUNS (default: runs) is where the run directories are; TTAS (default: "none flip center tencrop") the modes.
set -eu
cd "$(dirname "$0")/.."
R=${RUNS:-runs}; OUT=results/tta_ensemble; TTAS=${TTAS:-none flip center tencrop}
declare -A MEMBERS=(); ORDER=""
add() { MEMBERS[$1]="$2"; ORDER+="${ORDER:+ }$1"; }   # a model or ensemble: its name and checkpoints, in table order
add cpu_single "$R/cpu/best.pt"
add cpu_seed1 "$R/cpu_seed1/best.pt"
add cpu_nocrop "$R/cpu_nocrop/best.pt"
add cpu_nocrop_seed1 "$R/cpu_nocrop_seed1/best.pt"
add cpu_nocrop_2seeds "$R/cpu_nocrop/best.pt $R/cpu_nocrop_seed1/best.pt"
add cpu112_nocrop "$R/cpu112_nocrop/best.pt"
add nocrop_3models "$R/cpu_nocrop/best.pt $R/cpu_nocrop_seed1/best.pt $R/cpu112_nocrop/best.pt"
add cpu112_nocrop_seed1 "$R/cpu112_nocrop_seed1/best.pt"
add nocrop_4models "$R/cpu_nocrop/best.pt $R/cpu_nocrop_seed1/best.pt $R/cpu112_nocrop/best.pt $R/cpu112_nocrop_seed1/best.pt"
add ship112 "$R/ship112/best.pt"
add ship112_seed1 "$R/ship112_seed1/best.pt"
add ship112_2seeds "$R/ship112/best.pt $R/ship112_seed1/best.pt"
add cpu_long "$R/cpu_long/best.pt"
add cpu_long_seed1 "$R/cpu_long_seed1/best.pt"
add cpu_long_2seeds "$R/cpu_long/best.pt $R/cpu_long_seed1/best.pt"
add distill112 "$R/distill112/best.pt"
add distill112_seed1 "$R/distill112_seed1/best.pt"
add distill112_2seeds "$R/distill112/best.pt $R/distill112_seed1/best.pt"
add distill112_cpu_long "$R/distill112/best.pt $R/cpu_long/best.pt"
add distill160 "$R/distill160/best.pt"
add distill160_seed1 "$R/distill160_seed1/best.pt"
add distill160_2seeds "$R/distill160/best.pt $R/distill160_seed1/best.pt"
add distill160_distill112 "$R/distill160/best.pt $R/distill112/best.pt"
add distill112_pair "$R/distill112_pair/best.pt"
add distill112_pair_seed1 "$R/distill112_pair_seed1/best.pt"
add distill112_pair_2seeds "$R/distill112_pair/best.pt $R/distill112_pair_seed1/best.pt"
add teacher_quad "$R/distill160/best.pt $R/distill160_seed1/best.pt $R/distill112/best.pt $R/cpu_long/best.pt"
add quad160 "$R/quad160/best.pt"
add quad160_seed1 "$R/quad160_seed1/best.pt"
add quad160_2seeds "$R/quad160/best.pt $R/quad160_seed1/best.pt"
add prog192 "$R/prog192/best.pt"
add prog192_seed1 "$R/prog192_seed1/best.pt"
add prog192_2seeds "$R/prog192/best.pt $R/prog192_seed1/best.pt"
add presets_6models "$R/distill160/best.pt $R/distill160_seed1/best.pt $R/quad160/best.pt $R/quad160_seed1/best.pt $R/prog192/best.pt $R/prog192_seed1/best.pt"
add distill_4models "$R/distill160/best.pt $R/distill160_seed1/best.pt $R/distill112/best.pt $R/distill112_seed1/best.pt"
add cpu_2seeds "$R/cpu/best.pt $R/cpu_seed1/best.pt"
add base_seed0 "$R/ablations/base/seed0/best.pt"
add base_seed1 "$R/ablations/base/seed1/best.pt"
add base_2seeds "$R/ablations/base/seed0/best.pt $R/ablations/base/seed1/best.pt"
add cpu_plus_base_2seeds "$R/cpu/best.pt $R/ablations/base/seed0/best.pt $R/ablations/base/seed1/best.pt"
for name in ${@:-$ORDER}; do
  [ -n "${MEMBERS[$name]:-}" ] || { echo "unknown model $name; choose from: $ORDER"; exit 2; }
  for t in $TTAS; do
    fer_evaluate --checkpoint ${MEMBERS[$name]} --split PrivateTest --tta "$t" --out "$OUT/$name"
  done
done
