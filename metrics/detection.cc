#include "metrics/detection.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

namespace ens {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Scores and labels on the CPU, and the indices by descending score.
struct Ranked {
  torch::Tensor scores, positive;
  const double* s = nullptr;
  const bool* p = nullptr;
  std::vector<int64_t> order;  // descending score
  int64_t positives = 0, negatives = 0;
};

Ranked Rank(const torch::Tensor& scores, const torch::Tensor& positive) {
  Ranked r;
  r.scores = scores.to(torch::kCPU, torch::kDouble).contiguous();
  r.positive = positive.to(torch::kCPU, torch::kBool).contiguous();
  r.s = r.scores.data_ptr<double>();
  r.p = r.positive.data_ptr<bool>();
  const int64_t n = r.scores.numel();
  r.order.resize(n);
  std::iota(r.order.begin(), r.order.end(), 0);
  const double* s = r.s;
  std::stable_sort(r.order.begin(), r.order.end(), [s](int64_t a, int64_t b) { return s[a] > s[b]; });
  r.positives = r.positive.sum().item<int64_t>();
  r.negatives = n - r.positives;
  return r;
}

}  // namespace

double Auroc(const torch::Tensor& scores, const torch::Tensor& positive) {
  const Ranked r = Rank(scores, positive);
  if (r.positives == 0 || r.negatives == 0) return kNaN;
  // Walking down the scores: each positive beats every negative below it;
  // a tie of a positive and a negative counts one half.
  const int64_t n = static_cast<int64_t>(r.order.size());
  double wins = 0;
  int64_t negatives_above = 0;
  for (int64_t i = 0; i < n;) {
    int64_t j = i, tied_pos = 0, tied_neg = 0;
    while (j < n && r.s[r.order[j]] == r.s[r.order[i]]) {
      (r.p[r.order[j]] ? tied_pos : tied_neg)++;
      ++j;
    }
    wins += tied_pos * (r.negatives - negatives_above - tied_neg + 0.5 * tied_neg);
    negatives_above += tied_neg;
    i = j;
  }
  return wins / (static_cast<double>(r.positives) * r.negatives);
}

double AveragePrecision(const torch::Tensor& scores, const torch::Tensor& positive) {
  const Ranked r = Rank(scores, positive);
  if (r.positives == 0) return kNaN;
  const int64_t n = static_cast<int64_t>(r.order.size());
  double area = 0;
  int64_t true_pos = 0, seen = 0;
  for (int64_t i = 0; i < n;) {
    int64_t j = i, tied_pos = 0;
    while (j < n && r.s[r.order[j]] == r.s[r.order[i]]) {
      tied_pos += r.p[r.order[j]];
      ++j;
    }
    true_pos += tied_pos;
    seen = j;
    area += static_cast<double>(tied_pos) / r.positives * (static_cast<double>(true_pos) / seen);
    i = j;
  }
  return area;
}

double FprAtTpr(const torch::Tensor& scores, const torch::Tensor& positive, double tpr) {
  const Ranked r = Rank(scores, positive);
  if (r.positives == 0 || r.negatives == 0) return kNaN;
  const int64_t n = static_cast<int64_t>(r.order.size());
  int64_t true_pos = 0, false_pos = 0;
  for (int64_t i = 0; i < n;) {
    int64_t j = i;
    while (j < n && r.s[r.order[j]] == r.s[r.order[i]]) {
      (r.p[r.order[j]] ? true_pos : false_pos)++;
      ++j;
    }
    // Thresholds only at distinct scores: a tie is kept or dropped whole.
    if (static_cast<double>(true_pos) >= tpr * r.positives - 1e-12) {
      return static_cast<double>(false_pos) / r.negatives;
    }
    i = j;
  }
  return 1.0;
}

}  // namespace ens
