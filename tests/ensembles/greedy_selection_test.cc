// Greedy forward selection against a brute-force reading of its definition
// (every candidate's ensemble as a plain mean of probabilities), and on hand
// cases: repeats, ties, bad input.
#include "ensembles/greedy_selection.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/types.h>

#include "metrics/classification.h"

namespace ens {
namespace {

std::vector<torch::Tensor> RandomPool(int members, int64_t n, int64_t classes, uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<torch::Tensor> pool;
  for (int m = 0; m < members; ++m) {
    pool.push_back(torch::log_softmax(torch::randn({n, classes}) * (1.0 + m), 1));
  }
  return pool;
}

TEST(GreedySelectionTest, EachStepAddsTheMemberThatLowersTheScoreMost) {
  const auto pool = RandomPool(5, 300, 4, 7);
  const torch::Tensor labels = torch::randint(0, 4, {300}, torch::kLong);
  for (const std::string metric : {"nll", "brier", "ece", "error"}) {
    auto steps = GreedySelection(pool, labels, 7, metric);
    ASSERT_TRUE(steps.ok()) << steps.status();
    ASSERT_EQ(steps->size(), 7u);
    torch::Tensor sum = torch::zeros({300, 4}, torch::kDouble);
    for (size_t t = 0; t < steps->size(); ++t) {
      double best = INFINITY;
      int64_t best_member = -1;
      for (size_t j = 0; j < pool.size(); ++j) {
        const torch::Tensor mean = (sum + pool[j].to(torch::kDouble).exp()) / static_cast<double>(t + 1);
        const double score = *SelectionScore(metric, mean.log(), labels);
        if (score < best - 1e-12) {
          best = score;
          best_member = static_cast<int64_t>(j);
        }
      }
      EXPECT_EQ((*steps)[t].member, best_member) << metric << " step " << t;
      EXPECT_NEAR((*steps)[t].score, best, 1e-9) << metric << " step " << t;
      sum += pool[(*steps)[t].member].to(torch::kDouble).exp();
    }
  }
}

TEST(GreedySelectionTest, AMemberCanBeChosenAgain) {
  // One confident, right member and one uniform: the right one every time.
  const torch::Tensor labels = torch::tensor({0, 1, 2}, torch::kLong);
  const torch::Tensor right = torch::log_softmax(torch::eye(3) * 5, 1);
  const torch::Tensor uniform = torch::full({3, 3}, -std::log(3.0));
  auto steps = GreedySelection({uniform, right}, labels, 3, "nll");
  ASSERT_TRUE(steps.ok());
  for (const GreedyStep& step : *steps) EXPECT_EQ(step.member, 1);
  EXPECT_NEAR((*steps)[2].score, Nll(right, labels), 1e-6);
}

TEST(GreedySelectionTest, TiesGoToTheLowerIndex) {
  const torch::Tensor labels = torch::tensor({0, 1}, torch::kLong);
  const torch::Tensor a = torch::log_softmax(torch::tensor({{2.0, 0.0}, {0.0, 2.0}}), 1);
  auto steps = GreedySelection({a, a.clone(), a.clone()}, labels, 2, "error");
  ASSERT_TRUE(steps.ok());
  EXPECT_EQ((*steps)[0].member, 0);
  EXPECT_EQ((*steps)[1].member, 0);
}

TEST(GreedySelectionTest, BadInputIsAnError) {
  const torch::Tensor labels = torch::zeros({4}, torch::kLong);
  const torch::Tensor a = torch::log_softmax(torch::randn({4, 3}), 1);
  EXPECT_FALSE(GreedySelection({}, labels, 2, "nll").ok());
  EXPECT_FALSE(GreedySelection({a}, labels, 0, "nll").ok());
  EXPECT_FALSE(GreedySelection({a, torch::log_softmax(torch::randn({4, 2}), 1)}, labels, 2, "nll").ok());
  auto unknown = GreedySelection({a}, labels, 1, "accuracy");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(std::string(unknown.status().message()).find("allowed: nll, error, brier, ece"), std::string::npos);
}

}  // namespace
}  // namespace ens
