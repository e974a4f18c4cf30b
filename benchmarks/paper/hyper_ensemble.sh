#!/usr/bin/env bash
# A hyper ensemble (Wenzel et al., NeurIPS 2020: "hyper_ens", the step before
# their hyper-deep ensembles, which retrain the chosen settings from more
# initialisations): a random search over the learning rate, the weight decay
# and the dropout rate, one network per draw (its own seed), then Caruana's
# greedy selection with replacement of K members on the validation NLL
# (method `select`). Every run
# holds out one validation split (--dataset_args=val_seed=0, the split that
# --seed=0 holds out), so that no pool member trained on the examples the
# selection scores.
#
#   benchmarks/paper/hyper_ensemble.sh [DRIVER] [OUT_ROOT] [N] [K] [EPOCHS] [DRIVER_FLAGS...]
#
# Defaults: bazel-bin/driver/driver, runs/hyper_ensemble, N = 8 draws,
# K = 4 steps, 3 epochs a network. Beside it, the reference: a deep ensemble
# of K networks with the default settings (lr 0.05, weight decay 5e-4,
# lenet's dropout 0.25 / 0.5) at the same budget and validation split
# (OUT_ROOT/deep_ensemble). Lenet on Fashion-MNIST, SGD momentum 0.9, batch
# 128, step schedule: about 2 minutes a network on 2 CPU cores. The draws:
# lr log-uniform in [0.01, 0.2], weight decay log-uniform in [1e-5, 1e-3],
# dropout r uniform in [0, 0.4] after the pooling and 2r after fc1 (lenet's
# defaults are 0.25 and 0.5), from Python's random.Random(0).
# A run already finished in OUT_ROOT is kept (the selection too: remove
# OUT_ROOT/selected after changing N or K). OUT_ROOT/draws.tsv lists the
# draws; OUT_ROOT/selected is the hyper ensemble (its
# members/ensemble.json's `record`: the steps and the weights).
set -euo pipefail
driver=${1:-bazel-bin/driver/driver}
out=${2:-runs/hyper_ensemble}
n=${3:-8}
k=${4:-4}
epochs=${5:-3}
shift $(( $# < 5 ? $# : 5 ))
[[ -x $driver ]] || { echo "error: driver '$driver' not found (bazel build //:driver)" >&2; exit 2; }
mkdir -p "$out"

# A --dataset_args among the DRIVER_FLAGS (the data's dir) is joined with val_seed.
dataset_args=val_seed=0
extra=()
for flag in "$@"; do
  if [[ $flag == --dataset_args=* ]]; then dataset_args+=",${flag#--dataset_args=}"; else extra+=("$flag"); fi
done
common=(--model=lenet --dataset=fashion_mnist --dataset_args="$dataset_args" --batch_size=128 --momentum=0.9
        --epochs="$epochs" --device=cpu "${extra[@]}")

python3 - "$n" >"$out/draws.tsv" <<'PY'
import math, random, sys
rng = random.Random(0)
print("run\tseed\tlr\tweight_decay\tdropout")
for i in range(1, int(sys.argv[1]) + 1):
    lr = math.exp(rng.uniform(math.log(0.01), math.log(0.2)))
    wd = math.exp(rng.uniform(math.log(1e-5), math.log(1e-3)))
    dropout = rng.uniform(0.0, 0.4)
    print(f"draw_{i:02d}\t{i}\t{lr:.5g}\t{wd:.5g}\t{dropout:.3f}")
PY

runs=()
while IFS=$'\t' read -r run seed lr wd dropout; do
  [[ $run == run ]] && continue
  runs+=("$out/$run")
  if [[ -f $out/$run/results.json ]]; then
    echo "== $run: finished earlier, kept"
    continue
  fi
  echo "== $run: lr $lr, weight decay $wd, dropout $dropout"
  resume=()
  [[ -d $out/$run/checkpoints ]] && resume=(--resume)
  "$driver" "${common[@]}" --method=single --seed="$seed" --lr="$lr" --weight_decay="$wd" \
      --model_args="dropout=$dropout,fc_dropout=$(python3 -c "print(2 * $dropout)")" --out_dir="$out/$run" \
      "${resume[@]}" </dev/null
done <"$out/draws.tsv"

if [[ -f $out/deep_ensemble/results.json ]]; then
  echo "== deep_ensemble: finished earlier, kept"
else
  echo "== deep_ensemble: $k networks, the default settings"
  resume=()
  [[ -d $out/deep_ensemble/checkpoints ]] && resume=(--resume)
  "$driver" "${common[@]}" --method=deep_ensemble --members="$k" --seed=0 --lr=0.05 --weight_decay=5e-4 \
      --out_dir="$out/deep_ensemble" "${resume[@]}"
fi

pool=$(IFS=:; echo "${runs[*]}")
if [[ -f $out/selected/results.json ]]; then
  echo "== selected: finished earlier, kept"
else
  echo "== selected: $k greedy steps from the ${#runs[@]} runs"
  "$driver" "${common[@]}" --method=select --members="$k" --method_args="runs=$pool" --seed=0 \
      --out_dir="$out/selected" --dee_reference="$out/deep_ensemble"
fi
