#ifndef ENS_CORE_CPU_THREADS_H_
#define ENS_CORE_CPU_THREADS_H_

#include <string>

namespace ens {

// Sets LibTorch's intra-op thread count (0: every core) and keeps the BLAS
// library single-threaded, so that its threads do not fight ATen's OpenMP
// workers (each of which calls BLAS). Returns the intra-op thread count set.
int ConfigureCpuThreads(int requested);

// True when a multi-threaded OpenBLAS was found and pinned to one thread.
bool BlasThreadsPinned();

// The kernel family OpenBLAS chose for this CPU ("SkylakeX", "Haswell",
// "Prescott", ...), or "" when the BLAS under LibTorch is not OpenBLAS.
std::string BlasKernels();

// A one-line warning when OpenBLAS runs its generic Prescott (SSE3) kernels
// on a CPU with AVX2 or AVX-512, empty otherwise. OpenBLAS 0.3.21 (Debian
// 12) does not recognise newer Xeons and falls back to them unless
// OPENBLAS_CORETYPE names the kernels; it reads that variable when it is
// loaded, so it has to be set before the process starts.
std::string BlasKernelWarning(const std::string& kernels, bool avx2, bool avx512);
// The same for this process's OpenBLAS and CPU.
std::string BlasKernelWarning();

}  // namespace ens

#endif  // ENS_CORE_CPU_THREADS_H_
