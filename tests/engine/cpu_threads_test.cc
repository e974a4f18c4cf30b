#include "engine/cpu_threads.h"

#include <dlfcn.h>

#include <algorithm>
#include <string>
#include <thread>

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

namespace ens {
namespace {

TEST(CpuThreadsTest, SetsAtensThreadsAndPinsOpenBlas) {
  EXPECT_EQ(ConfigureCpuThreads(1), 1);
  EXPECT_EQ(at::get_num_threads(), 1);
  // 0: every core.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(ConfigureCpuThreads(0), cores);
  EXPECT_EQ(at::get_num_threads(), cores);

  // Where the BLAS under LibTorch is OpenBLAS (setup.sh installs its pthread
  // build), its own pool is held at one thread; other BLAS libraries are left alone.
  using GetThreads = int (*)();
  auto get_threads = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  EXPECT_EQ(BlasThreadsPinned(), get_threads != nullptr);
  if (get_threads != nullptr) {
    EXPECT_EQ(get_threads(), 1);
  }
}

TEST(CpuThreadsTest, WarnsOfGenericOpenBlasKernelsOnVectorCpus) {
  // OpenBLAS 0.3.21 falls back to Prescott on Xeons it does not know.
  const std::string avx512 = BlasKernelWarning("Prescott", true, true);
  EXPECT_NE(avx512.find("OPENBLAS_CORETYPE=SkylakeX"), std::string::npos) << avx512;
  const std::string avx2 = BlasKernelWarning("Prescott", true, false);
  EXPECT_NE(avx2.find("OPENBLAS_CORETYPE=Haswell"), std::string::npos) << avx2;
  EXPECT_EQ(avx2.find('\n'), std::string::npos);  // one line
  // Nothing to say: kernels that match the CPU, an old CPU, another BLAS.
  EXPECT_EQ(BlasKernelWarning("SkylakeX", true, true), "");
  EXPECT_EQ(BlasKernelWarning("Haswell", true, false), "");
  EXPECT_EQ(BlasKernelWarning("Prescott", false, false), "");
  EXPECT_EQ(BlasKernelWarning("", true, true), "");
}

TEST(CpuThreadsTest, NamesTheOpenBlasKernelsInUse) {
  // setup.sh installs OpenBLAS (tests/driver/driver_test.sh starts the
  // driver with OPENBLAS_CORETYPE=Prescott to see the warning).
  using CoreName = char* (*)();
  auto core_name = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (core_name == nullptr) {
    EXPECT_EQ(BlasKernels(), "");
    GTEST_SKIP() << "the BLAS under LibTorch is not OpenBLAS";
  }
  EXPECT_EQ(BlasKernels(), core_name());
  EXPECT_FALSE(BlasKernels().empty());
}

}  // namespace
}  // namespace ens
