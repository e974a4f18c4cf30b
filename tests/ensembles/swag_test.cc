#include "ensembles/swag.h"

#include <cmath>

#include "core/atomic_file.h"
#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

TEST(SwagMomentsTest, EqualTheExplicitMomentsOfTheCollectedWeights) {
  torch::manual_seed(1);
  const torch::Tensor iterates = torch::randn({5, 7}, torch::kDouble) * 3 + 1;
  SwagMoments moments(/*max_rank=*/3);
  for (int64_t j = 0; j < 5; ++j) moments.Collect(iterates[j].to(torch::kFloat).to(torch::kDouble));
  EXPECT_EQ(moments.count(), 5);
  const torch::Tensor mean = iterates.mean(0);
  const torch::Tensor variance = iterates.var(0, /*unbiased=*/false);
  EXPECT_TRUE(torch::allclose(moments.mean(), mean, 1e-6, 1e-9));
  EXPECT_TRUE(torch::allclose(moments.Variance(), variance, 1e-6, 1e-9));
  // The last 3 deviations, each from the running mean that includes its iterate.
  const torch::Tensor deviations = moments.Deviations();
  ASSERT_EQ(deviations.sizes(), (std::vector<int64_t>{3, 7}));
  for (int64_t j = 2; j < 5; ++j) {
    const torch::Tensor running_mean = iterates.slice(0, 0, j + 1).mean(0);
    EXPECT_TRUE(torch::allclose(deviations[j - 2].to(torch::kDouble), iterates[j] - running_mean, 1e-5, 1e-5))
        << "deviation " << j;
  }
}

// Many draws have the moments of the SWAG Gaussian:
// mean, and covariance scale * (diag(var) + D^T D / (K - 1)).
TEST(SwagEnsembleTest, DrawsHaveTheGaussiansMoments) {
  const torch::Tensor mean = torch::tensor({1.0, -2.0, 0.5, 3.0}, torch::kDouble);
  const torch::Tensor variance = torch::tensor({0.04, 0.25, 0.01, 1.0}, torch::kDouble);
  const torch::Tensor deviations = torch::tensor({{0.3, -0.1, 0.2, 0.0}, {-0.2, 0.4, 0.1, 0.5}}, torch::kFloat);
  const int64_t rank = 3;
  SwagSampling sampling;
  sampling.scale = 0.5;
  sampling.samples = 20000;
  sampling.seed = 9;
  const SwagEnsemble swag(mean, variance, deviations, rank, StateDict{}, sampling);
  std::vector<torch::Tensor> draws;
  for (int64_t i = 0; i < sampling.samples; ++i) draws.push_back(swag.Sample(i));
  const torch::Tensor x = torch::stack(draws);
  const torch::Tensor d = deviations.to(torch::kDouble);
  const torch::Tensor expected_cov = 0.5 * (torch::diag(variance) + d.t().mm(d) / (rank - 1));
  const torch::Tensor centred = x - x.mean(0);
  const torch::Tensor cov = centred.t().mm(centred) / (sampling.samples - 1);
  // Standard errors: sqrt(cov_ii / n) for the mean; ~sqrt(2/n) relative for the covariance.
  EXPECT_TRUE(torch::allclose(x.mean(0), mean, 0, 0.03)) << x.mean(0);
  EXPECT_TRUE(torch::allclose(cov, expected_cov, 0.05, 0.005)) << cov << expected_cov;
  EXPECT_TRUE(torch::equal(swag.Sample(3), swag.Sample(3)));
  EXPECT_FALSE(torch::equal(swag.Sample(3), swag.Sample(4)));

  SwagSampling diagonal = sampling;
  diagonal.diagonal_only = true;
  const SwagEnsemble diag(mean, variance, deviations, rank, StateDict{}, diagonal);
  std::vector<torch::Tensor> diag_draws;
  for (int64_t i = 0; i < 20000; ++i) diag_draws.push_back(diag.Sample(i));
  const torch::Tensor var = torch::stack(diag_draws).var(0);
  EXPECT_TRUE(torch::allclose(var, 0.5 * variance, 0.05, 0)) << var;
}

