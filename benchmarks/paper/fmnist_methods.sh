#!/usr/bin/env bash
# The methods of issue #4 on real Fashion-MNIST with lenet, at the budget of
# an earlier `fmnist_reduced.sh` run in the same OUT_ROOT (whose single and
# deep_ensemble runs this script reuses: DEE against that deep ensemble, and
# kfac_laplace on that single network):
#   swag          one SWA-schedule run of BUDGET epochs, 30 draws (K = 20)
#   swa, swag_diag  the same trajectory (moments_from=swag: the same seed
#                 trains the same run, so training it again costs BUDGET
#                 epochs for nothing); swag_diag 30 draws
#   csgld         BUDGET epochs, 4 cycles from lr0 0.1, 32 samples (8 per cycle)
#   vi_ffg        BUDGET epochs on the ELBO, 30 test-time draws
#   kfac_laplace  the single run's network, 30 draws, scale tuned on val
#   bagging, boosting  10 members x BUDGET/10 epochs
#
#   benchmarks/paper/fmnist_methods.sh [DRIVER] [OUT_ROOT] [BUDGET] [GROUP]
#
# SEED (default 0) seeds every run: one OUT_ROOT per seed, then `//:report`
# over all of them gives mean and spread per setting.
# GROUP (default all) runs one half: `a` (swag, swa, swag_diag, csgld,
# kfac_laplace, bagging) or `b` (vi_ffg, boosting), so that two processes
# with --threads=1 each can share a 2-core machine (set THREADS=1).
set -euo pipefail
driver=${1:-bazel-bin/driver/driver}
root=${2:-runs/fmnist_reduced}
budget=${3:-30}
group=${4:-all}
if (( budget % 10 != 0 )); then
  echo "error: BUDGET must be a multiple of 10 (10 bagging / boosting members), got $budget" >&2
  exit 2
fi
for needed in single deep_ensemble; do
  if [[ ! -f $root/$needed/results.json ]]; then
    echo "error: $root/$needed/results.json missing: run benchmarks/paper/fmnist_reduced.sh first" >&2
    exit 2
  fi
done
common=(--model=lenet --dataset=fashion_mnist --lr=0.05 --momentum=0.9 --weight_decay=5e-4 --batch_size=128
        --seed="${SEED:-0}" --threads="${THREADS:-0}" --dee_reference="$root/deep_ensemble")
run() { local name=$1; shift; echo "== $name: $*"; "$driver" "${common[@]}" --out_dir="$root/$name" "$@"; }

if [[ $group == all || $group == a ]]; then
  run swag --method=swag --members=30 --epochs=$budget
  run swa --method=swa --method_args=moments_from="$root/swag" --epochs=$budget
  run swag_diag --method=swag_diag --method_args=moments_from="$root/swag" --members=30 --epochs=$budget
  # lr0=0.1: the reference 0.5 (momentum 0) diverges on lenet in epoch 1.
  run csgld --method=csgld --method_args=lr0=0.1 --members=32 --epochs=$budget
  run kfac_laplace --method=kfac_laplace --method_args=weights_from="$root/single" --members=30 --epochs=$budget
  run bagging --method=bagging --members=10 --epochs=$((budget / 10))
fi
if [[ $group == all || $group == b ]]; then
  run vi_ffg --method=vi_ffg --members=30 --epochs=$budget
  run boosting --method=boosting --members=10 --epochs=$((budget / 10))
fi
