#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

TEST_F(MethodsTest, SnapshotCollectsAtCycleEnds) {
  context_.members = 4;
  context_.epochs = 8;
  int64_t size = 0;
  const auto rows = TrainAndEvaluate("snapshot", "lr0=0.1", &size);
  EXPECT_EQ(size, 4);
  ExpectEnsembleHelps(rows);
  // Cycles end every 2 epochs: the rate is near zero at each of those epochs' end.
  for (const auto& e : history_) {
    if (e.epoch % 2 == 0) {
      EXPECT_LT(e.lr, 0.001) << "epoch " << e.epoch;
    } else {
      EXPECT_GT(e.lr, 0.01) << "epoch " << e.epoch;
    }
  }
  EXPECT_EQ(TrainAndEvaluate("snapshot", "keep=2", &size).size(), 2u);
}

TEST_F(MethodsTest, SnapshotBaselines) {
  context_.members = 3;
  context_.epochs = 6;
  int64_t size = 0;
  TrainAndEvaluate("snapshot", "variant=nocycle", &size);
  EXPECT_EQ(size, 3);
  history_.clear();
  TrainAndEvaluate("snapshot", "variant=singlecycle", &size);
  EXPECT_EQ(size, 3);
  ASSERT_EQ(history_.size(), 6u);  // 3 runs of 6 / 3 epochs
  EXPECT_EQ(history_[2].member, 1);
}

TEST_F(MethodsTest, SnapshotBudgetTooSmall) {
  context_.members = 4;
  context_.epochs = 1;
  context_.batch_size = 200;  // 3 iterations: cannot hold 4 cycles
  auto method = *MakeMethod("snapshot", "");
  auto planned = method->PlannedEpochs(context_);
  ASSERT_FALSE(planned.ok());
  EXPECT_THAT(std::string(planned.status().message()), HasSubstr("cannot hold 4 cycles"));
}

}  // namespace
}  // namespace ens
