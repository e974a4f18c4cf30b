#include "metrics/uncertainty.h"

namespace ens {

torch::Tensor Entropy(const torch::Tensor& log_probs) {
  const torch::Tensor lp = log_probs.to(torch::kDouble);
  // p log p with 0 log 0 = 0 (a log-probability of -inf).
  return -torch::where(lp.isneginf(), torch::zeros_like(lp), lp.exp() * lp).sum(1);
}

void UncertaintyScores::AddMember(const torch::Tensor& log_probs) {
  const torch::Tensor h = Entropy(log_probs);
  entropy_sum_ = entropy_sum_.defined() ? entropy_sum_ + h : h;
  member_argmax_.push_back(log_probs.argmax(1));
}

void UncertaintyScores::Finish(const torch::Tensor& ensemble_log_probs) {
  const torch::Tensor lp = ensemble_log_probs.to(torch::kDouble);
  predicted_ = lp.argmax(1);
  max_prob_ = std::get<0>(lp.max(1)).exp();
  entropy_ = Entropy(lp);
  const double members = static_cast<double>(member_argmax_.size());
  expected_entropy_ = entropy_sum_.defined() ? entropy_sum_ / members : torch::zeros_like(entropy_);
  mutual_information_ = entropy_ - expected_entropy_;
  torch::Tensor differ = torch::zeros_like(entropy_);
  for (const auto& argmax : member_argmax_) differ += argmax.ne(predicted_).to(torch::kDouble);
  disagreement_ = members > 0 ? differ / members : differ;
}

}  // namespace ens
