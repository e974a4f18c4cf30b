#include "engine/cpu_threads.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <algorithm>
#include <thread>
#include <utility>

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

std::string FasterBlasCoreType(const std::string& kernels, bool avx2, bool avx512) {
  if (kernels != "Prescott" || !(avx2 || avx512)) return "";
  return avx512 ? "SkylakeX" : "Haswell";
}

std::string BlasKernelWarning(const std::string& kernels, bool avx2, bool avx512) {
  const std::string better = FasterBlasCoreType(kernels, avx2, avx512);
  if (better.empty()) return "";
  return "warning: OpenBLAS runs its generic Prescott kernels on this " + std::string(avx512 ? "AVX-512" : "AVX2") +
         " CPU (matrix products several times slower); start with OPENBLAS_CORETYPE=" + better + " (or unset it)";
}

namespace {

// Whether this CPU (and its operating system: GCC's checks read XCR0) runs
// AVX2 and AVX-512 code.
std::pair<bool, bool> Avx2Avx512() {
#if defined(__x86_64__) || defined(__i386__)
  return {__builtin_cpu_supports("avx2") != 0, __builtin_cpu_supports("avx512f") != 0};
#else
  return {false, false};
#endif
}

}  // namespace

std::string BlasKernelWarning() {
  const auto [avx2, avx512] = Avx2Avx512();
  return BlasKernelWarning(BlasKernels(), avx2, avx512);
}

namespace {

// Set for the restarted process only (it unsets it): the kernels it chose.
constexpr char kRestartMark[] = "ENS_RESTARTED_FOR_OPENBLAS_CORETYPE";
std::string restarted_for;

}  // namespace

void RestartForFasterBlasKernels(char** argv) {
  if (const char* mark = std::getenv(kRestartMark); mark != nullptr) {
    restarted_for = mark;
    unsetenv(kRestartMark);  // not for the processes this one starts
    return;
  }
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;  // the user's choice
  const auto [avx2, avx512] = Avx2Avx512();
  const std::string better = FasterBlasCoreType(BlasKernels(), avx2, avx512);
  if (better.empty()) return;
  if (setenv("OPENBLAS_CORETYPE", better.c_str(), 1) != 0 || setenv(kRestartMark, better.c_str(), 1) != 0) return;
  std::fflush(nullptr);
  execv("/proc/self/exe", argv);
  // Still here: the restart failed; run on as before (BlasKernelWarning says so).
  unsetenv("OPENBLAS_CORETYPE");
  unsetenv(kRestartMark);
}

std::string BlasRestartNote() {
  if (restarted_for.empty()) return "";
  return "OpenBLAS: OPENBLAS_CORETYPE=" + restarted_for + " chosen for this CPU (OpenBLAS had fallen back to its " +
         "generic kernels); set OPENBLAS_CORETYPE yourself to choose";
}

}  // namespace ens
