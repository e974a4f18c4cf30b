#!/usr/bin/env bash
# The study of issue 24 (Ovadia et al. 2019's protocol on Fashion-MNIST with
# lenet): each run is evaluated on the test set, on the 16 corruptions of
# the shift suite at every severity, and on five out-of-distribution sets
# (real MNIST digits, uniform and Gaussian noise, the test images mirrored
# and turned), one pass per member over all of them.
#   deep_ensemble_s<seed>  MEMBERS networks x EPOCHS epochs, at each seed of
#                  SEEDS; its size-1 rows are a single network's
#   then, at the first seed, ONE_SEED_METHODS (default mc_dropout snapshot
#   swag), each at one of three budgets:
#   - around one network of EPOCHS epochs (the ensemble's first member, same
#     seed: read from deep_ensemble_s<seed> with weights_from= when that run
#     is there, else trained again to the same weights; an OUT_ROOT reused
#     with other EPOCHS or DATASET_ARGS keeps its old, finished deep
#     ensembles and would lend them), DRAWS test-time draws: mc_dropout,
#     kfac_laplace;
#   - one run of WHOLE epochs (default MEMBERS x EPOCHS, the deep ensemble's
#     whole budget; the existing tables' is WHOLE=30 with EPOCHS=30):
#     snapshot (MEMBERS cycles), fge (MEMBERS cycles of WHOLE/2/MEMBERS
#     epochs, at least 1, after pre-training), swag, csgld (lr0 0.1, as the
#     tables), vi_ffg (DRAWS draws each);
#   - the one-pass ensembles, every member trained EPOCHS epochs in one run
#     (issue 23's budget): batch_ensemble (MEMBERS), packed_ensembles
#     (MEMBERS, alpha 2), masksembles (MEMBERS, scale 2), mimo (3 members,
#     the paper's setting)
#   held_out_s<seed>  with HELD_OUT (classes, e.g. 5:7:9: sandals, sneakers,
#                  ankle boots), last: the deep ensemble of MEMBERS x EPOCHS
#                  trained without those classes, whose test images are its
#                  first OOD set (held_out) before the five
#
#   benchmarks/paper/robustness_fmnist.sh [DRIVER] [OUT_ROOT] [MNIST_DIR] [DATASET_ARGS]
#
# The tables' budgets (every one-run method 30 epochs, the deep ensemble of
# 10 networks of 30 epochs the DEE reference at the same per-member budget):
#   MEMBERS=10 EPOCHS=30 WHOLE=30 DRAWS=30 (a GPU host: tools/shift/device_study.sh)
# or, in parts: MEMBERS=5 EPOCHS=30 WHOLE=30 REFERENCE="0 1" makes the
# reference by combining the deep ensembles of seeds 0 and 1
# (deep_ensemble_ref, the test set only, its curve averaged over 20 member
# orders; a row of its own in //:report over OUT_ROOT); with REFERENCE every
# deep ensemble holds out the first seed's validation split (val_seed, unless
# DATASET_ARGS names one), as combine's one deep ensemble must.
#
# Environment: SEEDS ("0 1 2"), ENSEMBLE_SEEDS (the seeds whose deep
# ensembles run, default SEEDS; "" runs only ONE_SEED_METHODS), MEMBERS
# (5), EPOCHS (5), WHOLE, DRAWS (10), REFERENCE, DEVICE (auto), SEVERITIES
# (1:2:3:4:5), ONE_SEED_METHODS, HELD_OUT, OOD_ARGS (default mnist:dir=MNIST_DIR),
# AFTER_RUN (a shell command run after each run, e.g. to pack results).
# `//:report` over OUT_ROOT gives mean and spread per setting. The same
# command again over the same OUT_ROOT goes on where it stopped: a finished
# run (its results.json) is kept whatever flags made it (choose another
# OUT_ROOT for other settings), an interrupted one resumes from its
# checkpoints (--resume, which refuses other flags than the run started with).
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
# interrupted NAME: whether the run in NAME was stopped after a checkpoint
# (the driver's rule: a job.json alone is a run that never got that far).
interrupted() { compgen -G "$root/$1/checkpoints/run_*.ckpt" >/dev/null; }
# started_without_weights NAME: an interrupted run that began without
# weights_from, and must resume so.
started_without_weights() {
  interrupted "$1" && ! grep -q '"weights_from": "[^"]' "$root/$1/checkpoints/job.json"
}
run() {
  local name=$1; shift
  if [[ -f $root/$name/results.json ]]; then
    echo "== $name: finished earlier, kept"
    return 0
  elif interrupted "$name"; then
    echo "== $name: resuming: $*"
    "$driver" "${common[@]}" --out_dir="$root/$name" "$@" --resume || echo "== $name: exit code $?"
  else
    echo "== $name: $*"
    "$driver" "${common[@]}" --out_dir="$root/$name" "$@" || echo "== $name: exit code $?"
  fi
  [[ -z ${AFTER_RUN:-} ]] || eval "$AFTER_RUN"
}
first=${seeds%% *}
reference=${REFERENCE:-}
ensemble_args=()  # the deep ensembles' --dataset_args
if [[ -n $reference && $dataset_args != *val_seed=* ]]; then
  ensemble_args=(--dataset_args="${dataset_args:+$dataset_args,}val_seed=$first")
