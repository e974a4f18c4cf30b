// One libFuzzer binary per target: built by tools/fuzz/run_fuzzers.sh with
// -DENS_FUZZ_TARGET=<function of fuzz_targets.h>.
#include <cstddef>
#include <cstdint>

#include "tools/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ens::fuzz::ENS_FUZZ_TARGET(data, size);
  return 0;
}
