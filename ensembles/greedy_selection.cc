#include "ensembles/greedy_selection.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "metrics/classification.h"

namespace ens {

const std::vector<std::string>& SelectionMetrics() {
  static const auto* metrics = new std::vector<std::string>{"nll", "error", "brier", "ece"};
  return *metrics;
}

absl::StatusOr<double> SelectionScore(const std::string& metric, const torch::Tensor& log_probs,
                                      const torch::Tensor& labels) {
  if (metric == "nll") return Nll(log_probs, labels);
  if (metric == "error") return ErrorPercent(log_probs, labels);
  if (metric == "brier") return Brier(log_probs, labels);
  if (metric == "ece") return Ece(log_probs, labels);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown selection metric '", metric, "'; allowed: ", absl::StrJoin(SelectionMetrics(), ", ")));
}

absl::StatusOr<std::vector<GreedyStep>> GreedySelection(const std::vector<torch::Tensor>& pool,
                                                        const torch::Tensor& labels, int64_t steps,
                                                        const std::string& metric) {
  if (pool.empty()) return absl::InvalidArgumentError("greedy selection: the pool is empty");
  if (steps < 1) return absl::InvalidArgumentError(absl::StrCat("greedy selection: ", steps, " steps"));
  std::vector<torch::Tensor> members;  // float64, for sums of many members
  for (const torch::Tensor& log_probs : pool) {
    if (log_probs.dim() != 2 || log_probs.sizes() != pool[0].sizes() || log_probs.size(0) != labels.size(0)) {
      return absl::InvalidArgumentError("greedy selection: the pool's predictions differ in shape");
    }
    members.push_back(log_probs.to(torch::kDouble));
  }
  // log of the chosen members' summed probabilities, -inf before the first.
  torch::Tensor log_sum = torch::full_like(members[0], -std::numeric_limits<double>::infinity());
  std::vector<GreedyStep> chosen;
  for (int64_t t = 1; t <= steps; ++t) {
    GreedyStep best{-1, std::numeric_limits<double>::infinity()};
    for (size_t j = 0; j < members.size(); ++j) {
      const torch::Tensor candidate = torch::logaddexp(log_sum, members[j]) - std::log(static_cast<double>(t));
      absl::StatusOr<double> score = SelectionScore(metric, candidate, labels);
      if (!score.ok()) return score.status();
      if (best.member < 0 || *score < best.score) best = {static_cast<int64_t>(j), *score};
    }
    log_sum = torch::logaddexp(log_sum, members[best.member]);
    chosen.push_back(best);
  }
  return chosen;
}

}  // namespace ens
