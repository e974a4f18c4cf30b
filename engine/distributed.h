// Several processes, one job: c10d process groups set up from the environment
// every PyTorch launcher exports (torchrun, mpirun wrappers, Slurm srun
// scripts). Gloo carries CPU tensors and every point-to-point message; in a
// build with NCCL (ENS_WITH_NCCL, a CUDA LibTorch) all-reduce and broadcast of
// CUDA tensors go through NCCL when every rank has a GPU of its own, else
// they are staged through host memory for Gloo.
//   MASTER_ADDR, MASTER_PORT  where rank 0 listens (a c10d TCPStore)
//   RANK, WORLD_SIZE          this process and how many there are
//   LOCAL_RANK                this process on its host (optional)
//
//   ENS_ASSIGN_OR_RETURN(DistributedEnv env, ReadDistributedEnv());
//   if (env.world_size > 1) ENS_ASSIGN_OR_RETURN(dist, Distributed::Connect(env, timeout));
//
// Every call returns a status naming the operation and the rank instead of
// throwing; a peer that dies breaks its connections, so the others fail
// promptly rather than wait.
#ifndef ENSEMBLES_ENGINE_DISTRIBUTED_H_
#define ENSEMBLES_ENGINE_DISTRIBUTED_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "absl/status/statusor.h"

namespace ens {

struct DistributedEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr;
  int master_port = 0;
};

// The launcher's variables; world_size 1 when WORLD_SIZE is unset (or 1).
// Inconsistent or malformed variables are an error naming them.
absl::StatusOr<DistributedEnv> ReadDistributedEnv(
    const std::function<const char*(const char*)>& getenv = [](const char* name) { return std::getenv(name); });

// Rows [first, second) of a batch of `rows` that `rank` of `world` trains in
// data-parallel mode: near-equal parts, none of exactly one row (BatchNorm
// cannot train on one); small batches leave the last ranks without rows.
std::pair<int64_t, int64_t> DataParallelRows(int64_t rows, int rank, int world);

class Distributed {
 public:
  // Meets the other ranks (rank 0 serves the store at MASTER_ADDR:MASTER_PORT)
  // within `timeout`, which also bounds every later collective.
  static absl::StatusOr<std::unique_ptr<Distributed>> Connect(const DistributedEnv& env,
                                                             std::chrono::milliseconds timeout);
  ~Distributed();

  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  int local_rank() const { return env_.local_rank; }
  // "rank 1 of 3", for messages.
  std::string Describe() const;
  // Whether collectives over CUDA tensors go through NCCL (see above).
  bool UsesNccl() const;

  // In place, over all ranks, each tensor on its own.
  absl::Status AllReduceSum(std::vector<torch::Tensor>& tensors) const;
  absl::Status Broadcast(std::vector<torch::Tensor>& tensors, int root) const;

  // Point to point: a tensor of known shape, or bytes of any length. Recv
  // waits without limit: a peer may train for hours before it sends (one that
  // dies is still noticed, its connection closes).
  absl::Status Send(const torch::Tensor& tensor, int to, int tag) const;
  absl::Status Recv(torch::Tensor& tensor, int from, int tag) const;
  absl::Status SendBytes(const std::string& bytes, int to, int tag) const;
  absl::StatusOr<std::string> RecvBytes(int from, int tag) const;
  // Tensors of any number, shapes and types (pickled, as torch.save does).
  absl::Status SendTensors(const std::vector<torch::Tensor>& tensors, int to, int tag) const;
  absl::StatusOr<std::vector<torch::Tensor>> RecvTensors(int from, int tag) const;

  // Every rank states how a step went; all get the same verdict: OK, or the
  // first failing rank's error ("rank 2 of 3: ..."). Keeps the ranks in step
  // where one alone may fail (flags, files), so that none waits forever.
  absl::Status Agree(const std::string& step, const absl::Status& mine) const;

  // Each rank's `text` (e.g. its training identity), gathered at every rank.
  absl::StatusOr<std::vector<std::string>> AllGatherText(const std::string& step, const std::string& text) const;

 private:
  struct Impl;
  Distributed(DistributedEnv env, std::unique_ptr<Impl> impl);
  DistributedEnv env_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ens

#endif  // ENSEMBLES_ENGINE_DISTRIBUTED_H_
