#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

TEST_F(MethodsTest, SingleIsOneNetwork) {
  int64_t size = 0;
  const auto rows = TrainAndEvaluate("single", "", &size);
  EXPECT_EQ(size, 1);
  EXPECT_EQ(history_.size(), 6u);
}

TEST_F(MethodsTest, DeepEnsembleMembersAreIndependentRuns) {
  int64_t size = 0;
  const auto rows = TrainAndEvaluate("deep_ensemble", "", &size);
  EXPECT_EQ(size, 3);
  ExpectEnsembleHelps(rows);
  ASSERT_EQ(history_.size(), 18u);  // 3 members x 6 epochs
  EXPECT_EQ(history_[6].member, 1);
  EXPECT_EQ(history_[6].epoch, 1);
}

TEST_F(MethodsTest, SameSeedSameMetrics) {
  const auto a = TrainAndEvaluate("deep_ensemble", "");
  const auto b = TrainAndEvaluate("deep_ensemble", "");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].nll, b[i].nll);
    EXPECT_EQ(a[i].cnll, b[i].cnll);
  }
  context_.seed = 4;
  EXPECT_NE(TrainAndEvaluate("deep_ensemble", "").back().nll, a.back().nll);
}

}  // namespace
}  // namespace ens
