#include "engine/cpu_memory.h"

#include <sys/resource.h>

#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>

namespace ens {
namespace {

constexpr size_t kBlock = 8 << 20;
constexpr long kBlockPages = kBlock / 4096;
// Above glibc's largest mmap threshold (32 MiB): mapped afresh every time
// unless mappings are off.
constexpr size_t kLargeBlock = 48 << 20;
constexpr long kLargeBlockPages = kLargeBlock / 4096;

// Written and read back through volatiles, so that the compiler keeps every
// malloc and memset (a store just before free is otherwise dead).
char* volatile escaped;
volatile char read_back;

long MinorFaults() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// A training step's pattern in miniature: two activation-sized blocks
// allocated, written, freed, again and again. Returns the page faults taken.
long FaultsOfTwentySteps(size_t block) {
  const long before = MinorFaults();
  for (int i = 0; i < 20; ++i) {
    char* a = static_cast<char*>(std::malloc(block));
    escaped = a;
    std::memset(a, i, block);
    char* b = static_cast<char*>(std::malloc(block));
    escaped = b;
    std::memset(b, i, block);
    read_back = a[i * 4099] + b[block - 1 - i];
    std::free(a);
    std::free(b);
  }
  return MinorFaults() - before;
}

// One test, in this order: the process-wide setting cannot be undone.
TEST(CpuMemoryTest, FreedBlocksAreReusedWithoutFreshPages) {
#if !defined(__GLIBC__)
  GTEST_SKIP() << "glibc's malloc only";
#endif
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer's allocator replaces glibc's malloc (and ignores mallopt).
  GTEST_SKIP() << "glibc's malloc is replaced by AddressSanitizer's";
#endif
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) {
    GTEST_SKIP() << "GLIBC_TUNABLES sets malloc here";
  }
  // The user's own malloc settings win.
  setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=1", 1);
  EXPECT_FALSE(KeepFreedMemoryForReuse());
  unsetenv("GLIBC_TUNABLES");

  // glibc's defaults hand the freed top of the heap back: here two blocks'
  // pages are faulted in again on most steps (about 80,000 faults).
  const long with_defaults = FaultsOfTwentySteps(kBlock);
  const long large_with_defaults = FaultsOfTwentySteps(kLargeBlock);
  ASSERT_TRUE(KeepFreedMemoryForReuse());
  const long kept = FaultsOfTwentySteps(kBlock);
  // At most the first step's fresh pages, not twenty steps' worth.
  EXPECT_LT(kept, 3 * kBlockPages) << "glibc's defaults took " << with_defaults;
  const long large_kept = FaultsOfTwentySteps(kLargeBlock);
  EXPECT_LT(large_kept, 3 * kLargeBlockPages) << "glibc's defaults took " << large_with_defaults;
}

}  // namespace
}  // namespace ens
