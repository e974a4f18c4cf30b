#include "metrics/calibration.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include <torch/types.h>

#include "metrics/golden_section.h"

namespace ens {

double TemperedNll(const torch::Tensor& log_probs, const torch::Tensor& labels, double temperature) {
  const torch::Tensor scaled = torch::log_softmax(log_probs.to(torch::kDouble) / temperature, 1);
  return -scaled.gather(1, labels.view({-1, 1})).mean().item<double>();
}

double FitTemperature(const torch::Tensor& log_probs, const torch::Tensor& labels) {
  const torch::Tensor lp = log_probs.to(torch::kDouble);
  // A uniform shift per row does not change softmax; clamp -inf so that
  // scaling never produces NaN.
  const torch::Tensor safe = lp.clamp_min(-1e4);
  auto f = [&](double log_t) { return TemperedNll(safe, labels, std::exp(log_t)); };
  return std::exp(GoldenSectionMinimize(f, std::log(0.01), std::log(100.0)));
}

double CalibratedNll(const torch::Tensor& log_probs, const torch::Tensor& labels, int64_t splits, uint64_t seed) {
  const int64_t n = labels.size(0);
  const torch::Tensor lp = log_probs.to(torch::kDouble).clamp_min(-1e4);
  std::vector<int64_t> order(n);
  double total = 0;
  for (int64_t s = 0; s < splits; ++s) {
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(seed * 7919 + s);
    std::shuffle(order.begin(), order.end(), rng);
    const torch::Tensor index = torch::tensor(order, torch::kLong);
    const torch::Tensor first = index.slice(0, 0, n / 2), second = index.slice(0, n / 2);
    const torch::Tensor lp1 = lp.index_select(0, first), y1 = labels.index_select(0, first);
    const torch::Tensor lp2 = lp.index_select(0, second), y2 = labels.index_select(0, second);
    const double nll2 = TemperedNll(lp2, y2, FitTemperature(lp1, y1));
    const double nll1 = TemperedNll(lp1, y1, FitTemperature(lp2, y2));
    total += (nll1 * first.size(0) + nll2 * second.size(0)) / n;
  }
  return total / splits;
}

}  // namespace ens
