#!/usr/bin/env bash
# Training throughput of our driver next to a plain PyTorch loop in Python
# (benchmarks/pytorch_baseline.py: same network, optimiser, batch size, data
# in memory), EPOCHS (1) epochs each on the same Fashion-MNIST images, one
# after the other on this machine; the last epoch is timed. Ends with
# `ratio: X.XX` (ours / PyTorch).
#
#   benchmarks/compare_pytorch.sh [MODEL] [DRIVER] [IMAGES] [THREADS] [DEVICE] [PYTHON]
#
# MODEL lenet (default), preresnet20 or wrn28_10; DRIVER bazel-bin/driver/driver;
# IMAGES 60000 (the whole training file); THREADS every core; DEVICE cpu or
# cuda; PYTHON the interpreter with torch (Debian's /usr/bin/python3 here;
# the GPU host's python there). DATA=random32 trains both on random 3x32x32
# images (CIFAR's shape; IMAGES default 50000) instead of Fashion-MNIST.
# OURS_FLAGS adds driver flags (e.g. OURS_FLAGS=--channels_last), THEIRS_FLAGS
# the baseline's (--bf16 --channels_last --cudnn_benchmark: the same names).
# ROUNDS (1) pairs alternate; the last line is then the median ratio.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
model=${1:-lenet}
driver=${2:-bazel-bin/driver/driver}
images=${3:-60000}
threads=${4:-$(nproc)}
device=${5:-cpu}
python=${6:-/usr/bin/python3}
data=${DATA:-${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}}
if [ "$data" = random32 ]; then
  images=${3:-50000}
  dataset=(--dataset=synthetic --dataset_args=size=32,channels=3,classes=10,noise=0.3,train="$images",test=1000)
else
  dataset=(--dataset=fashion_mnist --dataset_args=dir="$data",val_size=0,train_limit="$images")
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

epochs=${EPOCHS:-1}
rounds=${ROUNDS:-1}
run_ours() {
  rm -rf "$out/ours"
  "$driver" --method=single --epochs="$epochs" --model="$model" "${dataset[@]}" --batch_size=128 --lr=0.05 --momentum=0.9 \
    --weight_decay=5e-4 --threads="$threads" --device="$device" --eval_sizes=1 --out_dir="$out/ours" ${OURS_FLAGS:-} \
    >/dev/null 2>"$out/ours.log" || {
    rc=$?
    [ -f "$out/ours/results.json" ] || { echo "error: our driver failed: $(tail -1 "$out/ours.log")" >&2; exit 1; }
    echo "warning: our driver exited with $rc after writing its results" >&2
  }
  "$python" -c "import json, sys; print(json.load(open(sys.argv[1]))['history'][-1]['images_per_sec'])" \
    "$out/ours/results.json"
}
run_theirs() {
  "$python" "$here/pytorch_baseline.py" --model="$model" --data="$data" --images="$images" \
    --threads="$threads" --device="$device" --epochs="$epochs" ${THEIRS_FLAGS:-}
}
# Both sides load the same OpenBLAS, whose kernels follow OPENBLAS_CORETYPE.
printf 'model %s, %s images, batch 128, threads %s, device %s, epoch %s of %s; ours: %s; theirs: %s; OPENBLAS_CORETYPE=%s\n' \
  "$model" "$images" "$threads" "$device" "$epochs" "$epochs" "${OURS_FLAGS:-}" "${THEIRS_FLAGS:-}" \
  "${OPENBLAS_CORETYPE:-(unset)}"
# ROUNDS > 1: ours and PyTorch alternate, one pair per round, and the ratio
# printed last is the median of the rounds' ratios (a shared machine's speed
# drifts by 10 % and more between runs; pairs run back to back see the same).
ratios=()
for round in $(seq "$rounds"); do
  ours=$(run_ours)
  theirs_line=$(run_theirs)
  theirs=$(echo "$theirs_line" | sed -n 's/^pytorch: \([0-9.]*\) img\/s.*/\1/p')
  [ -n "$theirs" ] || { echo "error: the PyTorch baseline printed: $theirs_line" >&2; exit 1; }
  [ "$rounds" -gt 1 ] && printf 'round %s of %s\n' "$round" "$rounds"
  printf 'ours:    %.1f img/s\n' "$ours"
  echo "$theirs_line"
  ratios+=("$("$python" -c "import sys; print(float(sys.argv[1]) / float(sys.argv[2]))" "$ours" "$theirs")")
  [ "$rounds" -gt 1 ] && printf 'round ratio: %.2f\n' "${ratios[-1]}"
done
"$python" -c "import statistics, sys; print('ratio: %.2f' % statistics.median(map(float, sys.argv[1:])))" "${ratios[@]}"
