#!/usr/bin/env bash
# Does a change keep every method's results? Builds the driver of BASE (a
# commit, default HEAD) in a scratch worktree and the driver of the working
# tree, runs every registered method with both on the same short job (mlp on
# 1,000 Fashion-MNIST images with random crops and flips, same seed, CPU),
# and compares their results.json (metrics and training history, timings
# aside) and every prediction file byte for byte. Prints one line per method
# and exits 1 if any differs. A refactor must leave them all "same".
#
#   tools/same_results.sh [BASE] [-- EXTRA DRIVER FLAGS]
#   bazel flags (e.g. --config=libtorch2, for a BASE that has that config)
#   come from BAZEL_FLAGS.
set -uo pipefail
cd "$(dirname "$0")/.."
base=HEAD
if [ $# -gt 0 ] && [ "$1" != -- ]; then base=$1; shift; fi
[ "${1:-}" = -- ] && shift
extra=("$@")
read -r -a bazel_flags <<<"${BAZEL_FLAGS:-}"
scratch=$(mktemp -d /tmp/same_results.XXXXXX)
cleanup() {
  # The base worktree's Bazel server and output base go with it.
  if [ -d "$scratch/base" ]; then
    local output_base
    output_base=$(cd "$scratch/base" && bazel info output_base 2>/dev/null)
    (cd "$scratch/base" && bazel shutdown >/dev/null 2>&1)
    [ -n "$output_base" ] && rm -rf "$output_base"
  fi
  git worktree remove --force "$scratch/base" >/dev/null 2>&1
  rm -rf "$scratch"
}
trap cleanup EXIT
fail() { verdict="$verdict $*"; }
source tests/testing/same_outputs.sh

git worktree add --detach "$scratch/base" "$base" >/dev/null 2>&1 || { echo "cannot check out '$base'"; exit 2; }
build() {  # DIR: builds its driver, copies it (and what it links) out
  (cd "$1" && bazel build "${bazel_flags[@]}" //driver:driver >"$scratch/build.log" 2>&1) ||
    { echo "build failed in $1:"; tail -20 "$scratch/build.log"; exit 2; }
  echo "$1/bazel-bin/driver/driver"
}
base_driver=$(build "$scratch/base") || { echo "$base_driver"; exit 2; }
head_driver=$(build "$PWD") || { echo "$head_driver"; exit 2; }
echo "base: $(git rev-parse --short "$base"); head: the working tree of $(git rev-parse --short HEAD)"

job=(--model=mlp --dataset=fashion_mnist --dataset_args=train_limit=1000,val_size=200,augment=crop_flip --members=2 --epochs=2
     --batch_size=64 --seed=7 --device=cpu --threads=1 --eval_batch_size=500 "${extra[@]}")
methods=$("$head_driver" --list | awk '/^methods/ {on = 1; next} /^[a-z]/ && on && !/^  / {on = 0} on && /^  [a-z_]+ / {print $1}')
[ -n "$methods" ] || { echo "no methods in --list"; exit 2; }
differ=0
# What a method needs beyond the common job to run at all.
method_flags() {
  case $1 in
    fge) echo "--epochs=6" ;;                       # pre-training before its 2 cycles of 2 epochs
    mc_dropout) echo "--model_args=dropout=0.2" ;;  # a network with dropout
  esac
}
for method in $methods; do
  read -r -a own <<<"$(method_flags "$method")"
  for side in base head; do
    driver=$base_driver; [ "$side" = head ] && driver=$head_driver
    "$driver" --method="$method" "${job[@]}" "${own[@]}" --out_dir="$scratch/$side/$method" >"$scratch/$side.$method.log" 2>&1
    echo $? >"$scratch/$side.$method.rc"
  done
  base_rc=$(cat "$scratch/base.$method.rc") head_rc=$(cat "$scratch/head.$method.rc")
  if [ "$base_rc" != 0 ] || [ "$head_rc" != 0 ]; then
    if [ "$base_rc" = "$head_rc" ] && [ "$(tail -1 "$scratch/base.$method.log")" = "$(tail -1 "$scratch/head.$method.log")" ]; then
      echo "$method: same (both refuse this job: $(tail -1 "$scratch/head.$method.log"))"
    else
      echo "$method: DIFFERENT exit codes $base_rc vs $head_rc: $(tail -1 "$scratch/head.$method.log")"; differ=1
    fi
    continue
  fi
  verdict=""
  same_outputs "$scratch/base/$method" "$scratch/head/$method"
  if [ -z "$verdict" ]; then
    echo "$method: same ($(ls "$scratch/head/$method/predictions" | wc -l) prediction files, metrics, history)"
  else
    echo "$method: DIFFERENT:$verdict"; differ=1
  fi
done
exit $differ
