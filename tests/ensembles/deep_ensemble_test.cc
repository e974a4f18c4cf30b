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

// --members_together: the same initialisations and data orders, trained as
// one batched network, give the members trained alone (up to rounding; no
// dropout here, whose draws would differ). Three members: a pair and one.
TEST_F(MethodsTest, MembersTogetherTrainLikeMembersAlone) {
  model_args_ = "width=48,depth=1,dropout=0";
  const auto alone = TrainAndEvaluate("deep_ensemble", "");
  history_.clear();
  context_.members_together = 2;
  const auto together = TrainAndEvaluate("deep_ensemble", "");
  ASSERT_EQ(together.size(), 3u);
  ASSERT_EQ(alone.size(), together.size());
  for (size_t i = 0; i < alone.size(); ++i) {
    EXPECT_NEAR(together[i].nll, alone[i].nll, 1e-4 * alone[i].nll) << "size " << i + 1;
    EXPECT_NEAR(together[i].error, alone[i].error, 0.51) << "size " << i + 1;  // one borderline example at most
  }
  ASSERT_EQ(history_.size(), 12u);  // the pair's 6 epochs, then the third member's
  EXPECT_EQ(history_[0].member, 0);
  EXPECT_EQ(history_[6].member, 2);
}

}  // namespace
}  // namespace ens
