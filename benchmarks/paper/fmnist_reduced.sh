#!/usr/bin/env bash
# The methods of issue #3 on real Fashion-MNIST with lenet, each with the same
# total training budget of BUDGET epochs (default 30, a multiple of 30 keeps
# every split whole), DEE against the deep ensemble of the same budget:
#   deep_ensemble  3 members x BUDGET/3 epochs, step schedule each
#   single         1 network x BUDGET epochs, step schedule
#   snapshot       5 cosine cycles of BUDGET/5 epochs, lr0 = 0.1
#   fge            SWA-style pre-training, then 5 triangular cycles of 2 epochs
#   mc_dropout     30 test passes with dropout through the single run's network
#                  (weights_from: the same seed trains the same network, so
#                  training it again would cost BUDGET epochs for nothing)
#
#   benchmarks/paper/fmnist_reduced.sh [DRIVER] [OUT_ROOT] [BUDGET]
#
# SEED (default 0) seeds every run: one OUT_ROOT per seed, then `//:report`
# over all of them gives mean and spread per setting.
# DRIVER defaults to bazel-bin/driver/driver (build it first).
set -euo pipefail
driver=${1:-bazel-bin/driver/driver}
root=${2:-runs/fmnist_reduced}
budget=${3:-30}
if (( budget % 15 != 0 )); then
  echo "error: BUDGET must be a multiple of 15 (3 members, 5 cycles), got $budget" >&2
  exit 2
fi
common=(--model=lenet --dataset=fashion_mnist --lr=0.05 --momentum=0.9 --weight_decay=5e-4 --batch_size=128 --seed="${SEED:-0}")
run() { local name=$1; shift; echo "== $name: $*"; "$driver" "${common[@]}" --out_dir="$root/$name" "$@"; }

run deep_ensemble --method=deep_ensemble --members=3 --epochs=$((budget / 3))
ref=(--dee_reference="$root/deep_ensemble")
run single --method=single --epochs=$budget "${ref[@]}"
run snapshot --method=snapshot --method_args=lr0=0.1 --members=5 --epochs=$budget "${ref[@]}"
run fge --method=fge --method_args=cycle_epochs=2 --members=5 --epochs=$budget "${ref[@]}"
run mc_dropout --method=mc_dropout --method_args=weights_from="$root/single" --members=30 --epochs=$budget "${ref[@]}"
