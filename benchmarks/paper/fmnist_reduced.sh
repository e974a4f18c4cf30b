#!/usr/bin/env bash
# The methods of issue #3 on real Fashion-MNIST with lenet, each with the same
# total training budget of BUDGET epochs (default 12), 4 members (20 MC-dropout
# samples), DEE against the deep ensemble of the same budget.
#
#   benchmarks/paper/fmnist_reduced.sh [DRIVER] [OUT_ROOT] [BUDGET]
#
# DRIVER defaults to bazel-bin/driver/driver (build it first).
set -euo pipefail
driver=${1:-bazel-bin/driver/driver}
root=${2:-runs/fmnist_reduced}
budget=${3:-12}
members=4
common=(--model=lenet --dataset=fashion_mnist --lr=0.05 --momentum=0.9 --weight_decay=5e-4 --batch_size=128 --seed=0)
run() { local name=$1; shift; echo "== $name: $*"; "$driver" "${common[@]}" --out_dir="$root/$name" "$@"; }

run deep_ensemble --method=deep_ensemble --members=$members --epochs=$((budget / members))
ref=(--dee_reference="$root/deep_ensemble")
run single --method=single --epochs=$budget "${ref[@]}"
run snapshot --method=snapshot --method_args=lr0=0.1 --members=$members --epochs=$budget "${ref[@]}"
run fge --method=fge --method_args=cycle_epochs=1 --members=$members --epochs=$budget "${ref[@]}"
run mc_dropout --method=mc_dropout --members=20 --epochs=$budget "${ref[@]}"
