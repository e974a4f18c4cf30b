#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

TEST_F(MethodsTest, McDropoutSamplesDiffer) {
  context_.members = 8;
  int64_t size = 0;
  const auto rows = TrainAndEvaluate("mc_dropout", "", &size);
  EXPECT_EQ(size, 8);
  ExpectEnsembleHelps(rows);
  model_args_ = "width=48,depth=1,dropout=0";
  auto method = *MakeMethod("mc_dropout", "");
  auto none = method->Train(context_);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(std::string(none.status().message()), HasSubstr("needs a model with dropout > 0"));
}

}  // namespace
}  // namespace ens
