// The uncertainty scores against hand-computed values and their defining
// properties (mutual information: zero for identical members, non-negative
// for the mean of probabilities).
#include "metrics/uncertainty.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <torch/types.h>

namespace ens {
namespace {

torch::Tensor LogOf(std::initializer_list<double> probs, int64_t classes) {
  return torch::tensor(std::vector<double>(probs), torch::kDouble).view({-1, classes}).log();
}

torch::Tensor LogMeanExp(const std::vector<torch::Tensor>& members) {
  return torch::logsumexp(torch::stack(members), 0) - std::log(static_cast<double>(members.size()));
}

TEST(UncertaintyScoresTest, HandComputed) {
  // Row 0: two confident members that disagree. Row 1: members that agree
  // on a uniform distribution. Row 2: one certain, one at (0.75, 0.25).
  const torch::Tensor a = LogOf({1.0, 0.0, 0.5, 0.5, 1.0, 0.0}, 2);
  const torch::Tensor b = LogOf({0.0, 1.0, 0.5, 0.5, 0.75, 0.25}, 2);
  UncertaintyScores scores;
  scores.AddMember(a);
  scores.AddMember(b);
  scores.Finish(LogMeanExp({a, b}));
  const double ln2 = std::log(2.0);
  const double h_b2 = -(0.75 * std::log(0.75) + 0.25 * std::log(0.25));
  const double h_mean2 = -(0.875 * std::log(0.875) + 0.125 * std::log(0.125));
  EXPECT_NEAR(scores.entropy()[0].item<double>(), ln2, 1e-12);
  EXPECT_NEAR(scores.expected_entropy()[0].item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(scores.mutual_information()[0].item<double>(), ln2, 1e-12);
  EXPECT_NEAR(scores.mutual_information()[1].item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(scores.entropy()[1].item<double>(), ln2, 1e-12);
  EXPECT_NEAR(scores.entropy()[2].item<double>(), h_mean2, 1e-12);
  EXPECT_NEAR(scores.expected_entropy()[2].item<double>(), h_b2 / 2, 1e-12);
  EXPECT_NEAR(scores.max_prob()[2].item<double>(), 0.875, 1e-12);
  EXPECT_EQ(scores.predicted()[2].item<int64_t>(), 0);
  EXPECT_DOUBLE_EQ(scores.disagreement()[2].item<double>(), 0.0);
  // Row 0's tie goes to class 0 (argmax's first); member b disagrees.
  EXPECT_DOUBLE_EQ(scores.disagreement()[0].item<double>(), 0.5);
}

TEST(UncertaintyScoresTest, MutualInformationOfTheMeanIsNonNegative) {
  torch::manual_seed(0);
  std::vector<torch::Tensor> members;
  UncertaintyScores scores, same;
  for (int m = 0; m < 5; ++m) {
    members.push_back(torch::log_softmax(3 * torch::randn({200, 10}, torch::kDouble), 1));
    scores.AddMember(members.back());
    same.AddMember(members[0]);
  }
  scores.Finish(LogMeanExp(members));
  same.Finish(members[0]);
  EXPECT_GE(scores.mutual_information().min().item<double>(), -1e-12);
  EXPECT_GT(scores.mutual_information().mean().item<double>(), 0.1);
  EXPECT_LT(same.mutual_information().abs().max().item<double>(), 1e-12);
  EXPECT_LT(same.disagreement().max().item<double>(), 1e-12);
  // Entropy is at most log C.
  EXPECT_LE(scores.entropy().max().item<double>(), std::log(10.0) + 1e-12);
}

}  // namespace
}  // namespace ens
