#include "engine/cpu_memory.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ens {

bool KeepFreedMemoryForReuse() {
#if defined(__GLIBC__)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) return false;
  // Blocks up to 32 MiB (the largest threshold glibc accepts) come from the
  // heap rather than from a fresh mapping each time, and the heap's free top
  // is given back only beyond 1 GiB. Setting either also stops glibc from
  // moving the thresholds by itself. Larger blocks (BatchEnsemble's batch
  // repeated per member, wide networks' activations) would still be mapped
  // afresh on every step: no mappings at all, so they come from the heap too
  // (glibc still maps where the heap cannot grow).
  return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1 &&
         mallopt(M_MMAP_MAX, 0) == 1;
#else
  return false;
#endif
}

}  // namespace ens
