#include "engine/combination.h"

#include <cmath>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "absl/strings/str_cat.h"

namespace ens {

absl::Status Combination::CheckFits(int64_t members) const {
  if (!weights_.empty() && static_cast<int64_t>(weights_.size()) != members) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ensemble has ", members, " members but ", weights_.size(), " logit weights"));
  }
  return absl::OkStatus();
}

torch::Tensor Combination::Add(const torch::Tensor& running, const torch::Tensor& log_probs, int64_t index) const {
  const torch::Tensor member = log_probs.to(torch::kDouble);
  if (weights_.empty()) return running.defined() ? torch::logaddexp(running, member) : member;
  // -inf * 0 would be NaN; a log-probability below -1e4 is 0 in float64 anyway.
  const torch::Tensor term = member.clamp_min(-1e4) * weights_.at(index);
  return running.defined() ? running + term : term;
}

torch::Tensor Combination::LogProbs(const torch::Tensor& running, int64_t count) const {
  return weights_.empty() ? running - std::log(static_cast<double>(count)) : torch::log_softmax(running, 1);
}

nlohmann::json Combination::ToJson() const {
  if (weights_.empty()) return {{"rule", "mean_probabilities"}};
  return {{"rule", "softmax_of_weighted_log_probs"}, {"weights", weights_}};
}

}  // namespace ens
