#include "engine/gradient_exchange.h"

#include <vector>

#include <torch/types.h>
#include <torch/utils.h>

#include "engine/ensemble.h"
#include "core/status_macros.h"

namespace ens {
namespace {

// Every rank takes rank 0's buffers and, with `parameters`, its parameters.
absl::Status TakeRankZeros(const Distributed& processes, Network& net, bool parameters) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> tensors = net.buffers();
  if (parameters) {
    for (const auto& p : net.parameters()) tensors.push_back(p);
  }
  if (tensors.empty()) return absl::OkStatus();
  return processes.Broadcast(tensors, 0);
}

}  // namespace

absl::Status GradientExchange::Start(Network& net, uint64_t data_seed, bool resumed) const {
  if (!processes_) return absl::OkStatus();
  ENS_RETURN_IF_ERROR(TakeRankZeros(*processes_, net, /*parameters=*/true));
  // Every rank was seeded alike (the same initialisation); from here on,
  // ranks > 0 draw their own dropout masks and augmentations (rank 0
  // continues as one process would).
  if (processes_->rank() > 0 && !resumed) {
    torch::manual_seed(DeriveSeed(data_seed, static_cast<uint64_t>(processes_->rank())));
  }
  return absl::OkStatus();
}

std::pair<int64_t, int64_t> GradientExchange::Rows(int64_t rows) const {
  return processes_ ? DataParallelRows(rows, processes_->rank(), processes_->world_size())
                    : std::pair<int64_t, int64_t>{0, rows};
}

absl::Status GradientExchange::SumGradients(Network& net, torch::Tensor& stats) const {
  if (!processes_) return absl::OkStatus();
  std::vector<torch::Tensor> parts;
  std::vector<torch::Tensor> params = net.parameters();
  for (const auto& p : params) {
    parts.push_back(p.grad().defined() ? p.grad().reshape({-1}).to(torch::kFloat)
                                       : torch::zeros({p.numel()}, p.options().dtype(torch::kFloat)));
  }
  parts.push_back(stats.to(params.empty() ? stats.device() : params[0].device(), torch::kFloat));
  std::vector<torch::Tensor> buffer = {torch::cat(parts)};
  ENS_RETURN_IF_ERROR(processes_->AllReduceSum(buffer));
  int64_t offset = 0;
  for (auto& p : params) {
    const torch::Tensor sum = buffer[0].slice(0, offset, offset + p.numel()).view_as(p).to(p.dtype());
    if (p.grad().defined()) {
      p.mutable_grad().copy_(sum);
    } else {
      p.mutable_grad() = sum.clone();
    }
    offset += p.numel();
  }
  stats = buffer[0].slice(0, offset).to(torch::kDouble).cpu();
  return absl::OkStatus();
}

absl::Status GradientExchange::AfterStep(Network& net) const {
  return processes_ ? TakeRankZeros(*processes_, net, /*parameters=*/false) : absl::OkStatus();
}

}  // namespace ens
