#!/usr/bin/env bash
# The driver ends every kind of run with exit code 0 and nothing on stderr but
# its own lines: a training run on the CPU (with several threads, so
# OpenMP's and ATen's pools exist at exit), one with a plugin loaded,
# --eval_only, and a CUDA run where a GPU is present. Built against LibTorch
# 2.x, every training run once died with SIGSEGV after writing its results
# (docs/PERFORMANCE.md, "The exit"): a 139 here is that crash.
set -uo pipefail
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/testing/shell_helpers.sh"

tiny=(--dataset=synthetic --dataset_args=size=12,train=256,test=64,classes=4 --model=lenet --epochs=1)
echo "LibTorch: $(ldd "$driver" | grep -oE '/[^ ]*libtorch_cpu[^ ]*' | head -1)"

exits_cleanly() {  # NAME ARGS...: the driver exits 0 and wrote results.json
  local name=$1; shift
  "$driver" "$@" --out_dir="$tmp/$name" >"$tmp/$name.out" 2>"$tmp/$name.err"
  local rc=$?
  [ "$rc" = 0 ] || fail "$name: exit code $rc (139: SIGSEGV at exit): $(tail -2 "$tmp/$name.err")"
  [ -s "$tmp/$name/results.json" ] || fail "$name: no results.json"
  grep -qiE "segmentation|terminate called|double free|corrupted" "$tmp/$name.err" \
    && fail "$name: stderr: $(cat "$tmp/$name.err")"
}

exits_cleanly single_cpu --device=cpu --threads=2 --method=single "${tiny[@]}"
exits_cleanly ensemble_cpu --device=cpu --threads=2 --method=deep_ensemble --members=2 "${tiny[@]}"
exits_cleanly with_plugin --device=cpu --plugins="$root/plugins/one_cycle_schedule.so" --method=single \
  --schedule=one_cycle --batch_size=16 "${tiny[@]}"
"$driver" --eval_only --out_dir="$tmp/ensemble_cpu" >"$tmp/eval.out" 2>"$tmp/eval.err"
rc=$?
[ "$rc" = 0 ] || fail "--eval_only: exit code $rc: $(tail -2 "$tmp/eval.err")"
if ! ldd "$driver" | grep -q libtorch_cuda; then
  echo "skipped: the CUDA run (this driver is built against a LibTorch without CUDA)"
elif ! { command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; }; then
  echo "skipped: the CUDA run (no GPU on this machine: nvidia-smi finds none)"
else
  exits_cleanly single_cuda --device=cuda --method=single "${tiny[@]}"
fi
finish "clean exit"