TEST(SwagFlatParametersTest, RoundTripAndRejectWrongLength) {
  auto net = *MakeModel("mlp", "width=6,depth=1", ModelSpec{1, 4, 3}, StandardLayers());
  const torch::Tensor flat = FlattenParameters(*net);
  EXPECT_EQ(flat.size(0), CountParameters(*net));
  ASSERT_TRUE(AssignFlatParameters(*net, flat * 2).ok());
  EXPECT_TRUE(torch::allclose(FlattenParameters(*net), flat * 2));
  const absl::Status wrong = AssignFlatParameters(*net, flat.slice(0, 1));
  EXPECT_THAT(std::string(wrong.message()), HasSubstr("does not fit"));
}

TEST_F(MethodsTest, SwagSamplesHelpAndSurviveSaveAndLoad) {
  UseNoisierData(1.2);
  context_.members = 8;
  context_.epochs = 8;
  int64_t size = 0;
  const auto rows = TrainAndEvaluate("swag", "", &size);
  EXPECT_EQ(size, 8);
  ExpectEnsembleHelps(rows);
  // The schedule: lr until half of swa_start (epoch 4 of 8), swa_lr = 10% after.
  EXPECT_NEAR(history_.front().lr, 0.05, 1e-12);
  EXPECT_NEAR(history_.back().lr, 0.005, 1e-12);

  EXPECT_TRUE(LayoutOf(*ensemble_).recompute_batchnorm);
  ExpectSameAfterSaveAndLoad(rows, "swag_members");
}

TEST_F(MethodsTest, SwagDiagAndSwa) {
  UseNoisierData(1.2);
  context_.members = 8;
  context_.epochs = 8;
  int64_t size = 0;
  // The diagonal of 5 late iterates is narrow: draws differ, but averaging
  // them need not beat one of them on this toy problem.
  const auto diag = TrainAndEvaluate("swag_diag", "", &size);
  EXPECT_EQ(size, 8);
  ASSERT_EQ(diag.size(), 8u);
  EXPECT_NE(diag[0].nll, diag[1].nll);
  EXPECT_LT(diag.back().error, 50.0);
  const auto swa = TrainAndEvaluate("swa", "swa_start=0.5", &size);
  EXPECT_EQ(size, 1);
  ASSERT_EQ(swa.size(), 1u);
  EXPECT_LT(swa[0].error, 50.0);
}

// swa, swag_diag and swag with a smaller K follow the very trajectory a swag
// run trains from the same seed: taking it with moments_from gives the same
// metrics, bit for bit, without training.
TEST_F(MethodsTest, SwaAndSwagDiagFromASwagRunsTrajectory) {
  UseNoisierData(1.2);
  context_.members = 4;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"swa", ""}, {"swag_diag", ""}, {"swag", "max_rank=3"}};
  std::vector<std::vector<SizeMetrics>> fresh;
  for (const auto& [method, args] : cases) fresh.push_back(TrainAndEvaluate(method.c_str(), args.c_str()));
  TrainAndEvaluate("swag", "");  // K = 20: keeps all 4 collected deviations
  const std::string run = SaveAsRun("swag_run");
  history_.clear();
  for (size_t c = 0; c < cases.size(); ++c) {
    const std::string args = (cases[c].second.empty() ? "" : cases[c].second + ",") + "moments_from=" + run;
    EXPECT_EQ(*(*MakeMethod(cases[c].first, args))->PlannedEpochs(context_), 0);
    const auto reused = TrainAndEvaluate(cases[c].first.c_str(), args.c_str());
    ASSERT_EQ(reused.size(), fresh[c].size()) << cases[c].first;
    for (size_t k = 0; k < reused.size(); ++k) {
      EXPECT_EQ(reused[k].nll, fresh[c][k].nll) << cases[c].first << " size " << k + 1;
    }
  }
  EXPECT_TRUE(history_.empty()) << "moments_from trained";

  auto wider = (*MakeMethod("swag", "max_rank=21,moments_from=" + run))->Train(context_);
  ASSERT_FALSE(wider.ok());
  EXPECT_THAT(std::string(wider.status().message()), HasSubstr("kept 4 deviations (K = 20); max_rank=21"));
  TrainAndEvaluate("single", "");
  const std::string single = SaveAsRun("single_for_swa");
  auto not_swag = (*MakeMethod("swa", "moments_from=" + single))->Train(context_);
  ASSERT_FALSE(not_swag.ok());
  EXPECT_THAT(std::string(not_swag.status().message()), HasSubstr("is not a swag or swag_diag run"));
}

}  // namespace
}  // namespace ens
