// engine/distributed.h: the launcher's environment, the data-parallel split,
// and a real data-parallel Trainer over 2 and 3 processes (this test binary
// started again as workers, Gloo on loopback): the summed gradients and the
// weights after an epoch equal one process training on the whole batches.
#include "engine/distributed.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <torch/cuda.h>
#include <torch/serialize.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "absl/strings/str_cat.h"
#include "engine/trainer.h"
#include "datasets/dataset.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "models/model.h"
#include "schedulers/schedule.h"
#include "tests/testing/spawn_self.h"


namespace ens {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<DistributedEnv> EnvFrom(const std::map<std::string, std::string>& vars) {
  return ReadDistributedEnv([&vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

TEST(ReadDistributedEnv, OneProcessWithoutVariables) {
  auto env = EnvFrom({});
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->world_size, 1);
  EXPECT_EQ(env->rank, 0);
}

TEST(ReadDistributedEnv, TorchrunVariables) {
  auto env = EnvFrom({{"RANK", "2"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "0"}, {"MASTER_ADDR", "node1"},
                      {"MASTER_PORT", "29400"}});
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->rank, 2);
  EXPECT_EQ(env->world_size, 4);
  EXPECT_EQ(env->local_rank, 0);
  EXPECT_EQ(env->master_addr, "node1");
  EXPECT_EQ(env->master_port, 29400);
}

TEST(ReadDistributedEnv, SlurmAndOpenMpiNamesWithMasterAddr) {
  auto slurm = EnvFrom({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}, {"SLURM_LOCALID", "1"},
                        {"MASTER_ADDR", "10.0.0.1"}, {"MASTER_PORT", "29500"}});
  ASSERT_TRUE(slurm.ok()) << slurm.status();
  EXPECT_EQ(slurm->rank, 1);
  EXPECT_EQ(slurm->world_size, 2);
  EXPECT_EQ(slurm->local_rank, 1);
  auto mpi = EnvFrom({{"OMPI_COMM_WORLD_RANK", "0"}, {"OMPI_COMM_WORLD_SIZE", "3"}, {"MASTER_ADDR", "a"},
                      {"MASTER_PORT", "1"}});
  ASSERT_TRUE(mpi.ok()) << mpi.status();
  EXPECT_EQ(mpi->world_size, 3);
  // Without MASTER_ADDR, an allocation's variables do not make a distributed run.
  auto allocation = EnvFrom({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}});
  ASSERT_TRUE(allocation.ok()) << allocation.status();
  EXPECT_EQ(allocation->world_size, 1);
}

