// The Trainer's batch hook (a method reshapes each batch and says how its
// accuracy is counted) and its divergence mark, on real training.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>

#include "engine/ensemble.h"
#include "engine/trainer.h"
#include "tests/engine/synthetic_training.h"

namespace ens {
namespace {

// Every batch twice over (inputs tiled, targets repeated), as BatchEnsemble
// tiles its batch for M members; its correct count halved back.
class TileTwice : public BatchHook {
 public:
  void Reshape(TrainingBatch& batch, int64_t iteration) const override {
    batch.inputs = torch::cat({batch.inputs, batch.inputs});
    batch.targets = torch::cat({batch.targets, batch.targets});
    batch.index = torch::cat({batch.index, batch.index});
    last_iteration = iteration;
  }
  torch::Tensor Correct(const torch::Tensor& logits, const TrainingBatch& batch) const override {
    return logits.argmax(1).eq(batch.targets).sum().to(torch::kDouble) / 2;
  }
  mutable int64_t last_iteration = 0;
};

std::vector<EpochRecord> Train(const Dataset& data, const std::shared_ptr<Network>& net,
                               std::shared_ptr<const BatchHook> hook) {
  std::vector<EpochRecord> history;
  TrainerOptions options;
  options.batch_size = 50;
  options.history = &history;
  options.batch_hook = std::move(hook);
  Trainer trainer(net, data, options);
  auto schedule = MakeSchedule("constant", "", ScheduleContext{24, 8, 0.1});
  EXPECT_TRUE(trainer.Run(**schedule, 3, {}, "train").ok());
  return history;
}

TEST(BatchHookTest, ATiledBatchTrainsAsThePlainOne) {
  const Dataset data = Data();
  auto plain = Mlp(data, 4);
  auto tiled = Mlp(data, 4);
  const auto plain_history = Train(data, plain, nullptr);
  auto hook = std::make_shared<TileTwice>();
  const auto tiled_history = Train(data, tiled, hook);
  EXPECT_EQ(hook->last_iteration, 24);  // 3 epochs of 8 batches
  // The mean loss over a batch seen twice is the batch's mean loss: the same
  // gradients, the same weights (up to float summation order).
  const StateDict a = CaptureState(*plain), b = CaptureState(*tiled);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(a[i].second.allclose(b[i].second, 1e-4, 1e-5)) << a[i].first;
  }
  ASSERT_EQ(plain_history.size(), 3u);
  ASSERT_EQ(tiled_history.size(), 3u);
  for (size_t e = 0; e < 3; ++e) {
    EXPECT_NEAR(tiled_history[e].loss, plain_history[e].loss, 1e-5) << "epoch " << e + 1;
    // The hook's count: each example once, not twice.
    EXPECT_NEAR(tiled_history[e].accuracy, plain_history[e].accuracy, 0.51) << "epoch " << e + 1;
    EXPECT_LE(tiled_history[e].accuracy, 100.0);
  }
  EXPECT_GT(plain_history.back().accuracy, 40.0);  // it learned (chance: 25%)
  // Training FLOPs: the forward pass's multiply-adds (2 FLOPs each) per
  // example, x 3 for the backward pass, x the 400 examples of an epoch; the
  // tiled batch runs every example twice.
  const double inputs = data.channels() * data.image_size() * data.image_size();
  const double forward = 2 * (inputs * 32 + 32 * data.num_classes);
  for (size_t e = 0; e < 3; ++e) {
    EXPECT_EQ(plain_history[e].train_flops, 3 * forward * 400) << "epoch " << e + 1;
    EXPECT_EQ(tiled_history[e].train_flops, 2 * plain_history[e].train_flops) << "epoch " << e + 1;
  }
}

// A hook's count is what the epoch reports.
class CountsNothing : public BatchHook {
 public:
  torch::Tensor Correct(const torch::Tensor& logits, const TrainingBatch&) const override {
    return torch::zeros({}, logits.options());
  }
};

TEST(BatchHookTest, TheHookCountsTheAccuracy) {
  const Dataset data = Data();
  const auto history = Train(data, Mlp(data, 4), std::make_shared<CountsNothing>());
  ASSERT_EQ(history.size(), 3u);
  for (const auto& record : history) EXPECT_EQ(record.accuracy, 0.0);
}

TEST(DivergenceTest, IsAMarkNotAMessage) {
  EXPECT_TRUE(IsDivergence(DivergenceError("anything at all")));
  EXPECT_FALSE(IsDivergence(absl::InternalError("training diverged: member 1/1")));
  EXPECT_FALSE(IsDivergence(absl::OkStatus()));
}

}  // namespace
}  // namespace ens
