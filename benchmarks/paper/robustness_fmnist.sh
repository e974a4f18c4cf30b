#!/usr/bin/env bash
# The study of issue 24 (Ovadia et al. 2019's protocol on Fashion-MNIST with
# lenet): each run is evaluated on the test set, on the 16 corruptions of
# the shift suite at every severity, and on five out-of-distribution sets
# (real MNIST digits, uniform and Gaussian noise, the test images mirrored
# and turned), one pass per member over all of them.
#   deep_ensemble_s<seed>  MEMBERS networks x EPOCHS epochs, at each seed of
#                  SEEDS; its size-1 rows are a single network's
#   then, at the first seed, ONE_SEED_METHODS (default mc_dropout snapshot
#   swag): mc_dropout and swag one network of EPOCHS epochs with DRAWS
#   test-time draws; snapshot MEMBERS cycles in MEMBERS x EPOCHS epochs
#   (the deep ensemble's budget)
#
#   benchmarks/paper/robustness_fmnist.sh [DRIVER] [OUT_ROOT] [MNIST_DIR] [DATASET_ARGS]
#
# Environment: SEEDS ("0 1 2"), MEMBERS (5), EPOCHS (5), DRAWS (10), DEVICE
# (auto), SEVERITIES (1:2:3:4:5), ONE_SEED_METHODS, OOD_ARGS (default
# mnist:dir=MNIST_DIR), AFTER_RUN (a shell command run after each run, e.g.
# to pack results). `//:report` over OUT_ROOT gives
# mean and spread per setting.
set -euo pipefail
driver=${1:-bazel-bin/driver/driver}
root=${2:-runs/robustness_fmnist}
mnist=${3:-../shared/data/mnist}
dataset_args=${4:-}
seeds=${SEEDS:-0 1 2}
members=${MEMBERS:-5}
epochs=${EPOCHS:-5}
draws=${DRAWS:-10}
common=(--model=lenet --dataset=fashion_mnist --lr=0.05 --momentum=0.9 --weight_decay=5e-4 --batch_size=128
        --device="${DEVICE:-auto}" --ood=mnist,uniform,gaussian,flipped,rotated --ood_args="${OOD_ARGS:-mnist:dir=$mnist}"
        --shift=all --shift_severities="${SEVERITIES:-1:2:3:4:5}")
[[ -n $dataset_args ]] && common+=(--dataset_args="$dataset_args")
run() {
  local name=$1; shift
  echo "== $name: $*"
  "$driver" "${common[@]}" --out_dir="$root/$name" "$@" || echo "== $name: exit code $?"
  [[ -z ${AFTER_RUN:-} ]] || eval "$AFTER_RUN"
}
first=${seeds%% *}
for seed in $seeds; do
  run "deep_ensemble_s$seed" --method=deep_ensemble --members="$members" --epochs="$epochs" --seed="$seed"
done
for method in ${ONE_SEED_METHODS-mc_dropout snapshot swag}; do
  case $method in
    snapshot) run snapshot --method=snapshot --members="$members" --epochs=$((members * epochs)) --seed="$first" ;;
    *) run "$method" --method="$method" --members="$draws" --epochs="$epochs" --seed="$first" ;;
  esac
done
