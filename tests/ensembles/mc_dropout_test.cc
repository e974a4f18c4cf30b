#include "core/atomic_file.h"
#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

TEST_F(MethodsTest, McDropoutSamplesDiffer) {
  // Data where one pass stays unsure: on the default data a single pass's
  // NLL is already about 0.04 and averaging passes may not lower it.
  UseNoisierData(1.2);
  context_.members = 8;
  int64_t size = 0;
  const auto rows = TrainAndEvaluate("mc_dropout", "", &size);
  EXPECT_EQ(size, 8);
  ExpectEnsembleHelps(rows);
  ExpectSameAfterSaveAndLoad(rows, "mc_dropout_members");
  model_args_ = "width=48,depth=1,dropout=0";
  auto method = *MakeMethod("mc_dropout", "");
  auto none = method->Train(context_);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(std::string(none.status().message()), HasSubstr("needs a model with dropout > 0"));
}

}  // namespace
}  // namespace ens

namespace ens {
namespace {

// The `single` run with the same seed trains the very network mc_dropout
// trains: taking it with weights_from gives the same metrics, bit for bit.
TEST_F(MethodsTest, McDropoutOnAnEarlierSingleRunsNetwork) {
  context_.members = 5;
  const auto trained = TrainAndEvaluate("mc_dropout", "");
  TrainAndEvaluate("single", "");
  const std::string run = SaveAsRun("single_run");
  auto method = *MakeMethod("mc_dropout", "weights_from=" + run);
  EXPECT_EQ(*method->PlannedEpochs(context_), 0);
  const auto reused = TrainAndEvaluate("mc_dropout", ("weights_from=" + run).c_str());
  ASSERT_EQ(reused.size(), trained.size());
  for (size_t k = 0; k < trained.size(); ++k) EXPECT_EQ(reused[k].nll, trained[k].nll) << "size " << k + 1;

  auto missing = (*MakeMethod("mc_dropout", "weights_from=/nonexistent"))->Train(context_);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("/nonexistent/members/ensemble.json"));
}

}  // namespace
}  // namespace ens