fi
whole=${WHOLE:-$((members * epochs))}
cycle=$((whole / 2 / members > 0 ? whole / 2 / members : 1))
# budget METHOD: its flags in `flags` (the rules of the header); 1 if none.
budget() {
  flags=(--method="$1" --seed="$first")
  case $1 in
    mc_dropout|kfac_laplace)
      flags+=(--members="$draws" --epochs="$epochs")
      if [[ -f $root/deep_ensemble_s$first/results.json ]] && ! started_without_weights "$1"; then
        flags+=(--method_args=weights_from="$root/deep_ensemble_s$first")
      fi ;;
    snapshot) flags+=(--members="$members" --epochs="$whole") ;;
    fge) flags+=(--members="$members" --epochs="$whole" --method_args=cycle_epochs="$cycle") ;;
    swag|vi_ffg) flags+=(--members="$draws" --epochs="$whole") ;;
    csgld) flags+=(--members="$draws" --epochs="$whole" --method_args=lr0=0.1) ;;
    batch_ensemble|packed_ensembles|masksembles) flags+=(--members="$members" --epochs="$epochs") ;;
    mimo) flags+=(--members=3 --epochs="$epochs") ;;
    *) return 1 ;;
  esac
}
if [[ -n ${HELD_OUT:-} && ! $HELD_OUT =~ ^[0-9]+(:[0-9]+)*$ ]]; then
  echo "robustness_fmnist.sh: HELD_OUT=$HELD_OUT: expected class indices such as 5:7:9" >&2
  exit 2
fi
one_seed=${ONE_SEED_METHODS-mc_dropout snapshot swag}
for method in $one_seed; do  # before hours of deep ensembles, not after
  budget "$method" || { echo "robustness_fmnist.sh: no budget rule for method '$method' (ONE_SEED_METHODS)" >&2; exit 2; }
done
for seed in ${ENSEMBLE_SEEDS-$seeds}; do
  run "deep_ensemble_s$seed" --method=deep_ensemble --members="$members" --epochs="$epochs" --seed="$seed" \
    ${ensemble_args[@]+"${ensemble_args[@]}"}
done
if [[ -n $reference ]]; then
  parts=()
  for seed in $reference; do parts+=("$root/deep_ensemble_s$seed"); done
  parts_list=$(IFS=:; echo "${parts[*]}")
  run deep_ensemble_ref --method=combine --method_args=runs="$parts_list" --ood= --ood_args= --shift= --eval_orders=20
fi
for method in $one_seed; do
  budget "$method"
  run "$method" "${flags[@]}"
done
if [[ -n ${HELD_OUT:-} ]]; then
  run "held_out_s$first" --method=deep_ensemble --members="$members" --epochs="$epochs" --seed="$first" \
    --dataset_args="${dataset_args:+$dataset_args,}hold_out_classes=$HELD_OUT" \
    --ood=held_out,mnist,uniform,gaussian,flipped,rotated
fi
