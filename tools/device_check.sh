#!/usr/bin/env bash
# The GPU check, for a host with PyTorch (its LibTorch), CMake, ninja and a
# CUDA card but no Bazel, apt or network. Run from the repository root after
# `tools/gather_deps.sh .deps --data` on the Debian machine (the device tool
# carries .deps). Within about 8 minutes it:
#   1. records the facts the build relies on (card, torch / CUDA versions,
#      the C++ ABI and standard LibTorch's headers need, cmake, compiler, libc);
#   2. builds the driver with CMake against the host's LibTorch;
#   3. bisects the exit crash seen with LibTorch 2.11 (SKIP_ASAN skips the
#      AddressSanitizer build);
#   4. runs the driver end to end on CUDA (Fashion-MNIST if carried), also
#      with bf16 autocast, channels-last and members trained together;
#   5. measures training images/s of preresnet20 and wrn28_10 on 3x32x32
#      data, ours next to the host's PyTorch (compare_pytorch.sh), in float32
#      and with bf16 autocast + channels-last + cuDNN benchmark mode;
#   6. measures a deep ensemble of 5 trained one member at a time and all
#      together (--members_together=5);
#   7. builds and runs the test suite (ctest) in the time left.
# Logs and runs go to a scratch folder; at the end (or on any exit) $OUT
# (default device_out/) receives summary.txt — the facts and figures to copy
# into docs/PERFORMANCE.md with the date — and logs.tgz (every log and
# results.json): two files, as the device tool returns only a few.
set -uo pipefail
final=${OUT:-device_out}
out=$(mktemp -d /tmp/ens_device.XXXXXX)
mkdir -p "$final"
finish() {
  cp "$out/summary.txt" "$final/" 2>/dev/null
  (cd "$out" && find . -name '*.log' -o -name results.json | tar czf "$final/logs.tgz" -T - 2>/dev/null)
}
trap finish EXIT
python=${PYTHON:-python3}
jobs=${JOBS:-$(nproc)}
budget=${BUDGET_S:-480}  # seconds this script may take; the tests get what is left
started=$(date +%s)
mkdir -p "$out"
summary="$out/summary.txt"
: >"$summary"
note() { echo "$*" | tee -a "$summary"; }
step() { note "== $* ($(date -u +%H:%M:%S), $(( $(date +%s) - started )) s)"; }
left() { echo $(( budget - ($(date +%s) - started) )); }

