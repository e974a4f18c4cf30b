#ifndef ENS_CORE_CPU_MEMORY_H_
#define ENS_CORE_CPU_MEMORY_H_

namespace ens {

// Makes glibc's malloc keep freed memory for the next allocation instead of
// handing it back to the kernel. A training step frees and reallocates the
// same activation-sized blocks (megabytes each) every iteration; with glibc's
// defaults many of them come back as fresh pages, and every first touch of a
// page is a page fault (preresnet20 in NHWC on 2 cores: 37,000-53,000 faults
// per step, a quarter of the step's time; about 300 with this). Blocks above
// glibc's largest mmap threshold (32 MiB: BatchEnsemble's batch repeated per
// member) come from the heap as well (docs/PERFORMANCE.md). The cost: the
// process keeps its peak heap. Call once at start, before the big
// allocations. Returns false, changing nothing, under another C library or
// when GLIBC_TUNABLES already sets malloc's parameters (the user's choice wins).
bool KeepFreedMemoryForReuse();

}  // namespace ens

#endif  // ENS_CORE_CPU_MEMORY_H_
