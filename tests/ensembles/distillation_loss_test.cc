// The distillation losses on their definitions: Hinton's loss is plain
// cross-entropy at alpha 0, its soft-target gradient is T (softmax(z/T) - p)
// per example; EnD^2's loss, minimised over a free Dirichlet, recovers the
// Dirichlet that the members' predictions were drawn from (with and without
// the preconditioning, which keeps the stationary points).
#include "ensembles/distillation_loss.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/optim.h>
#include <torch/types.h>

namespace ens {
namespace {

TEST(DistillationLossTest, SoftTargetsIgnoreAConstantPerRow) {
  torch::manual_seed(1);
  const torch::Tensor logits = torch::randn({3, 5, 4}) * 3;
  const torch::Tensor from_logits = torch::softmax(logits / 2.5, 2).mean(0);
  EXPECT_TRUE(torch::allclose(SoftTargets(torch::log_softmax(logits, 2), 2.5), from_logits, 1e-6, 1e-6));
}

TEST(DistillationLossTest, HintonAtAlphaZeroIsCrossEntropy) {
  torch::manual_seed(2);
  const torch::Tensor z = torch::randn({8, 5}), labels = torch::randint(0, 5, {8}, torch::kLong);
  const torch::Tensor p = torch::softmax(torch::randn({8, 5}), 1);
  const double ce = torch::nll_loss(torch::log_softmax(z, 1), labels).item<double>();
  EXPECT_NEAR(HintonLoss(z, labels, p, 0.0, 4.0).item<double>(), ce, 1e-6);
  // A student equal to the teacher at T has no soft-target loss left.
  EXPECT_NEAR(HintonLoss(z, labels, torch::softmax(z / 3.0, 1), 0.25, 3.0).item<double>(), 0.75 * ce, 1e-5);
}

TEST(DistillationLossTest, HintonSoftTargetGradientIsTTimesTheProbabilityGap) {
  torch::manual_seed(3);
  const double t = 4.0;
  const torch::Tensor z = torch::randn({6, 5}).requires_grad_(true);
  const torch::Tensor labels = torch::randint(0, 5, {6}, torch::kLong);
  const torch::Tensor p = torch::softmax(torch::randn({6, 5}), 1);
  HintonLoss(z, labels, p, 1.0, t).backward();
  const torch::Tensor expected = t * (torch::softmax(z.detach() / t, 1) - p) / 6;
  EXPECT_TRUE(torch::allclose(z.grad(), expected, 1e-5, 1e-6)) << z.grad() << expected;
}

// Fits free concentrations to `members` [M, 1, C] (log-probabilities) by
// minimising the loss; returns them.
torch::Tensor FitDirichlet(const torch::Tensor& members, bool precondition) {
  torch::Tensor z = torch::zeros({1, members.size(2)}, torch::requires_grad());
  torch::optim::Adam adam({z}, torch::optim::AdamOptions(0.05));
  for (int step = 0; step < 3000; ++step) {
    adam.zero_grad();
    DirichletLoss(z, members, 1.0, 0.0, precondition).backward();
    adam.step();
  }
  return z.detach().exp();
}

TEST(DistillationLossTest, DirichletLossRecoversTheMembersDirichlet) {
  torch::manual_seed(4);
  const torch::Tensor beta = torch::tensor({2.0, 5.0, 1.5, 3.0}, torch::kDouble);
  const torch::Tensor draws = torch::_sample_dirichlet(beta.expand({4000, 4}).contiguous());
  const torch::Tensor members = draws.log().to(torch::kFloat).view({4000, 1, 4});
  for (bool precondition : {false, true}) {
    const torch::Tensor alpha = FitDirichlet(members, precondition).to(torch::kDouble).view({4});
    // The maximum-likelihood Dirichlet of 4000 draws: within 10 % of beta.
    EXPECT_TRUE(torch::allclose(alpha, beta, 0.1, 0)) << "precondition " << precondition << ": " << alpha;
  }
}

TEST(DistillationLossTest, SmoothingMixesWithUniformAndTemperatureSoftens) {
  // Members certain of class 0: with smoothing s, log pi_0 = log(1 - s + s/C).
  const torch::Tensor members = torch::log_softmax(torch::tensor({{{50.0f, 0.0f}}}), 2);  // [1, 1, 2]
  const torch::Tensor z = torch::zeros({1, 2});  // alpha = (1, 1): lnGamma terms vanish but lnGamma(2) = 0
  // alpha - 1 = 0: the loss is -lnGamma(2) = 0 whatever the targets.
  EXPECT_NEAR(DirichletLoss(z, members, 1.0, 0.1, false).item<double>(), 0.0, 1e-6);
  const torch::Tensor z2 = torch::log(torch::tensor({{2.0f, 1.0f}}));  // alpha = (2, 1)
  const double expected = std::lgamma(2.0) + std::lgamma(1.0) - std::lgamma(3.0) - std::log(1 - 0.1 + 0.05);
  EXPECT_NEAR(DirichletLoss(z2, members, 1.0, 0.1, false).item<double>(), expected, 1e-5);
  EXPECT_NEAR(DirichletLoss(z2, members, 1.0, 0.1, true).item<double>(), expected / 3.0, 1e-5);
  // At T = 2 both sides are softened: members log_softmax([log 4, 0]) give
  // pi = (2/3, 1/3); z = 2 log (2, 1) gives alpha = (2, 1).
  const torch::Tensor four_to_one = torch::log_softmax(torch::tensor({{{std::log(4.0f), 0.0f}}}), 2);
  const torch::Tensor z3 = 2 * torch::log(torch::tensor({{2.0f, 1.0f}}));
  EXPECT_NEAR(DirichletLoss(z3, four_to_one, 2.0, 0.0, false).item<double>(),
              std::lgamma(2.0) + std::lgamma(1.0) - std::lgamma(3.0) - std::log(2.0 / 3.0), 1e-5);
}

TEST(DistillationLossTest, TemperatureFallsToOne) {
  EXPECT_DOUBLE_EQ(AnnealedTemperature(10, 100, 1), 10);
  EXPECT_DOUBLE_EQ(AnnealedTemperature(10, 100, 51), 5.5);
  EXPECT_DOUBLE_EQ(AnnealedTemperature(10, 100, 101), 1);
  EXPECT_DOUBLE_EQ(AnnealedTemperature(10, 100, 500), 1);
  EXPECT_DOUBLE_EQ(AnnealedTemperature(10, 0, 1), 1);
}

}  // namespace
}  // namespace ens
