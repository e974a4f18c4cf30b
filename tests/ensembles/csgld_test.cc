#include "ensembles/csgld.h"

#include <ATen/CPUGeneratorImpl.h>

#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

TEST(LangevinNoiseTest, HasTheVarianceOfTheFormula) {
  EXPECT_DOUBLE_EQ(LangevinNoiseStd(0.1, 1.0, 50), std::sqrt(2 * 0.1 * 1.0 / 50));
  auto net = *MakeModel("mlp", "width=256,depth=2", ModelSpec{1, 8, 5}, StandardLayers());
  {
    torch::NoGradGuard no_grad;
    for (auto& p : net->parameters()) p.zero_();
  }
  auto generator = at::detail::createCPUGenerator(5);
  AddLangevinNoise(*net, /*lr=*/0.1, /*temperature=*/2.0, /*dataset_size=*/50, generator);
  std::vector<torch::Tensor> parts;
  for (const auto& p : net->parameters()) parts.push_back(p.detach().reshape(-1).to(torch::kDouble));
  const torch::Tensor noise = torch::cat(parts);
  ASSERT_GT(noise.size(0), 80000);
  const double expected = 2 * 0.1 * 2.0 / 50;  // 0.008
  // Relative standard error of a variance from n draws: sqrt(2 / n) ~ 0.5%.
  EXPECT_NEAR(noise.var().item<double>() / expected, 1.0, 0.025);
  EXPECT_NEAR(noise.mean().item<double>(), 0.0, 5 * std::sqrt(expected / noise.size(0)));
}

TEST_F(MethodsTest, CsgldCollectsSamplesInTheNoisyPartOfEachCycle) {
  context_.members = 6;
  context_.epochs = 8;
  int64_t size = 0;
  const auto rows = TrainAndEvaluate("csgld", "cycles=2,lr0=0.2,noise_fraction=0.25", &size);
  EXPECT_EQ(size, 6);
  ExpectEnsembleHelps(rows);
  // Two cycles of 4 epochs: the rate is near zero at each cycle's end.
  ASSERT_EQ(history_.size(), 8u);
  EXPECT_LT(history_[3].lr, 0.001);
  EXPECT_GT(history_[4].lr, 0.1);
  EXPECT_LT(history_[7].lr, 0.001);
}

TEST_F(MethodsTest, CsgldRejectsMoreSamplesThanNoisyIterations) {
  context_.members = 40;
  auto method = *MakeMethod("csgld", "cycles=2");
  auto planned = method->PlannedEpochs(context_);
  ASSERT_FALSE(planned.ok());
  EXPECT_THAT(std::string(planned.status().message()), HasSubstr("do not fit"));
}

}  // namespace
}  // namespace ens
