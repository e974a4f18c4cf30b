// Metrics against values computed by hand.
#include "metrics/classification.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/types.h>

namespace ens {
namespace {

torch::Tensor LogProbs(std::vector<std::vector<double>> rows) {
  std::vector<double> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return torch::tensor(flat, torch::kDouble).view({static_cast<int64_t>(rows.size()), -1}).log();
}

TEST(ClassificationTest, ErrorNllBrier) {
  const auto lp = LogProbs({{0.7, 0.2, 0.1}, {0.1, 0.6, 0.3}, {0.5, 0.25, 0.25}, {0.2, 0.2, 0.6}});
  const auto y = torch::tensor({0, 2, 0, 1}, torch::kLong);
  EXPECT_DOUBLE_EQ(ErrorPercent(lp, y), 50.0);
  EXPECT_NEAR(Nll(lp, y), -(std::log(0.7) + std::log(0.3) + std::log(0.5) + std::log(0.2)) / 4, 1e-12);
  const double brier = ((0.09 + 0.04 + 0.01) + (0.01 + 0.36 + 0.49) + (0.25 + 0.0625 + 0.0625) +
                        (0.04 + 0.64 + 0.36)) / 4;
  EXPECT_NEAR(Brier(lp, y), brier, 1e-12);
}

TEST(ClassificationTest, EceBinsByConfidence) {
  // Confidences 0.95 (right), 0.88 (wrong), 0.55 (right), 0.55 (right); 10 bins:
  // (0.9,1]: acc 1 conf 0.95; (0.8,0.9]: acc 0 conf 0.88; (0.5,0.6]: acc 1 conf 0.55 (x2).
  const auto lp = LogProbs({{0.95, 0.05}, {0.88, 0.12}, {0.55, 0.45}, {0.45, 0.55}});
  const auto y = torch::tensor({0, 1, 0, 1}, torch::kLong);
  EXPECT_NEAR(Ece(lp, y, 10), (0.05 + 0.88 + 2 * 0.45) / 4, 1e-12);
  // With one bin ECE = |accuracy - mean confidence|.
  EXPECT_NEAR(Ece(lp, y, 1), std::abs(0.75 - (0.95 + 0.88 + 0.55 + 0.55) / 4), 1e-12);
}

TEST(ClassificationTest, AurocCountsTiesAsHalf) {
  // Correct: confidences 0.9, 0.7, 0.6; wrong: 0.8, 0.6.
  const auto lp = LogProbs({{0.9, 0.1}, {0.7, 0.3}, {0.6, 0.4}, {0.8, 0.2}, {0.6, 0.4}});
  const auto y = torch::tensor({0, 0, 0, 1, 1}, torch::kLong);
  // Pairs (correct > wrong): 0.9>0.8, 0.9>0.6, 0.7>0.6, 0.6=0.6 (half), 0.7<0.8, 0.6<0.8.
  EXPECT_NEAR(MisclassificationAuroc(lp, y), (3 + 0.5) / 6.0, 1e-12);
  // All correct: undefined.
  EXPECT_TRUE(std::isnan(MisclassificationAuroc(lp, torch::zeros({5}, torch::kLong))));
}

}  // namespace
}  // namespace ens
