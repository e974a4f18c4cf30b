#!/usr/bin/env bash
# Evaluates finished runs again on other sets without touching them: each
# RUN_DIR's results.json and members/ are copied to OUT_ROOT/<its name>/ and
# evaluated there with `DRIVER --eval_only` and EVAL_FLAGS (--ood, --shift,
# --eval_sizes, ...: the evaluation settings; the rest is the run's own).
# The copy's results.json holds the run's test metrics again beside the new
# sets (the run's own to float rounding: a check), and its predictions/ the members'
# log-probabilities of every set; members/ is removed after (KEEP_MEMBERS=1
# keeps it, for //:predict or another --eval_only).
#
#   benchmarks/paper/evaluate_copies.sh DRIVER OUT_ROOT RUN_DIR... -- EVAL_FLAGS...
#
# e.g. the study's runs on all 10,000 MNIST digits:
#   benchmarks/paper/evaluate_copies.sh bazel-bin/driver/driver runs/mnist_10k runs/robustness_fmnist_30ep/* \
#     -- --ood=mnist --ood_args=mnist:dir=$PWD/tests/data/mnist --shift=
set -euo pipefail
[[ $# -ge 3 ]] || { echo "usage: $0 DRIVER OUT_ROOT RUN_DIR... -- EVAL_FLAGS..." >&2; exit 2; }
driver=$1 out_root=$2
shift 2
runs=()
while [[ $# -gt 0 && $1 != -- ]]; do runs+=("$1"); shift; done
[[ $# -gt 0 ]] && shift  # the --
for run in "${runs[@]}"; do  # every run readable before any work
  [[ -f $run/results.json && -d $run/members ]] \
    || { echo "evaluate_copies.sh: $run: no finished run (results.json and members/)" >&2; exit 2; }
done
failed=0
for run in "${runs[@]}"; do
  name=$(basename "$run")
  copy=$out_root/$name
  echo "== $name"
  rm -rf "$copy" && mkdir -p "$copy"
  cp "$run/results.json" "$copy/" && cp -r "$run/members" "$copy/"
  if "$driver" --eval_only --out_dir="$copy" "$@"; then
    [[ ${KEEP_MEMBERS:-} == 1 ]] || rm -rf "$copy/members"
  else
    echo "== $name: exit code $?"
    failed=1
  fi
done
exit $failed
