#include "core/cpu_threads.h"

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

}  // namespace ens
