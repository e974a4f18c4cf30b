// Detection metrics against hand-computed values and against their
// definitions evaluated by brute force (every pair, every threshold) on
// random scores with ties.
#include "metrics/detection.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <torch/types.h>

namespace ens {
namespace {

torch::Tensor Doubles(std::vector<double> v) { return torch::tensor(v, torch::kDouble); }
torch::Tensor Bools(std::vector<int64_t> v) { return torch::tensor(v, torch::kLong).to(torch::kBool); }

TEST(DetectionTest, HandComputed) {
  // Positives 0.9, 0.6, 0.4; negatives 0.8, 0.4, 0.1.
  const torch::Tensor s = Doubles({0.9, 0.8, 0.6, 0.4, 0.4, 0.1});
  const torch::Tensor p = Bools({1, 0, 1, 1, 0, 0});
  // Pairs won: 0.9 beats 3, 0.6 beats 2, 0.4 beats 1 and ties 1: 6.5 / 9.
  EXPECT_DOUBLE_EQ(Auroc(s, p), 6.5 / 9);
  // Thresholds 0.9 (recall 1/3, precision 1), 0.6 (2/3, 2/3), 0.4 (1, 3/5).
  EXPECT_DOUBLE_EQ(AveragePrecision(s, p), (1.0 + 2.0 / 3 + 3.0 / 5) / 3);
  // Keeping all 3 positives needs the threshold 0.4: 2 of 3 negatives above.
  EXPECT_DOUBLE_EQ(FprAtTpr(s, p, 0.95), 2.0 / 3);
  EXPECT_DOUBLE_EQ(FprAtTpr(s, p, 0.5), 1.0 / 3);  // 0.6 keeps 2 of 3
  EXPECT_TRUE(std::isnan(Auroc(s, Bools({0, 0, 0, 0, 0, 0}))));
  EXPECT_TRUE(std::isnan(AveragePrecision(s, Bools({0, 0, 0, 0, 0, 0}))));
  EXPECT_TRUE(std::isnan(FprAtTpr(s, Bools({1, 1, 1, 1, 1, 1}), 0.95)));
  EXPECT_DOUBLE_EQ(Auroc(Doubles({2, 1}), Bools({1, 0})), 1.0);
  EXPECT_DOUBLE_EQ(Auroc(Doubles({1, 1}), Bools({1, 0})), 0.5);
}

TEST(DetectionTest, MatchDefinitionsByBruteForce) {
  torch::manual_seed(1);
  for (int trial = 0; trial < 20; ++trial) {
    const int64_t n = 50 + trial;
    // Few distinct values: many ties.
    const torch::Tensor s = torch::randint(0, 12, {n}, torch::kLong).to(torch::kDouble);
    const torch::Tensor p = torch::rand({n}) < 0.4;
    const auto sa = s.accessor<double, 1>();
    const auto pa = p.accessor<bool, 1>();
    double wins = 0, pairs = 0;
    int64_t positives = 0;
    for (int64_t i = 0; i < n; ++i) positives += pa[i];
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        if (!pa[i] || pa[j]) continue;
        pairs += 1;
        wins += sa[i] > sa[j] ? 1.0 : sa[i] == sa[j] ? 0.5 : 0.0;
      }
    }
    EXPECT_NEAR(Auroc(s, p), wins / pairs, 1e-12);
    // Average precision and FPR at 95 % TPR over every distinct threshold, descending.
    double ap = 0, previous_recall = 0, fpr95 = 1.0;
    bool found = false;
    for (double t = 11; t >= 0; t -= 1) {
      int64_t tp = 0, fp = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (sa[i] >= t) (pa[i] ? tp : fp)++;
      }
      if (tp + fp == 0) continue;
      const double recall = static_cast<double>(tp) / positives;
      ap += (recall - previous_recall) * tp / (tp + fp);
      previous_recall = recall;
      if (!found && tp >= 0.95 * positives) {
        fpr95 = static_cast<double>(fp) / (n - positives);
        found = true;
      }
    }
    EXPECT_NEAR(AveragePrecision(s, p), ap, 1e-12);
    EXPECT_NEAR(FprAtTpr(s, p, 0.95), fpr95, 1e-12);
  }
}

}  // namespace
}  // namespace ens
