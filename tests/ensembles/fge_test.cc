#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

TEST_F(MethodsTest, FgeCollectsAtCycleMidpoints) {
  context_.members = 3;
  context_.epochs = 9;  // 3 pre-training + 3 cycles of 2 epochs
  int64_t size = 0;
  const auto rows = TrainAndEvaluate("fge", "cycle_epochs=2", &size);
  EXPECT_EQ(size, 3);
  ExpectEnsembleHelps(rows);
  int pretrain = 0, fge = 0;
  for (const auto& e : history_) (e.phase == "pretrain" ? pretrain : fge) += 1;
  EXPECT_EQ(pretrain, 3);
  EXPECT_EQ(fge, 6);
  context_.epochs = 6;
  auto method = *MakeMethod("fge", "cycle_epochs=2");
  EXPECT_FALSE(method->PlannedEpochs(context_).ok());  // no pre-training left
}

}  // namespace
}  // namespace ens
