// How an ensemble's members combine into its prediction: the mean of their
// probabilities (the default), or the softmax of their weighted log-
// probabilities (boosting's weighted logits: per-row constants cancel, so it
// equals the softmax of the weighted sum of logits). The evaluator streams
// members through it with one running [N, C] accumulator.
#ifndef ENSEMBLES_ENGINE_COMBINATION_H_
#define ENSEMBLES_ENGINE_COMBINATION_H_

#include <cstdint>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/types.h>

#include "absl/status/status.h"

namespace ens {

class Combination {
 public:
  static Combination MeanOfProbabilities() { return Combination({}); }
  static Combination WeightedLogits(std::vector<double> weights) { return Combination(std::move(weights)); }

  // Whether the members come in one fixed order (weights fitted in sequence),
  // so a curve over ensemble sizes must not average over member orders.
  bool has_fixed_order() const { return !weights_.empty(); }
  const std::vector<double>& weights() const { return weights_; }

  // OK when the combination fits an ensemble of `members`.
  absl::Status CheckFits(int64_t members) const;

  // `running` (undefined before the first member) with member `index`'s
  // log-probabilities [N, C] added; float64.
  torch::Tensor Add(const torch::Tensor& running, const torch::Tensor& log_probs, int64_t index) const;

  // The ensemble's log-probabilities after `count` members were added.
  torch::Tensor LogProbs(const torch::Tensor& running, int64_t count) const;

  // What results.json records: {"rule": ..., "weights": [...]}.
  nlohmann::json ToJson() const;

 private:
  explicit Combination(std::vector<double> weights) : weights_(std::move(weights)) {}
  std::vector<double> weights_;
};

}  // namespace ens

#endif  // ENSEMBLES_ENGINE_COMBINATION_H_