TEST(ReadDistributedEnv, InconsistentVariablesAreNamed) {
  EXPECT_THAT(std::string(EnvFrom({{"RANK", "3"}, {"WORLD_SIZE", "3"}}).status().message()),
              HasSubstr("RANK=3 must be below WORLD_SIZE=3"));
  EXPECT_THAT(std::string(EnvFrom({{"RANK", "0"}}).status().message()),
              HasSubstr("RANK=0 is set but WORLD_SIZE is not"));
  EXPECT_THAT(std::string(EnvFrom({{"RANK", "0"}, {"WORLD_SIZE", "two"}}).status().message()),
              HasSubstr("WORLD_SIZE='two' must be an integer"));
  EXPECT_THAT(std::string(EnvFrom({{"RANK", "1"}, {"WORLD_SIZE", "2"}}).status().message()),
              HasSubstr("needs MASTER_ADDR"));
  EXPECT_THAT(std::string(EnvFrom({{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}).status().message()),
              HasSubstr("needs MASTER_PORT"));
  EXPECT_THAT(std::string(EnvFrom({{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "0"}})
                              .status()
                              .message()),
              HasSubstr("MASTER_PORT='0' must be an integer in [1, 65535]"));
  EXPECT_THAT(std::string(EnvFrom({{"RANK", "1"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "2"}}).status().message()),
              HasSubstr("LOCAL_RANK='2' must be an integer in [0, 1]"));
}

TEST(DataParallelRows, PartsCoverTheBatchWithoutSingleRows) {
  for (int world : {1, 2, 3, 4, 7}) {
    for (int64_t rows = 1; rows <= 60; ++rows) {
      int64_t expected_first = 0;
      for (int r = 0; r < world; ++r) {
        const auto [first, last] = DataParallelRows(rows, r, world);
        if (first == last) continue;  // a rank without rows this batch
        EXPECT_EQ(first, expected_first) << rows << " rows, rank " << r << " of " << world;
        EXPECT_TRUE(last - first >= 2 || rows == 1) << rows << " rows, rank " << r << " of " << world;
        expected_first = last;
      }
      EXPECT_EQ(expected_first, rows) << rows << " rows over " << world;
    }
  }
  EXPECT_EQ(DataParallelRows(128, 0, 3), (std::pair<int64_t, int64_t>{0, 42}));
  EXPECT_EQ(DataParallelRows(128, 2, 3), (std::pair<int64_t, int64_t>{85, 128}));
  EXPECT_EQ(DataParallelRows(5, 1, 3), (std::pair<int64_t, int64_t>{2, 5}));
  EXPECT_EQ(DataParallelRows(5, 2, 3), (std::pair<int64_t, int64_t>{5, 5}));
}

// One epoch of `model` (an mlp without dropout: no per-rank randomness) on
// 100 examples in batches of 40 (40, 40, 20 rows), SGD with momentum and
// weight decay; returns the weights, the last step's gradients, the buffers.
std::vector<torch::Tensor> TrainOneEpoch(const Distributed* dist, const std::string& model = "mlp",
                                         const std::string& model_args = "dropout=0,width=32") {
  auto data = MakeDataset("synthetic", "train=100,test=8", {0});
  EXPECT_TRUE(data.ok()) << data.status();
  torch::manual_seed(3);
  auto net = MakeModel(model, model_args, {data->channels(), data->image_size(), data->num_classes}, StandardLayers());
  EXPECT_TRUE(net.ok()) << net.status();
  TrainerOptions options;
  options.batch_size = 40;
  options.data_seed = 11;
  options.data_parallel = dist;
  Trainer trainer(*net, *data, options);
  auto schedule = MakeSchedule("constant", "", {trainer.iterations_per_epoch(), trainer.iterations_per_epoch(), 0.1});
  EXPECT_TRUE(schedule.ok()) << schedule.status();
  const absl::Status trained = trainer.Run(**schedule, 1, {}, "train");
  EXPECT_TRUE(trained.ok()) << trained;
  std::vector<torch::Tensor> out;
  for (const auto& p : (*net)->parameters()) out.push_back(p.detach().clone());
  for (const auto& p : (*net)->parameters()) out.push_back(p.grad().clone());
  for (const auto& b : (*net)->buffers()) out.push_back(b.clone());
  return out;
}

// Started by the tests below as one rank (ENS_TEST_WORKER_OUT says where the
// result goes); skipped in a normal run.
// A worker's rank, from the launcher's variables, connected to the others;
// null (the failure recorded) if either step fails.
std::unique_ptr<Distributed> ConnectWorker() {
  auto env = ReadDistributedEnv();
  EXPECT_TRUE(env.ok()) << env.status();
  if (!env.ok()) return nullptr;
  auto dist = Distributed::Connect(*env, std::chrono::seconds(60));
  EXPECT_TRUE(dist.ok()) << dist.status();
  return dist.ok() ? std::move(*dist) : nullptr;
}

TEST(DataParallelWorker, TrainsItsShare) {
  const char* out = std::getenv("ENS_TEST_WORKER_OUT");
  if (out == nullptr) GTEST_SKIP() << "a worker of DataParallel.*";
  const std::unique_ptr<Distributed> dist = ConnectWorker();
  ASSERT_NE(dist, nullptr);
  const char* model = std::getenv("ENS_TEST_WORKER_MODEL");
  torch::save(model ? TrainOneEpoch(dist.get(), model, "") : TrainOneEpoch(dist.get()), out);
}

// A port the kernel has just handed out (free now; the store takes it next).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  return ok ? ntohs(address.sin_port) : 29500;
}

// Started by CollectivesOnCuda as one rank: sums and broadcasts tensors on its
// own GPU, through NCCL in a build with it.
TEST(CudaCollectivesWorker, SumsAndBroadcastsOnItsGpu) {
  const char* out = std::getenv("ENS_TEST_WORKER_OUT");
  if (out == nullptr) GTEST_SKIP() << "a worker of DataParallel.CollectivesOnCuda";
  const std::unique_ptr<Distributed> dist = ConnectWorker();
  ASSERT_NE(dist, nullptr);
  const int rank = dist->rank();
  const torch::Device gpu(torch::kCUDA, static_cast<c10::DeviceIndex>(dist->local_rank()));
  std::vector<torch::Tensor> sums = {torch::full({5}, rank + 1.0, torch::TensorOptions(gpu))};
  ASSERT_TRUE(dist->AllReduceSum(sums).ok());
  std::vector<torch::Tensor> shared = {torch::full({3}, rank + 10.0, torch::TensorOptions(gpu)),
                                       torch::full({2}, rank + 20, torch::TensorOptions(gpu).dtype(torch::kLong))};
  ASSERT_TRUE(dist->Broadcast(shared, 1).ok());
  torch::save(std::vector<torch::Tensor>{sums[0].cpu(), shared[0].cpu(), shared[1].cpu(),
                                         torch::tensor({dist->UsesNccl() ? 1 : 0})},
              out);
}

