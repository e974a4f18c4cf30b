// driver/process_exit.h: a process without a CUDA context keeps the normal
// exit (FinishProcess returns its code); one with a CUDA context ends inside
// FinishProcess with that code, unless ENS_EXIT_WITH_TEARDOWN=1. The CUDA
// cases start this binary again (a fresh process, so CUDA is initialised
// only there) and need a GPU.
#include "driver/process_exit.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/torch.h>

extern char** environ;

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

int RunChild(bool keep_teardown) {
  std::vector<std::string> vars = {"ENS_TEST_CUDA_CHILD=1"};
  if (keep_teardown) vars.push_back("ENS_EXIT_WITH_TEARDOWN=1");
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string var = *e;
    if (var.rfind("GTEST_", 0) == 0 || var.rfind("XML_OUTPUT_FILE=", 0) == 0 ||
        var.rfind("TEST_PREMATURE_EXIT_FILE=", 0) == 0 || var.rfind("ENS_EXIT_WITH_TEARDOWN=", 0) == 0) {
      continue;
    }
    vars.push_back(var);
  }
  std::vector<char*> envp;
  for (auto& v : vars) envp.push_back(v.data());
  envp.push_back(nullptr);
  std::string self = "/proc/self/exe", filter = "--gtest_filter=ProcessExitChild.*";
  char* argv[] = {self.data(), filter.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv, envp.data()) != 0) return -1;
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
