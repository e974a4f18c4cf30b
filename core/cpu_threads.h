#ifndef ENS_CORE_CPU_THREADS_H_
#define ENS_CORE_CPU_THREADS_H_

namespace ens {

// Sets LibTorch's intra-op thread count (0: every core) and keeps the BLAS
// library single-threaded, so that its threads do not fight ATen's OpenMP
// workers (each of which calls BLAS). Returns the intra-op thread count set.
int ConfigureCpuThreads(int requested);

// True when a multi-threaded OpenBLAS was found and pinned to one thread.
bool BlasThreadsPinned();

}  // namespace ens

#endif  // ENS_CORE_CPU_THREADS_H_
