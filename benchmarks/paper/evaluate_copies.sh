#!/usr/bin/env bash
# Evaluates finished runs again on other sets without touching them: each
# RUN_DIR's results.json and members/ are copied to OUT_ROOT/<its name>/ and
# evaluated there with `DRIVER --eval_only` and EVAL_FLAGS (--ood, --shift,
# --eval_sizes, ...: the evaluation settings; the rest is the run's own).
# The copy's results.json holds the run's test metrics again beside the new
# sets (the run's own to float rounding: a check), and its predictions/ the
# members' log-probabilities of every set; members/ is removed after
# (KEEP_MEMBERS=1 keeps it, for //:predict or another --eval_only). A copy
# whose evaluation failed keeps no results.json; the others go on, and the
# exit code is 1.
#
#   benchmarks/paper/evaluate_copies.sh DRIVER OUT_ROOT RUN_DIR... -- EVAL_FLAGS...
#
# e.g. two of the study's runs on all 10,000 MNIST digits:
#   benchmarks/paper/evaluate_copies.sh bazel-bin/driver/driver runs/mnist_10k \
#     runs/robustness_fmnist_30ep/deep_ensemble_s0 runs/robustness_fmnist_30ep/swag \
#     -- --ood=mnist --ood_args=mnist:dir=$PWD/tests/data/mnist --shift=
set -euo pipefail
usage="usage: $0 DRIVER OUT_ROOT RUN_DIR... -- EVAL_FLAGS..."
[[ $# -ge 3 ]] || { echo "$usage" >&2; exit 2; }
driver=$1 out_root=$2
shift 2
runs=()
while [[ $# -gt 0 && $1 != -- ]]; do runs+=("$1"); shift; done
[[ $# -gt 0 ]] && shift  # the --
[[ ${#runs[@]} -gt 0 ]] || { echo "$usage" >&2; exit 2; }
# Every run readable, and no copy a run or inside one, before any work.
declare -A seen=()
out_real=$(realpath -m "$out_root")
for run in "${runs[@]}"; do
  [[ -f $run/results.json && -d $run/members ]] \
    || { echo "evaluate_copies.sh: $run: no finished run (results.json and members/)" >&2; exit 2; }
  name=$(basename "$(realpath "$run")")
  [[ -z ${seen[$name]:-} ]] \
    || { echo "evaluate_copies.sh: $run and ${seen[$name]} would share the copy $out_root/$name" >&2; exit 2; }
  seen[$name]=$run
done
for run in "${runs[@]}"; do
  run_real=$(realpath "$run")
  for copy in "${!seen[@]}"; do
    case "$out_real/$copy/" in "$run_real"/*)
      echo "evaluate_copies.sh: the copy $out_root/$copy would be, or be inside, the run $run" >&2; exit 2 ;;
    esac
    case "$run_real/" in "$out_real/$copy"/*)
      echo "evaluate_copies.sh: the copy $out_root/$copy would hold the run $run" >&2; exit 2 ;;
    esac
  done
done
failed=0
for run in "${runs[@]}"; do
  name=$(basename "$(realpath "$run")")
  copy=$out_root/$name
  echo "== $name"
  rm -rf "$copy"
  mkdir -p "$copy"
  cp "$run/results.json" "$copy/"
  cp -r "$run/members" "$copy/"
  if "$driver" --eval_only --out_dir="$copy" "$@"; then
    [[ ${KEEP_MEMBERS:-} == 1 ]] || rm -rf "$copy/members"
  else
    echo "== $name: exit code $?"
    rm -f "$copy/results.json"  # the run's own, not an evaluation of the copy
    failed=1
  fi
done
exit $failed
