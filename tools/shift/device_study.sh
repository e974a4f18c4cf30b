#!/usr/bin/env bash
# The robustness study (benchmarks/paper/robustness_fmnist.sh) on the GPU
# host: builds the driver with CMake against the host's LibTorch (as
# tools/device_check.sh does; `.deps` carried, with --data), runs the study
# on CUDA and packs every run's results.json and log into $OUT/study.tgz
# after each run, so whatever finished comes back when time runs out. Also
# records each run's exit code (the exit-139 crash of LibTorch 2.11 hosts).
# The study's settings pass through the environment (MEMBERS, EPOCHS, WHOLE,
# DRAWS, SEEDS, ENSEMBLE_SEEDS, ONE_SEED_METHODS; see the study script), e.g.
# the tables' budgets at one seed:
#   SEEDS=0 MEMBERS=10 EPOCHS=30 WHOLE=30 DRAWS=30 ONE_SEED_METHODS="snapshot fge swag csgld vi_ffg mc_dropout kfac_laplace batch_ensemble" tools/shift/device_study.sh
set -uo pipefail
final=${OUT:-device_out}
mkdir -p "$final"
python=${PYTHON:-python3}
torch_root=$("$python" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
start=$(date +%s)
log() { echo "[$(( $(date +%s) - start )) s] $*" | tee -a "$final/study.txt"; }
log "torch $("$python" -c 'import torch; print(torch.__version__, torch.cuda.get_device_name(0))')"
cmake -S . -B build -G Ninja -DCMAKE_PREFIX_PATH="$torch_root" -DCMAKE_CXX_STANDARD=20 -DENS_DEPS_ROOT=.deps \
  >"$final/cmake.log" 2>&1 || { log "cmake failed"; tail -20 "$final/cmake.log"; exit 1; }
if ! cmake --build build -j "$(nproc)" --target driver >"$final/build.log" 2>&1; then
  log "build failed"; grep -E "error" "$final/build.log" | head -20 | tee -a "$final/study.txt"; exit 1
fi
log "driver built"
export LD_LIBRARY_PATH="$PWD/.deps/lib:${LD_LIBRARY_PATH:-}"
root=/tmp/robustness_fmnist
# AFTER_RUN runs in the study's own shell: a self-contained command, not a
# function of this one.
export AFTER_RUN="(cd /tmp && tar czf '$final/study.tgz' --exclude=predictions --exclude=members robustness_fmnist)"
DEVICE=cuda bash benchmarks/paper/robustness_fmnist.sh build/runfiles/ensembles/driver/driver "$root" \
  tests/data/mnist dir=.deps/data/fashion-mnist >"$final/study_output.log" 2>&1
log "study exit code $?"
grep -E "^==|evaluation sets|^cost|exit code|error" "$final/study_output.log" | tee -a "$final/study.txt"
log "done"
