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
  EXPECT_EQ(ensemble_->LayerKind(), "variational");

  const std::string dir = ::testing::TempDir() + "/vi_members";
  ASSERT_TRUE(MakeDirectories(dir).ok());
  ASSERT_TRUE(ensemble_->Save(dir).ok());
  auto loaded = LoadEnsemble(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const auto again = Evaluate(**loaded, data_.test);
  ASSERT_EQ(again.size(), rows.size());
  EXPECT_DOUBLE_EQ(again.back().nll, rows.back().nll);
}

}  // namespace
}  // namespace ens
