#include "metrics/classification.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include <torch/types.h>

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
  const torch::Tensor probs = log_probs.to(torch::kDouble).exp();
  const auto [confidence_t, prediction] = probs.max(1);
  const torch::Tensor correct_t = prediction.eq(labels);
  const int64_t n = confidence_t.size(0);
  const auto confidence = confidence_t.contiguous();
  const auto correct = correct_t.contiguous();
  const double* c = confidence.data_ptr<double>();
  const bool* ok = correct.data_ptr<bool>();
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [c](int64_t a, int64_t b) { return c[a] < c[b]; });
  // Mann-Whitney U with average ranks for ties.
  double positive_rank_sum = 0;
  int64_t positives = 0;
  for (int64_t i = 0; i < n;) {
    int64_t j = i;
    while (j < n && c[order[j]] == c[order[i]]) ++j;
    const double average_rank = (i + 1 + j) / 2.0;  // ranks i+1 .. j
    for (int64_t k = i; k < j; ++k) {
      if (ok[order[k]]) {
        positive_rank_sum += average_rank;
        ++positives;
      }
    }
    i = j;
  }
  const int64_t negatives = n - positives;
  if (positives == 0 || negatives == 0) return std::numeric_limits<double>::quiet_NaN();
  return (positive_rank_sum - positives * (positives + 1) / 2.0) / (static_cast<double>(positives) * negatives);
}

}  // namespace ens