step "facts"
note "date: $(date -u +%Y-%m-%d)"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | sed 's/^/gpu: /' | tee -a "$summary"
"$python" - <<'PY' 2>&1 | tee -a "$summary"
import torch
print("torch:", torch.__version__, "cuda:", torch.version.cuda, "cudnn:", torch.backends.cudnn.version(),
      "cxx11 abi:", int(torch._C._GLIBCXX_USE_CXX11_ABI),
      "device:", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")
PY
note "cmake: $(cmake --version | head -1); compiler: $(c++ --version | head -1); libc: $(ldd --version 2>&1 | head -1)"
note "cpus: $(nproc); nvcc: $(nvcc --version 2>/dev/null | tail -1)"
torch_root=$("$python" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
prefix=$torch_root  # CMake's prefix: the folder with lib/ and share/cmake
abi=$("$python" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
if [ "$abi" != 1 ]; then
  note "error: this LibTorch uses the pre-C++11 string ABI; the carried Debian libraries use the new one"
  exit 1
fi
cxx_std=""
printf '#include <torch/torch.h>\nint main() { return torch::ones({1}).item<int>() - 1; }\n' >"$out/std_probe.cc"
for std in 20 17; do  # C++20 as everywhere else; 17 for an older g++
  if c++ -std=c++$std -fsyntax-only -I"$torch_root/include" -I"$torch_root/include/torch/csrc/api/include" \
       "$out/std_probe.cc" 2>"$out/std_probe_$std.log"; then cxx_std=$std; break; fi
done
[ -n "$cxx_std" ] || { note "error: LibTorch's headers compile with neither C++20 nor C++17"; head -5 "$out/std_probe_20.log"; exit 1; }
note "c++ standard for LibTorch's headers: $cxx_std"

step "build the driver (cmake, ninja, $jobs jobs)"
deps=()
[ -d .deps ] && deps=(-DENS_DEPS_ROOT=.deps)
cmake -S . -B build -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_STANDARD="$cxx_std" "${deps[@]}" \
  >"$out/cmake.log" 2>&1 || { note "error: cmake configure failed"; tail -20 "$out/cmake.log"; exit 1; }
if ! timeout 300 cmake --build build -j "$jobs" --target driver -- -k 0 >"$out/build.log" 2>&1; then
  note "error: build failed"
  grep -E "error|undefined reference" "$out/build.log" | sort -u | head -40 | tee -a "$summary"
  exit 1
fi
export LD_LIBRARY_PATH="$PWD/.deps/lib:${LD_LIBRARY_PATH:-}"
bin=build/runfiles/ensembles
driver=$bin/driver/driver
# One OpenMP runtime expected: the one inside torch/lib (models/threaded_linear.cc).
note "$(grep -m1 'OpenMP for' "$out/cmake.log" || echo 'cmake found no OpenMP'); driver's: $(ldd "$driver" | grep -o 'libgomp[^ ]* => [^ ]*' | tr '\n' ' ')"
# images/s of a run's last epoch and its training seconds
speed() { "$python" -c "import json,sys; r=json.load(open(sys.argv[1])); print('%.0f img/s last epoch, %.1f s training' % (r['history'][-1]['images_per_sec'], r['train_seconds']))" "$1/results.json"; }

step "exit: a crash after the results were written? (seen 2026-11-28 with LibTorch 2.11)"
# Each line narrows it down: no tensors (--list), tensors but no training
# (--describe_model), a CPU run (which no longer initialises CUDA: it did on
# 2026-11-28 and crashed too), training without OpenMP workers (--threads=1),
# without -rdynamic (driver_no_exports), under AddressSanitizer, with glibc
# tracing the finalisers, and under a debugger.
tiny=(--dataset=synthetic --dataset_args=size=12,train=512,test=128,classes=4 --model=lenet --method=single --epochs=1)
# The driver now ends a process that created a CUDA context without static
# destructors (driver/process_exit.h): first that a CUDA run exits 0 so, then
# the bisection below with the normal teardown (ENS_EXIT_WITH_TEARDOWN=1).
"$driver" --device=cuda "${tiny[@]}" --out_dir="$out/tiny_cuda_fast_exit" >"$out/tiny_cuda_fast_exit.log" 2>&1
note "cuda run, the driver's own exit: rc=$? (0 expected)"
export ENS_EXIT_WITH_TEARDOWN=1
"$driver" --list >/dev/null 2>&1; note "--list: rc=$?"
"$driver" --describe_model --input_shape=1x12x12 >/dev/null 2>&1; note "--describe_model: rc=$?"
"$driver" --device=cpu "${tiny[@]}" --out_dir="$out/tiny_cpu" >"$out/tiny_cpu.log" 2>&1; note "cpu run: rc=$?"
"$driver" --device=cpu --threads=1 "${tiny[@]}" --out_dir="$out/tiny_cpu1" >"$out/tiny_cpu1.log" 2>&1
note "cpu run, --threads=1: rc=$?"
"$driver" --device=cuda "${tiny[@]}" --out_dir="$out/tiny_cuda" >"$out/tiny_cuda.log" 2>&1; note "cuda run: rc=$?"
if timeout 120 cmake --build build -j "$jobs" --target driver_no_exports >"$out/build_no_exports.log" 2>&1; then
  "$bin/driver/driver_no_exports" --device=cuda "${tiny[@]}" --out_dir="$out/tiny_noexp" >"$out/tiny_noexp.log" 2>&1
  note "cuda run, driver without -rdynamic: rc=$?"
fi
if [ -z "${SKIP_ASAN:-}" ] && cmake -S . -B build_asan -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_STANDARD="$cxx_std" \
     -DENS_SANITIZE=address "${deps[@]}" >"$out/cmake_asan.log" 2>&1 \
   && timeout 200 cmake --build build_asan -j "$jobs" --target driver >"$out/build_asan.log" 2>&1; then
  ASAN_OPTIONS=detect_leaks=0:protect_shadow_gap=0 build_asan/runfiles/ensembles/driver/driver --device=cuda "${tiny[@]}" \
    --out_dir="$out/tiny_asan" >"$out/tiny_asan.log" 2>&1
  note "cuda run under AddressSanitizer: rc=$?"
  grep -E "ERROR: AddressSanitizer|^    #[0-9]+ " "$out/tiny_asan.log" | head -25 | tee -a "$summary"
fi
# Which library's finalisers were running when it died (glibc prints each
# "calling fini" as it goes; the last ones before the signal are the suspects).
# None before the signal: it died in the executable's own exit handlers.
LD_DEBUG=files "$driver" --device=cuda "${tiny[@]}" --out_dir="$out/tiny_fini" >"$out/tiny_fini.log" 2>&1
note "cuda run, LD_DEBUG=files: rc=$?; libraries finalised before the end: $(grep -c "calling fini" "$out/tiny_fini.log")"
grep "calling fini" "$out/tiny_fini.log" | tail -4 | sed 's/^[[:space:]]*[0-9]*:[[:space:]]*//' | tee -a "$summary"
# A jump to address 0 leaves no frames to unwind (2026-11-28), but after a
# call through a null pointer the word at the stack pointer is the return
# address: "x/8a $sp" names the caller.
debugger=$(command -v gdb || command -v cuda-gdb)
if [ -n "$debugger" ]; then
  timeout 90 "$debugger" -batch -ex run -ex bt -ex 'info registers rip rsp' -ex 'x/8a $sp' -ex "info sharedlibrary" \
    --args "$driver" --device=cuda "${tiny[@]}" --out_dir="$out/tiny_gdb" >"$out/gdb.log" 2>&1
  grep -E "^#[0-9]+ |signal|^rip|^rsp|^0x[0-9a-f]+:" "$out/gdb.log" | head -24 | tee -a "$summary"
fi

unset ENS_EXIT_WITH_TEARDOWN

step "driver end to end on CUDA"
if [ -d .deps/data/fashion-mnist ]; then
  fmnist=(--dataset=fashion_mnist --dataset_args=dir=.deps/data/fashion-mnist)
else
  fmnist=(--dataset=synthetic --dataset_args=size=28,train=20000,test=2000,classes=10)
fi
timeout 120 "$driver" --device=cuda "${fmnist[@]}" --method=deep_ensemble --members=2 --epochs=2 \
  --out_dir="$out/run_cuda" >"$out/run_cuda.log" 2>&1
note "deep_ensemble lenet 2x2 epochs, fp32: rc=$? $(speed "$out/run_cuda" 2>&1)"
grep -E "^ +[12] " "$out/run_cuda.log" | tee -a "$summary"
timeout 120 "$driver" --device=cuda "${fmnist[@]}" --method=deep_ensemble --members=2 --epochs=2 --autocast=bf16 \
  --channels_last --cudnn_benchmark --members_together=2 --out_dir="$out/run_cuda_fast" >"$out/run_cuda_fast.log" 2>&1
note "same, bf16 + channels_last + cudnn_benchmark + members_together=2: rc=$? $(speed "$out/run_cuda_fast" 2>&1)"
grep -E "^ +[12] " "$out/run_cuda_fast.log" | tee -a "$summary"

step "two processes on the GPU(s) (c10d, Gloo through host memory)"
grep -q "distributed runs (WORLD_SIZE > 1) are refused" "$out/cmake.log" 2>/dev/null \
  && note "this build has no Gloo headers: distributed runs refused"
port=$(( 29000 + RANDOM % 1000 ))
for method in deep_ensemble single; do
  pids=()
  for r in 0 1; do
    MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 RANK=$r LOCAL_RANK=$r timeout 120 "$driver" --device=cuda \
      "${fmnist[@]}" --method=$method --members=2 --epochs=1 --dist_timeout_s=60 --out_dir="$out/dist_$method" \
      >"$out/dist_${method}_$r.log" 2>&1 &
    pids+=($!)
  done
  wait "${pids[0]}"; rc0=$?; wait "${pids[1]}"; rc1=$?
  note "$method on 2 ranks: rc $rc0 / $rc1; $(tail -1 "$out/dist_${method}_0.log")"
  port=$((port + 1))
done

step "throughput, ours vs the host's PyTorch (3x32x32, batch 128, second epoch timed)"
fast_ours="--autocast=bf16 --channels_last --cudnn_benchmark"
fast_theirs="--bf16 --channels_last --cudnn_benchmark"
for model in preresnet20 wrn28_10; do
  images=20000
  [ "$model" = wrn28_10 ] && images=10000
  for variant in fp32 fast; do
    if [ "$variant" = fast ]; then ours_flags=$fast_ours; theirs_flags=$fast_theirs; else ours_flags=""; theirs_flags=""; fi
    note "-- $model $variant"
    EPOCHS=2 DATA=random32 OURS_FLAGS="$ours_flags" THEIRS_FLAGS="$theirs_flags" timeout 150 \
      benchmarks/compare_pytorch.sh "$model" "$driver" "$images" "$(nproc)" cuda "$python" 2>&1 | tee -a "$summary"
  done
done

[ -n "${SKIP_DE5:-}" ] || {
step "a deep ensemble of 5, one member at a time vs all together"
random32=(--dataset=synthetic --dataset_args=size=32,channels=3,classes=10,noise=0.3,train=20000,test=1000)
for model in preresnet20 lenet; do
  data=("${random32[@]}")
  [ "$model" = lenet ] && data=("${fmnist[@]}")
  for together in 1 5; do
    run="$out/de5_${model}_$together"
    timeout 150 "$driver" --device=cuda "${data[@]}" --model="$model" --method=deep_ensemble --members=5 --epochs=2 \
      --cudnn_benchmark --members_together=$together --eval_sizes=5 --out_dir="$run" >"$run.log" 2>&1
    note "$model x5, members_together=$together: rc=$? $(speed "$run" 2>&1)"
  done
done
}

step "tests ($(left) s left)"
if [ "$(left)" -gt 120 ]; then
  if timeout $(( $(left) - 90 )) cmake --build build -j "$jobs" >"$out/build_all.log" 2>&1; then
    OMP_NUM_THREADS=2 timeout $(( $(left) - 10 )) ctest --test-dir build -j 8 --timeout 300 --output-on-failure \
      >"$out/ctest.log" 2>&1
    grep -E "tests passed|tests failed|\(Failed\)|\(Timeout\)|Not Run" "$out/ctest.log" | tee -a "$summary"
  else
    note "error: building the tests failed or ran out of time"
    grep -E "error|undefined reference" "$out/build_all.log" | sort -u | head -20 | tee -a "$summary"
  fi
else
  note "skipped: too little time left"
fi
step "done"
