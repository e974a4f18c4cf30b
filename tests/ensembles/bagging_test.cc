#include "ensembles/bagging.h"

#include <cmath>

#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

// Each index is drawn Binomial(n, 1/n) times per sample: on average once, and
// a sample holds about 1 - 1/e of the distinct indices.
TEST(BootstrapIndicesTest, DrawEachIndexWithTheExpectedFrequency) {
  const int64_t n = 1000, samples = 200;
  torch::Tensor counts = torch::zeros({n}, torch::kLong);
  double distinct = 0;
  for (int64_t s = 0; s < samples; ++s) {
    const torch::Tensor indices = BootstrapIndices(n, static_cast<uint64_t>(s));
    ASSERT_EQ(indices.size(0), n);
    EXPECT_GE(indices.min().item<int64_t>(), 0);
    EXPECT_LT(indices.max().item<int64_t>(), n);
    counts += torch::bincount(indices, {}, n);
    distinct += static_cast<double>(std::get<0>(torch::_unique(indices)).size(0)) / n;
  }
  // Per index: mean 200 draws, sd ~14.1; 6 sd covers every one of 1000 indices.
  EXPECT_GT(counts.min().item<int64_t>(), 200 - 85);
  EXPECT_LT(counts.max().item<int64_t>(), 200 + 85);
  EXPECT_NEAR(distinct / samples, 1 - std::exp(-1.0), 0.005);
  EXPECT_TRUE(torch::equal(BootstrapIndices(n, 7), BootstrapIndices(n, 7)));
  EXPECT_FALSE(torch::equal(BootstrapIndices(n, 7), BootstrapIndices(n, 8)));
}

TEST_F(MethodsTest, BaggingMembersTrainOnTheirOwnRows) {
  const torch::Tensor rows = torch::tensor({3, 3, 0}, torch::kLong);
  const Dataset sample = WithTrainingRows(data_, rows);
  ASSERT_EQ(sample.train.size(), 3);
  EXPECT_TRUE(torch::equal(sample.train.images[1], data_.train.images[3]));
  EXPECT_EQ(sample.train.labels[2].item<int64_t>(), data_.train.labels[0].item<int64_t>());
  EXPECT_EQ(sample.test.size(), data_.test.size());

  int64_t size = 0;
  const auto bagged = TrainAndEvaluate("bagging", "", &size);
  EXPECT_EQ(size, 3);
  ExpectEnsembleHelps(bagged);
  // Not the deep ensemble: same inits and orders, other data.
  const auto deep = TrainAndEvaluate("deep_ensemble", "");
  EXPECT_NE(bagged.back().nll, deep.back().nll);
}

}  // namespace
}  // namespace ens
