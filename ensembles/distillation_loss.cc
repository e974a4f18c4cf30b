#include "ensembles/distillation_loss.h"

#include <algorithm>

namespace ens {

torch::Tensor SoftTargets(const torch::Tensor& member_log_probs, double temperature) {
  return torch::softmax(member_log_probs.to(torch::kFloat) / temperature, 2).mean(0);
}

torch::Tensor HintonLoss(const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor& soft_targets,
                         double alpha, double temperature) {
  const torch::Tensor z = logits.to(torch::kFloat);
  const torch::Tensor ce = torch::nll_loss(torch::log_softmax(z, 1), labels);
  const torch::Tensor& p = soft_targets;
  // 0 log 0 = 0 for classes the teacher gives no probability.
  const torch::Tensor kl = (p * (p.clamp_min(1e-30).log() - torch::log_softmax(z / temperature, 1))).sum(1).mean();
  return (1 - alpha) * ce + alpha * temperature * temperature * kl;
}

torch::Tensor DirichletLoss(const torch::Tensor& logits, const torch::Tensor& member_log_probs, double temperature,
                            double smoothing, bool precondition) {
  const int64_t classes = member_log_probs.size(2);
  const torch::Tensor pi =
      (1 - smoothing) * torch::softmax(member_log_probs.to(torch::kFloat) / temperature, 2) + smoothing / classes;
  const torch::Tensor mean_log_pi = pi.log().mean(0);  // [n, C]
  // log alpha kept where lnGamma and exp stay finite in float.
  const torch::Tensor alpha = (logits.to(torch::kFloat) / temperature).clamp(-30, 30).exp();
  const torch::Tensor precision = alpha.sum(1);
  const torch::Tensor nll =
      torch::lgamma(alpha).sum(1) - torch::lgamma(precision) - ((alpha - 1) * mean_log_pi).sum(1);
  return precondition ? (nll / precision.detach()).mean() : nll.mean();
}

double AnnealedTemperature(double start, double anneal_iterations, int64_t iteration) {
  if (anneal_iterations <= 0) return 1.0;
  const double progress = std::min(1.0, static_cast<double>(iteration - 1) / anneal_iterations);
  return std::max(1.0, start + (1.0 - start) * progress);
}

}  // namespace ens
