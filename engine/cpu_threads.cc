#include "engine/cpu_threads.h"

#include <dlfcn.h>

#include <algorithm>
#include <thread>

#include <ATen/Parallel.h>

namespace ens {
namespace {

bool blas_pinned = false;

// OpenBLAS's pthread build starts its own worker pool inside every GEMM; when
// ATen already runs GEMMs from several OpenMP threads the two pools
// oversubscribe the cores (lenet training on 2 cores: 966 img/s with both
// pools, 1,468 img/s with OpenBLAS at one thread). The symbol is looked up at
// run time because other BLAS libraries (MKL on the GPU host) do not have it
// and share ATen's OpenMP pool anyway.
void PinBlasToOneThread() {
  using SetThreads = void (*)(int);
  auto set_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set_threads == nullptr) return;
  set_threads(1);
  blas_pinned = true;
}

}  // namespace

int ConfigureCpuThreads(int requested) {
  const int threads =
      requested > 0 ? requested : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  PinBlasToOneThread();
  return threads;
}

bool BlasThreadsPinned() { return blas_pinned; }

std::string BlasKernels() {
  using CoreName = char* (*)();
  auto core_name = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  const char* name = core_name == nullptr ? nullptr : core_name();
  return name == nullptr ? "" : name;
}

std::string BlasKernelWarning(const std::string& kernels, bool avx2, bool avx512) {
  if (kernels != "Prescott" || !(avx2 || avx512)) return "";
  const std::string better = avx512 ? "SkylakeX" : "Haswell";
  return "warning: OpenBLAS runs its generic Prescott kernels on this " + std::string(avx512 ? "AVX-512" : "AVX2") +
         " CPU (matrix products several times slower); start the driver with OPENBLAS_CORETYPE=" + better;
}

std::string BlasKernelWarning() {
#if defined(__x86_64__) || defined(__i386__)
  // GCC's checks include the operating system's support (XCR0).
  return BlasKernelWarning(BlasKernels(), __builtin_cpu_supports("avx2"), __builtin_cpu_supports("avx512f"));
#else
  return "";
#endif
}

}  // namespace ens
