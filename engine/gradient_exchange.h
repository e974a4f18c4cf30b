// What data-parallel training exchanges between processes, behind one
// object the Trainer calls at fixed points of a step. With no processes
// (null Distributed) every call is a no-op and a batch's rows are all this
// process's.
//
//   GradientExchange exchange(options.data_parallel);
//   ENS_RETURN_IF_ERROR(exchange.Start(net, data_seed, resumed));   // rank 0's weights
//   auto [first, last] = exchange.Rows(batch_rows);                  // this rank's part
//   ... forward, backward on rows [first, last) ...
//   ENS_RETURN_IF_ERROR(exchange.SumGradients(net, stats));          // + the step's statistics
//   optimizer.step();
//   ENS_RETURN_IF_ERROR(exchange.AfterStep(net));                    // rank 0's BatchNorm buffers
#ifndef ENSEMBLES_ENGINE_GRADIENT_EXCHANGE_H_
#define ENSEMBLES_ENGINE_GRADIENT_EXCHANGE_H_

#include <cstdint>
#include <utility>

#include <torch/types.h>

#include "absl/status/status.h"
#include "engine/distributed.h"
#include "models/model.h"

namespace ens {

class GradientExchange {
 public:
  explicit GradientExchange(const Distributed* processes) : processes_(processes) {}

  bool active() const { return processes_ != nullptr; }

  // Every rank continues from rank 0's parameters and buffers. Ranks > 0 of
  // a run that starts (not one resumed, whose generators come back from
  // their checkpoints) are reseeded from (data_seed, rank), so they draw
  // their own dropout masks and augmentations.
  absl::Status Start(Network& net, uint64_t data_seed, bool resumed) const;

  // This process's rows [first, last) of a batch of `rows`.
  std::pair<int64_t, int64_t> Rows(int64_t rows) const;

  // Sums every rank's gradients (each already weighted by its share of the
  // batch) and, in the same buffer, `stats` (on return: the sums, float64,
  // CPU): one all-reduce per step carries everything.
  absl::Status SumGradients(Network& net, torch::Tensor& stats) const;

  // After the optimizer's step: every rank takes rank 0's buffers
  // (BatchNorm's running statistics).
  absl::Status AfterStep(Network& net) const;

 private:
  const Distributed* processes_;
};

}  // namespace ens

#endif  // ENSEMBLES_ENGINE_GRADIENT_EXCHANGE_H_
