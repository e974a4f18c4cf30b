// Each schedule value by value against the formulas of PAPERS.md, written
// out again here independently, budgets not divisible by the cycles included.
#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "schedulers/schedule.h"

namespace ens {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::unique_ptr<Schedule> Make(const char* name, const char* args, int64_t total, int64_t per_epoch, double lr) {
  auto schedule = MakeSchedule(name, args, ScheduleContext{total, per_epoch, lr});
  EXPECT_TRUE(schedule.ok()) << schedule.status();
  return schedule.ok() ? *std::move(schedule) : nullptr;
}

TEST(SchedulesTest, Constant) {
  auto s = Make("constant", "", 10, 5, 0.3);
  for (int t = 1; t <= 10; ++t) EXPECT_DOUBLE_EQ(s->LearningRate(t), 0.3);
  EXPECT_DOUBLE_EQ(Make("constant", "lr=0.01", 10, 5, 0.3)->LearningRate(4), 0.01);
}

TEST(SchedulesTest, StepDecaysAtMilestoneEpochs) {
  // 8 epochs of 3 iterations, milestones at epochs 4 and 6 (0-based).
  auto s = Make("step", "", 24, 3, 0.1);
  for (int t = 1; t <= 24; ++t) {
    const int epoch = (t - 1) / 3;
    const double expected = epoch >= 6 ? 0.001 : epoch >= 4 ? 0.01 : 0.1;
    EXPECT_NEAR(s->LearningRate(t), expected, 1e-15) << t;
  }
  auto custom = Make("step", "lr0=1,milestones=0.25,gamma=0.5", 8, 1, 0.1);
  EXPECT_DOUBLE_EQ(custom->LearningRate(2), 1.0);
  EXPECT_DOUBLE_EQ(custom->LearningRate(3), 0.5);
}

TEST(SchedulesTest, Cosine) {
  auto s = Make("cosine", "lr_min=0.001", 50, 10, 0.2);
  for (int t = 1; t <= 50; ++t) {
    EXPECT_NEAR(s->LearningRate(t), 0.001 + (0.2 - 0.001) / 2 * (1 + std::cos(kPi * (t - 1) / 50.0)), 1e-14);
  }
  EXPECT_DOUBLE_EQ(s->LearningRate(1), 0.2);
}

TEST(SchedulesTest, CyclicCosineMatchesSnapshotFormula) {
  // T = 103, M = 5: ceil(T/M) = 21, the last cycle is shorter (19 iterations).
  const int64_t T = 103, M = 5, L = 21;
  auto s = Make("cyclic_cosine", "cycles=5,lr0=0.2", T, 10, 0.1);
  for (int64_t t = 1; t <= T; ++t) {
    const double expected = 0.2 / 2 * (std::cos(kPi * ((t - 1) % L) / L) + 1);
    EXPECT_NEAR(s->LearningRate(t), expected, 1e-14) << t;
  }
  // Restarts at the first iteration of each cycle.
  for (int64_t cycle = 0; cycle < M; ++cycle) EXPECT_DOUBLE_EQ(s->LearningRate(cycle * L + 1), 0.2);
  EXPECT_LT(s->LearningRate(L), 0.002);
}

TEST(SchedulesTest, CyclicCosineRejectsMoreCyclesThanIterations) {
  auto s = MakeSchedule("cyclic_cosine", "cycles=11", ScheduleContext{10, 10, 0.1});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), ::testing::HasSubstr("cycles=11 exceeds the 10 iterations"));
}

TEST(SchedulesTest, TriangularMatchesFgeFormula) {
  const double a1 = 0.05, a2 = 0.0005;
  for (int64_t c : {4, 7}) {  // even and odd cycles
    auto s = Make("triangular", ("cycle_iters=" + std::to_string(c)).c_str(), 3 * c + 2, 10, 0.1);
    for (int64_t i = 1; i <= 3 * c + 2; ++i) {
      const double t = static_cast<double>((i - 1) % c + 1) / c;
      const double expected = t <= 0.5 ? (1 - 2 * t) * a1 + 2 * t * a2 : (2 - 2 * t) * a2 + (2 * t - 1) * a1;
      EXPECT_NEAR(s->LearningRate(i), expected, 1e-15) << "c=" << c << " i=" << i;
    }
  }
  auto even = Make("triangular", "cycle_iters=4", 8, 4, 0.1);
  EXPECT_DOUBLE_EQ(even->LearningRate(2), a2);  // t = 1/2
  EXPECT_DOUBLE_EQ(even->LearningRate(4), a1);  // t = 1
  // cycle_epochs converts with the epoch length.
  auto by_epochs = Make("triangular", "cycle_epochs=2", 40, 5, 0.1);
  EXPECT_DOUBLE_EQ(by_epochs->LearningRate(5), a2);
  EXPECT_FALSE(MakeSchedule("triangular", "lr1=0.001,lr2=0.01", ScheduleContext{10, 5, 0.1}).ok());
}

TEST(SchedulesTest, SwaShapePerEpoch) {
  // 20 epochs of 2 iterations, lr_init 0.1, swa_lr 0.01: t = epoch / 20.
  auto s = Make("swa", "swa_lr=0.01", 40, 2, 0.1);
  for (int64_t i = 1; i <= 40; ++i) {
    const double t = ((i - 1) / 2) / 20.0;
    const double factor = t <= 0.5 ? 1.0 : t <= 0.9 ? 1.0 - (1.0 - 0.1) * (t - 0.5) / 0.4 : 0.1;
    EXPECT_NEAR(s->LearningRate(i), 0.1 * factor, 1e-15) << i;
  }
  // Default swa_lr is 1% of lr_init; horizon shortens the decay.
  EXPECT_NEAR(Make("swa", "", 40, 2, 0.1)->LearningRate(40), 0.001, 1e-15);
  EXPECT_NEAR(Make("swa", "horizon=0.5,swa_lr=0.02", 40, 2, 0.1)->LearningRate(21), 0.02, 1e-15);
}

TEST(SchedulesTest, UnknownScheduleAndBadArgs) {
  auto unknown = MakeSchedule("cosin", "", ScheduleContext{10, 5, 0.1});
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), ::testing::HasSubstr("did you mean 'cosine'?"));
  auto bad = MakeSchedule("step", "gamma=2", ScheduleContext{10, 5, 0.1});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), ::testing::HasSubstr("schedule 'step': parameter 'gamma'='2'"));
  EXPECT_FALSE(MakeSchedule("constant", "", ScheduleContext{0, 5, 0.1}).ok());
}

}  // namespace
}  // namespace ens
