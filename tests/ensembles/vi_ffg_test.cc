#include "core/atomic_file.h"
#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

TEST_F(MethodsTest, VariationalInferenceSamplesHelpAndReload) {
  UseNoisierData(1.2);
  context_.members = 10;
  context_.epochs = 8;
  model_args_ = "width=48,depth=1,dropout=0";
  int64_t size = 0;
  const auto rows = TrainAndEvaluate("vi_ffg", "prior_variance=1,kl_warmup=0.25", &size);
  EXPECT_EQ(size, 10);
  ExpectEnsembleHelps(rows);
  EXPECT_EQ(LayoutOf(*ensemble_).layer_kind, "variational");

  ExpectSameAfterSaveAndLoad(rows, "vi_members");
}

}  // namespace
}  // namespace ens
