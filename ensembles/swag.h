// SWAG (Maddox et al., NeurIPS 2019): the Gaussian fitted to the SGD
// iterates collected along an SWA trajectory. SwagMoments accumulates it;
// SwagEnsemble draws member i from it under the random stream (seed, i).
//
//   mean, sq_mean: running first and second moments of the flat parameters
//   D:             the last K deviations (theta_j - running mean), [K, P]
//   sample = mean + sqrt(scale) * (sqrt(var) (.) z1 + D^T z2 / sqrt(K - 1))
//
// Only parameters are sampled; BatchNorm statistics are recomputed for every
// sample from the training data (Layout::recompute_batchnorm), as the reference does.
#ifndef ENSEMBLES_ENSEMBLES_SWAG_H_
#define ENSEMBLES_ENSEMBLES_SWAG_H_

#include <cstdint>
#include <deque>
#include <string>

#include <torch/types.h>

#include "absl/status/status.h"
#include "engine/ensemble.h"
#include "models/model.h"

namespace ens {

// All parameters of `net` as one float64 CPU vector (named_parameters order).
torch::Tensor FlattenParameters(const Network& net);
// Writes a flat vector back into the parameters of `net`; its length must be
// the parameter count.
absl::Status AssignFlatParameters(Network& net, const torch::Tensor& flat);

class SwagMoments {
 public:
  // `max_rank`: K, the number of deviations kept (0: diagonal only).
  explicit SwagMoments(int64_t max_rank) : max_rank_(max_rank) {}

  void Collect(const torch::Tensor& flat);
  int64_t count() const { return count_; }
  int64_t max_rank() const { return max_rank_; }
  const torch::Tensor& mean() const { return mean_; }        // float64 [P]
  const torch::Tensor& sq_mean() const { return sq_mean_; }  // float64 [P]
  // sq_mean - mean^2, clamped at 1e-30 (the reference's floor).
  torch::Tensor Variance() const;
  // The kept deviations, oldest first, float32 [rank, P] (rank <= K).
  torch::Tensor Deviations() const;

  // Everything collected so far as tensors (checkpoints), and back.
  std::vector<torch::Tensor> SaveState() const;
  absl::Status RestoreState(const std::vector<torch::Tensor>& state);

 private:
  int64_t max_rank_;
  int64_t count_ = 0;
  torch::Tensor mean_, sq_mean_;
  std::deque<torch::Tensor> deviations_;
};

struct SwagSampling {
  double scale = 0.5;
  bool diagonal_only = false;
  int64_t samples = 30;
  uint64_t seed = 0;
};

class SwagEnsemble : public NetworkEnsemble {
 public:
  // `base`: the final weights of the run (shapes, buffers); its parameters are
  // replaced by each draw.
  SwagEnsemble(torch::Tensor mean, torch::Tensor variance, torch::Tensor deviations, int64_t max_rank,
               StateDict base, SwagSampling sampling);

  int64_t size() const override { return sampling_.samples; }
  absl::Status PrepareMember(int64_t i, Network& net) const override;
  absl::Status Save(const std::string& dir) const override;

  // Draw i as a flat float64 parameter vector.
  torch::Tensor Sample(int64_t i) const;

  // The fitted Gaussian, for methods that reuse a finished run's trajectory.
  const torch::Tensor& mean() const { return mean_; }
  const torch::Tensor& variance() const { return variance_; }
  const torch::Tensor& deviations() const { return deviations_; }
  int64_t max_rank() const { return max_rank_; }
  const StateDict& base() const { return base_; }

 private:
  torch::Tensor mean_, variance_, deviations_;
  int64_t max_rank_;
  StateDict base_;
  SwagSampling sampling_;
};

}  // namespace ens

#endif  // ENSEMBLES_ENSEMBLES_SWAG_H_
