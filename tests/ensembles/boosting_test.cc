#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

// On its own training data, each boosting member lowers the ensemble's
// cross-entropy (the line search never accepts a step that raises it, and a
// member fitted to the residuals finds a step that lowers it).
TEST_F(MethodsTest, BoostingLowersTheTrainingLossMemberByMember) {
  UseNoisierData(1.2);
  context_.members = 4;
  context_.epochs = 4;
  int64_t size = 0;
  TrainAndEvaluate("boosting", "shrinkage=0.5", &size);
  ASSERT_EQ(size, 4);
  const Combination combination = ensemble_->combination();
  EXPECT_TRUE(combination.has_fixed_order());
  const std::vector<double> weights = combination.weights();
  ASSERT_EQ(weights.size(), 4u);
  EXPECT_EQ(weights[0], 1.0);
  for (size_t m = 1; m < weights.size(); ++m) EXPECT_GT(weights[m], 0.0) << "member " << m + 1;
  const auto train_rows = Evaluate(*ensemble_, data_.train);
  ASSERT_EQ(train_rows.size(), 4u);
  std::printf("boosting training NLL by size:");
  for (const auto& row : train_rows) std::printf(" %.4f", row.nll);
  std::printf("; test NLL at size 1: %.4f\n", Evaluate(*ensemble_, data_.test).front().nll);
  for (size_t k = 1; k < train_rows.size(); ++k) {
    EXPECT_LT(train_rows[k].nll, train_rows[k - 1].nll) << "size " << k + 1;
  }
}

// The evaluator combines weighted members as softmax(sum_i w_i log p_i).
TEST_F(MethodsTest, EvaluatorHonoursWeightedLogits) {
  std::vector<StateDict> members;
  for (int seed = 0; seed < 2; ++seed) members.push_back(CaptureState(**context_.NewModel(seed)));
  const StoredEnsemble weighted(members, {1.0, 2.5});
  auto net = *context_.make_model(StandardLayers());
  const BatchMaker batches(data_, torch::kCPU);
  std::vector<torch::Tensor> log_probs;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(weighted.PrepareMember(i, *net).ok());
    log_probs.push_back(PredictLogProbs(*net, data_.test, batches, 100).to(torch::kDouble));
  }
  const torch::Tensor expected = torch::log_softmax(log_probs[0] + 2.5 * log_probs[1], 1);
  const auto rows = Evaluate(weighted, data_.test);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NEAR(rows[1].nll, Nll(expected, data_.test.labels), 1e-6);
  EXPECT_NEAR(rows[1].error, ErrorPercent(expected, data_.test.labels), 1e-9);
}

}  // namespace
}  // namespace ens
