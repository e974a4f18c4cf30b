#include "core/cpu_threads.h"

#include <dlfcn.h>

#include <algorithm>
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
  if (get_threads != nullptr) EXPECT_EQ(get_threads(), 1);
}

}  // namespace
}  // namespace ens