// Starts `world` workers of this binary and waits for them (at most 120 s).
void RunWorkers(int world, const std::string& prefix, const std::string& model = "",
                const std::string& worker = "DataParallelWorker.*") {
  std::vector<pid_t> pids;
  const int port = FreePort();
  for (int r = 0; r < world; ++r) {
    std::vector<std::string> vars = {absl::StrCat("RANK=", r), absl::StrCat("WORLD_SIZE=", world),
                                     "MASTER_ADDR=127.0.0.1", absl::StrCat("MASTER_PORT=", port),
                                     absl::StrCat("ENS_TEST_WORKER_OUT=", prefix, r, ".pt")};
    if (!model.empty()) vars.push_back(absl::StrCat("ENS_TEST_WORKER_MODEL=", model));
    const pid_t pid = SpawnSelf(worker, vars);
    ASSERT_GT(pid, 0) << "could not start worker " << r;
    pids.push_back(pid);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (pid_t pid : pids) {
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        for (pid_t p : pids) kill(p, SIGKILL);
        waitpid(pid, &status, 0);
        FAIL() << "workers still running after 120 s";
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a worker failed (status " << status << ")";
  }
}

void ExpectDataParallelEqualsOneProcess(int world) {
  const std::vector<torch::Tensor> alone = TrainOneEpoch(nullptr);
  const std::string prefix = absl::StrCat(testing::TempDir(), "/dp", world, "_rank");
  RunWorkers(world, prefix);
  for (int r = 0; r < world; ++r) {
    std::vector<torch::Tensor> together;
    torch::load(together, absl::StrCat(prefix, r, ".pt"));
    ASSERT_EQ(together.size(), alone.size());
    for (size_t i = 0; i < alone.size(); ++i) {
      EXPECT_TRUE(torch::allclose(together[i], alone[i], 1e-5, 1e-6))
          << (i < alone.size() / 2 ? "weights " : "gradients ") << i << " of rank " << r << " of " << world
          << " differ by " << (together[i] - alone[i]).abs().max().item<double>();
    }
    if (r > 0) {  // every rank holds the same network
      std::vector<torch::Tensor> first;
      torch::load(first, absl::StrCat(prefix, 0, ".pt"));
      for (size_t i = 0; i < first.size(); ++i) EXPECT_TRUE(torch::equal(first[i], together[i]));
    }
  }
}

TEST(DataParallel, TwoRanksEqualOneProcess) { ExpectDataParallelEqualsOneProcess(2); }

// BatchNorm normalises with each rank's batch statistics (so no equality
// with one process), but the running statistics are rank 0's: every rank
// ends with the same weights and buffers.
TEST(DataParallel, BatchNormBuffersAreRankZeros) {
  const std::string prefix = absl::StrCat(testing::TempDir(), "/dp_bn_rank");
  RunWorkers(2, prefix, "preresnet20");
  std::vector<torch::Tensor> zero, one;
  torch::load(zero, absl::StrCat(prefix, 0, ".pt"));
  torch::load(one, absl::StrCat(prefix, 1, ".pt"));
  ASSERT_EQ(zero.size(), one.size());
  ASSERT_FALSE(zero.empty());
  for (size_t i = 0; i < zero.size(); ++i) EXPECT_TRUE(torch::equal(zero[i], one[i])) << "tensor " << i;
}
TEST(DataParallel, ThreeRanksEqualOneProcess) { ExpectDataParallelEqualsOneProcess(3); }

// Two ranks, each on a GPU of its own: all-reduce and broadcast of CUDA
// tensors give every rank the same values, through NCCL where the build has
// it (ENS_WITH_NCCL).
TEST(DataParallel, CollectivesOnCuda) {
  const int gpus = torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
  if (gpus < 2) GTEST_SKIP() << "needs 2 CUDA devices (one per rank for NCCL); this machine has " << gpus;
  const std::string prefix = absl::StrCat(testing::TempDir(), "/cuda_rank");
  RunWorkers(2, prefix, "", "CudaCollectivesWorker.*");
  for (int r = 0; r < 2; ++r) {
    std::vector<torch::Tensor> got;
    torch::load(got, absl::StrCat(prefix, r, ".pt"));
    ASSERT_EQ(got.size(), 4u);
    EXPECT_TRUE(torch::equal(got[0], torch::full({5}, 3.0))) << "rank " << r;
    EXPECT_TRUE(torch::equal(got[1], torch::full({3}, 11.0))) << "rank " << r;
    EXPECT_TRUE(torch::equal(got[2], torch::full({2}, 21, torch::kLong))) << "rank " << r;
#ifdef ENS_WITH_NCCL
    EXPECT_EQ(got[3].item<int64_t>(), 1) << "rank " << r << " did not use NCCL";
#endif
  }
}

}  // namespace
}  // namespace ens
