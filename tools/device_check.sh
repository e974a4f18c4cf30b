#!/usr/bin/env bash
# The GPU check, for a host with PyTorch (its LibTorch), CMake, ninja and a
# CUDA card but no Bazel, apt or network. Run from the repository root after
# `tools/gather_deps.sh .deps --data` on the Debian machine (the device tool
# carries .deps). Within about 8 minutes it:
#   1. records the facts the build relies on (card, torch / CUDA versions,
#      the C++ ABI and standard LibTorch's headers need, cmake, compiler);
#   2. builds everything with CMake against the host's LibTorch;
#   3. runs the test suite (ctest);
#   4. runs the driver end to end on CUDA (Fashion-MNIST if carried);
#   5. measures training images/s of preresnet20 and wrn28_10 on 3x32x32
#      data, ours next to the host's PyTorch (compare_pytorch.sh).
# Everything goes to $OUT (default device_out/); summary.txt holds the facts
# and figures to copy into docs/PERFORMANCE.md with the date.
set -uo pipefail
out=${OUT:-device_out}
python=${PYTHON:-python3}
jobs=${JOBS:-$(nproc)}
mkdir -p "$out"
summary="$out/summary.txt"
: >"$summary"
note() { echo "$*" | tee -a "$summary"; }
step() { note "== $* ($(date -u +%H:%M:%S))"; }

step "facts"
note "date: $(date -u +%Y-%m-%d)"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | sed 's/^/gpu: /' | tee -a "$summary"
"$python" - <<'PY' 2>&1 | tee -a "$summary"
import torch
print("torch:", torch.__version__, "cuda:", torch.version.cuda, "cxx11 abi:", int(torch._C._GLIBCXX_USE_CXX11_ABI),
      "device:", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")
PY
note "cmake: $(cmake --version | head -1); compiler: $(c++ --version | head -1); nvcc: $(nvcc --version 2>/dev/null | tail -1)"
prefix=$("$python" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')
torch_root=$("$python" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
abi=$("$python" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
if [ "$abi" != 1 ]; then
  note "error: this LibTorch uses the pre-C++11 string ABI; the carried Debian libraries use the new one"
  exit 1
fi
cxx_std=""
printf '#include <torch/torch.h>\nint main() { return torch::ones({1}).item<int>() - 1; }\n' >"$out/std_probe.cc"
for std in 17 20; do
  if c++ -std=c++$std -fsyntax-only -I"$torch_root/include" -I"$torch_root/include/torch/csrc/api/include" \
       "$out/std_probe.cc" 2>"$out/std_probe_$std.log"; then cxx_std=$std; break; fi
done
[ -n "$cxx_std" ] || { note "error: LibTorch's headers compile with neither C++17 nor C++20 (see $out/std_probe_*.log)"; exit 1; }
note "c++ standard for LibTorch's headers: $cxx_std"

step "build (cmake, ninja, $jobs jobs)"
deps=()
[ -d .deps ] && deps=(-DENS_DEPS_ROOT=.deps)
cmake -S . -B build -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_STANDARD="$cxx_std" "${deps[@]}" \
  >"$out/cmake.log" 2>&1 || { note "error: cmake configure failed"; tail -20 "$out/cmake.log"; exit 1; }
timeout 300 cmake --build build -j "$jobs" >"$out/build.log" 2>&1 \
  || { note "error: build failed"; grep -m5 -B2 -A8 "error" "$out/build.log"; exit 1; }
export LD_LIBRARY_PATH="$PWD/.deps/lib:${LD_LIBRARY_PATH:-}"
bin=build/runfiles/ensembles

step "tests"
timeout 240 ctest --test-dir build -j 4 --timeout 200 --output-on-failure >"$out/ctest.log" 2>&1
grep -E "tests passed|tests failed" "$out/ctest.log" | tee -a "$summary"

step "driver end to end on CUDA"
if [ -d .deps/data/fashion-mnist ]; then
  data=(--dataset=fashion_mnist --dataset_args=dir=.deps/data/fashion-mnist)
else
  data=(--dataset=synthetic --dataset_args=size=28,train=20000,test=2000,classes=10)
fi
timeout 120 "$bin/driver/driver" --device=cuda "${data[@]}" --method=deep_ensemble --members=2 --epochs=2 \
  --out_dir="$out/run_cuda" >"$out/run_cuda.log" 2>&1
note "driver rc=$? $(grep -E '^ +2 ' "$out/run_cuda.log" | head -1)"
grep -E "epoch" "$out/run_cuda.log" | tail -2 | tee -a "$summary"

step "throughput, ours vs the host's PyTorch (3x32x32, batch 128)"
for model in preresnet20 wrn28_10; do
  DATA=random32 timeout 150 benchmarks/compare_pytorch.sh "$model" "$bin/driver/driver" 20000 "$(nproc)" cuda "$python" \
    2>&1 | tee -a "$summary"
done
step "done"
