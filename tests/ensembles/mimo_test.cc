#include "ensembles/mimo.h"

#include <set>
#include <vector>

#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

// b repetitions, M shuffles: every member sees each row of the batch b times,
// the last rho x b x n rows in the same order for all, the targets follow
// their images, and the draw depends on the iteration only.
TEST(Mimo, BatchesAreShuffledRepeatedAndStacked) {
  const int64_t n = 5, members = 3, repetitions = 2;
  auto hook = MakeMimoBatches(members, /*rho=*/0.4, repetitions, /*seed=*/9);
  TrainingBatch batch;
  batch.inputs = torch::arange(n, torch::kFloat).view({n, 1, 1, 1}).expand({n, 1, 2, 2}).contiguous();
  batch.targets = torch::arange(n, torch::kLong) + 100;
  TrainingBatch first = batch;
  hook->Reshape(first, 7);
  ASSERT_EQ(first.inputs.sizes(), torch::IntArrayRef({repetitions * n, members, 2, 2}));
  ASSERT_EQ(first.targets.size(0), members * repetitions * n);
  const int64_t shared = repetitions * n - static_cast<int64_t>(repetitions * n * (1 - 0.4));
  for (int64_t m = 0; m < members; ++m) {
    const torch::Tensor rows = first.inputs.select(1, m).select(1, 0).select(1, 0).to(torch::kLong);  // [b * n]
    EXPECT_TRUE(torch::equal(std::get<0>(rows.sort()), std::get<0>(torch::arange(n, torch::kLong).repeat({repetitions}).sort())))
        << "member " << m;
    EXPECT_TRUE(torch::equal(first.targets.slice(0, m * repetitions * n, (m + 1) * repetitions * n), rows + 100));
    const torch::Tensor member0 = first.inputs.select(1, 0).select(1, 0).select(1, 0);
    EXPECT_TRUE(torch::equal(rows.slice(0, repetitions * n - shared), member0.slice(0, repetitions * n - shared).to(torch::kLong)));
  }
  EXPECT_FALSE(torch::equal(first.inputs.select(1, 0), first.inputs.select(1, 1)));
  TrainingBatch again = batch, later = batch;
  hook->Reshape(again, 7);
  hook->Reshape(later, 8);
  EXPECT_TRUE(torch::equal(again.inputs, first.inputs));
  EXPECT_FALSE(torch::equal(later.inputs, first.inputs));
}

// One member, no repetition: MIMO trains the plain network as `single` does
// (the same initialisation and data order; a batch's rows in another order,
// so equal up to rounding).
TEST_F(MethodsTest, MimoOfOneMemberIsSingle) {
  model_args_ = "width=48,depth=1,dropout=0";
  const auto single = TrainAndEvaluate("single", "");
  context_.members = 1;
  const auto mimo = TrainAndEvaluate("mimo", "batch_repetitions=1");
  ASSERT_EQ(single.size(), 1u);
  ASSERT_EQ(mimo.size(), 1u);
  EXPECT_NEAR(mimo[0].nll, single[0].nll, 1e-4 * single[0].nll);
  EXPECT_NEAR(mimo[0].error, single[0].error, 0.51);
}

TEST_F(MethodsTest, MimoTrainsEvaluatesSavesAndLoads) {
  int64_t size = 0;
  const auto rows = TrainAndEvaluate("mimo", "batch_repetitions=2", &size);
  EXPECT_EQ(size, 3);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_LT(rows.front().error, 50.0);
  EXPECT_EQ(history_.size(), 6u);
  EXPECT_LE(history_.back().accuracy, 100.0);

  ExpectSameAfterSaveAndLoad(rows, "mimo");
}

}  // namespace
}  // namespace ens
