#include "metrics/classification.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include <torch/types.h>

#include "metrics/detection.h"

namespace ens {

double ErrorPercent(const torch::Tensor& log_probs, const torch::Tensor& labels) {
  return 100.0 * log_probs.argmax(1).ne(labels).to(torch::kDouble).mean().item<double>();
}

double Nll(const torch::Tensor& log_probs, const torch::Tensor& labels) {
  return -log_probs.to(torch::kDouble).gather(1, labels.view({-1, 1})).mean().item<double>();
}

double Brier(const torch::Tensor& log_probs, const torch::Tensor& labels) {
  const torch::Tensor probs = log_probs.to(torch::kDouble).exp();
  const torch::Tensor onehot = torch::zeros_like(probs).scatter_(1, labels.view({-1, 1}), 1.0);
  return (probs - onehot).pow(2).sum(1).mean().item<double>();
}

double Ece(const torch::Tensor& log_probs, const torch::Tensor& labels, int64_t bins) {
  const torch::Tensor probs = log_probs.to(torch::kDouble).exp();
  const auto [confidence, prediction] = probs.max(1);
  const torch::Tensor correct = prediction.eq(labels).to(torch::kDouble);
  // Bin b holds confidences in (b/bins, (b+1)/bins]; confidence 0 goes to bin 0.
  const torch::Tensor bin = (confidence * bins).ceil().sub(1).clamp(0, bins - 1).to(torch::kLong);
  const torch::Tensor count = torch::zeros({bins}, torch::kDouble).index_add_(0, bin, torch::ones_like(confidence));
  const torch::Tensor conf_sum = torch::zeros({bins}, torch::kDouble).index_add_(0, bin, confidence);
  const torch::Tensor acc_sum = torch::zeros({bins}, torch::kDouble).index_add_(0, bin, correct);
  // sum_b |B|/N * |acc(B) - conf(B)| = sum_b |acc_sum - conf_sum| / N
  return (acc_sum - conf_sum).abs().sum().item<double>() / confidence.size(0);
}

double MisclassificationAuroc(const torch::Tensor& log_probs, const torch::Tensor& labels) {
  const auto [confidence, prediction] = log_probs.to(torch::kDouble).exp().max(1);
  return Auroc(confidence, prediction.eq(labels));
}

}  // namespace ens
