#!/usr/bin/env bash
# The main job's training speed under two builds of the driver (e.g. against
# Debian's LibTorch 1.13 and PyPI's 2.x): one lenet member, EPOCHS (1) epochs
# on Fashion-MNIST's whole training split, every core, rounds alternating
# A B A B so that a drifting machine moves both. Prints each run's training
# images/s (the last epoch), training and process seconds, then the median
# ratio A/B of the training rates.
#
#   benchmarks/compare_libtorch.sh DRIVER_A DRIVER_B [ROUNDS=3]
set -euo pipefail
a=${1:?driver A}
b=${2:?driver B}
rounds=${3:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
job=(--method=single --model=lenet --dataset=fashion_mnist --epochs="${EPOCHS:-1}" --eval_sizes=1 --seed=0)

run() {  # NAME DRIVER: one run; prints "img/s train_s wall_s"
  rm -rf "$out/$1"
  local start end
  start=$(date +%s.%N)
  "$2" "${job[@]}" --out_dir="$out/$1" >"$out/$1.log" 2>&1 || { echo "$1 failed: $(tail -1 "$out/$1.log")" >&2; exit 1; }
  end=$(date +%s.%N)
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('%.0f %.1f %.1f' % (r['history'][-1]['images_per_sec'], r['train_seconds'], float(sys.argv[3]) - float(sys.argv[2])))" \
    "$out/$1/results.json" "$start" "$end"
}

echo "A: $a ($(ldd "$a" | grep -oE '/[^ ]*libtorch_cpu[^ ]*' | head -1))"
echo "B: $b ($(ldd "$b" | grep -oE '/[^ ]*libtorch_cpu[^ ]*' | head -1))"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)}; $(nproc) cores"
ratios=()
for r in $(seq "$rounds"); do
  read -r ia ta wa < <(run "a$r" "$a")
  read -r ib tb wb < <(run "b$r" "$b")
  ratio=$(python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$ia" "$ib")
  ratios+=("$ratio")
  echo "round $r: A $ia img/s (train ${ta} s, process ${wa} s)  B $ib img/s (train ${tb} s, process ${wb} s)  A/B $ratio"
done
echo "ratio: $(printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')"
