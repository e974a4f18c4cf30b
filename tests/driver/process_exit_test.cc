// driver/process_exit.h: a process without a CUDA context keeps the normal
// exit (FinishProcess returns its code); one with a CUDA context ends inside
// FinishProcess with that code, unless ENS_EXIT_WITH_TEARDOWN=1. The CUDA
// cases start this binary again (a fresh process, so CUDA is initialised
// only there) and need a GPU.
#include "driver/process_exit.h"

#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/types.h>

#include "tests/testing/spawn_self.h"


namespace ens {
namespace {

TEST(ProcessExitTest, WithoutCudaTheCodeComesBack) {
  if (std::getenv("ENS_TEST_CUDA_CHILD") != nullptr) GTEST_SKIP() << "the child of CudaProcessEndsInFinishProcess";
  // In a test binary that holds other tests too (CMake's), one of them may
  // have created a CUDA context already: FinishProcess would end the binary.
  if (CreatedCudaContext()) GTEST_SKIP() << "this process created a CUDA context before this test";
  torch::Tensor on_cpu = torch::ones({4}) * 2;  // work, but no CUDA context
  EXPECT_EQ(on_cpu.sum().item<float>(), 8.0f);
  EXPECT_FALSE(CreatedCudaContext());
  EXPECT_EQ(FinishProcess(3), 3);
  EXPECT_EQ(FinishProcess(0), 0);
}

// Run by the test below in a child process: creates a CUDA context, then
// FinishProcess(7). Exit code 7: it ended there; 42: it returned.
TEST(ProcessExitChild, CreatesAContextAndFinishes) {
  if (std::getenv("ENS_TEST_CUDA_CHILD") == nullptr) GTEST_SKIP() << "a child of CudaProcessEndsInFinishProcess";
  torch::Tensor on_gpu = torch::ones({4}, torch::kCUDA);
  on_gpu.sum().item<float>();
  if (!CreatedCudaContext()) std::_Exit(1);
  const int code = FinishProcess(7);
  std::_Exit(code == 7 ? 42 : 1);
}

// The child's exit code (128 + signal if a signal ended it), -1 if it could
// not start.
int RunChild(bool keep_teardown) {
  const pid_t pid = SpawnSelf("ProcessExitChild.*", {"ENS_TEST_CUDA_CHILD=1", std::string("ENS_EXIT_WITH_TEARDOWN=") +
                                                                              (keep_teardown ? "1" : "0")});
  if (pid < 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(ProcessExitTest, CudaProcessEndsInFinishProcess) {
  if (std::getenv("ENS_TEST_CUDA_CHILD") != nullptr) GTEST_SKIP() << "the child";
  // is_available: a CUDA build of LibTorch and a GPU (it initialises the CUDA
  // runtime here, but creates no context; the children are new processes).
  if (!torch::cuda::is_available()) {
    GTEST_SKIP() << "needs a GPU and a CUDA build of LibTorch (this process sees "
                 << (torch::cuda::device_count() > 0 ? "a GPU but no CUDA context could be made" : "no CUDA device")
                 << ")";
  }
  EXPECT_EQ(RunChild(/*keep_teardown=*/false), 7);
  EXPECT_EQ(RunChild(/*keep_teardown=*/true), 42);  // returned; then the normal exit
}

}  // namespace
}  // namespace ens
