#!/usr/bin/env bash
# Builds one libFuzzer binary per parser (clang, ASan + UBSan, coverage) and
# runs each for SECONDS (default 60), starting from the kept inputs in
# tools/fuzz/corpus/<target>/ (new coverage goes to a work corpus in the build
# folder). An input that crashes, runs out of memory (over 2 GB allocated) or
# hangs is saved in tools/fuzz/corpus/<target>/ as found-* and the script
# fails: rename it, fix the parser, and it stays as a regression test
# (//tests/tools:fuzz_regression_test replays every kept file). Not in CI.
#
#   tools/fuzz/run_fuzzers.sh [SECONDS] [TARGET...]    # targets: see fuzz_targets.h
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(idx_images idx_labels cifar mat jpeg results)
declare -A function=([idx_images]=IdxImages [idx_labels]=IdxLabels [cifar]=CifarBinary [mat]=MatFile [jpeg]=Jpeg
                     [results]=ResultsJson)
build=${FUZZ_BUILD:-/tmp/ens_fuzz_build}
mkdir -p "$build"
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -I. -isystem /usr/include/torch/csrc/api/include)
# The parsers and what they need, instrumented for coverage.
sources=(tools/fuzz/fuzz_targets.cc datasets/idx_reader.cc datasets/cifar.cc datasets/mat_reader.cc
         datasets/image_files.cc datasets/image_stream.cc datasets/dataset.cc datasets/batches.cc
         core/params.cc core/closest_name.cc driver/results.cc tools/report/run_set.cc metrics/dee.cc
         engine/checkpoint.cc core/atomic_file.cc engine/ensemble.cc engine/member_context.cc
         engine/combination.cc core/npy.cc models/model.cc)
objects=()
for source in "${sources[@]}"; do
  object="$build/$(echo "$source" | tr / _).o"
  # Recompiled when the source or any of our headers is newer (a stale object
  # built against an older struct layout crashes like a real bug).
  if [ ! -f "$object" ] || [ "$source" -nt "$object" ] ||
     [ -n "$(find core engine datasets models metrics driver tools ensembles schedulers -name '*.h' -newer "$object" | head -1)" ]; then
    echo "compile $source"
    clang++ "${flags[@]}" -fsanitize=fuzzer-no-link -c "$source" -o "$object"
  fi
  objects+=("$object")
done
libs=(-ltorch -ltorch_cpu -lc10 -lz -lturbojpeg -Wl,--start-group /usr/lib/x86_64-linux-gnu/libabsl_*.so -Wl,--end-group -lpthread)
status=0
for target in "${targets[@]}"; do
  fn=${function[$target]:-}
  [ -n "$fn" ] || { echo "error: unknown target '$target'" >&2; exit 2; }
  binary="$build/fuzz_$target"
  clang++ "${flags[@]}" -fsanitize=fuzzer -DENS_FUZZ_TARGET="$fn" tools/fuzz/fuzz_main.cc "${objects[@]}" "${libs[@]}" \
    -o "$binary"
  corpus=tools/fuzz/corpus/$target
  work="$build/corpus_$target"
  mkdir -p "$corpus" "$work"
  echo "== $target: ${seconds}s"
  if ! ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
       "$binary" -max_total_time="$seconds" -rss_limit_mb=4096 -malloc_limit_mb=2048 -timeout=20 \
       -artifact_prefix="$corpus/found-" "$work" "$corpus" 2>"$build/$target.log"; then
    echo "FOUND: $target (input kept in $corpus/found-*; log: $build/$target.log)"
    status=1
  fi
  tail -1 "$build/$target.log"
done
exit $status
