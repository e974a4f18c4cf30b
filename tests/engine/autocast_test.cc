#include "core/autocast.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "engine/trainer.h"
#include "schedulers/schedule.h"

namespace ens {
namespace {

TEST(AutocastTest, Bf16InsideTheGuardOnly) {
  const torch::Tensor a = torch::randn({8, 8});
  {
    Bf16AutocastGuard guard(torch::kCPU, true);
    EXPECT_EQ(torch::mm(a, a).scalar_type(), torch::kBFloat16);
  }
  EXPECT_EQ(torch::mm(a, a).scalar_type(), torch::kFloat);
  {
    Bf16AutocastGuard off(torch::kCPU, false);
    EXPECT_EQ(torch::mm(a, a).scalar_type(), torch::kFloat);
  }
}

// bf16 training learns, with float32 weights.
TEST(AutocastTest, TrainerLearnsInBf16) {
  auto data = *MakeDataset("synthetic", "noise=0.35,train=400,test=100,size=12", {0});
  torch::manual_seed(2);
  auto net = *MakeModel("lenet", "width=0.25", ModelSpec{1, 12, data.num_classes}, StandardLayers());
  std::vector<EpochRecord> history;
  TrainerOptions options;
  options.batch_size = 40;
  options.history = &history;
  options.bf16_autocast = true;
  Trainer trainer(net, data, options);
  auto schedule = MakeSchedule("constant", "", ScheduleContext{40, 10, 0.05});
  ASSERT_TRUE(trainer.Run(**schedule, 4, {}, "train").ok());
  ASSERT_EQ(history.size(), 4u);
  EXPECT_TRUE(std::isfinite(history.back().loss));
  EXPECT_LT(history.back().loss, 0.8 * history.front().loss);
  for (const auto& p : net->parameters()) EXPECT_EQ(p.scalar_type(), torch::kFloat);
}

}  // namespace
}  // namespace ens
