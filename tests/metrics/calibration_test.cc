#include "metrics/calibration.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "metrics/classification.h"

namespace ens {
namespace {

TEST(CalibrationTest, TemperatureOneLeavesNllUnchanged) {
  const auto lp = torch::log_softmax(torch::randn({50, 4}, torch::kDouble), 1);
  const auto y = torch::randint(4, {50}, torch::kLong);
  EXPECT_NEAR(TemperedNll(lp, y, 1.0), Nll(lp, y), 1e-12);
}

TEST(CalibrationTest, FitTemperatureRecoversKnownTemperature) {
  // Labels drawn from softmax(z); predictions given as log_softmax(3 z):
  // overconfident by a factor 3, so the NLL-optimal temperature is near 3.
  torch::manual_seed(3);
  const auto z = torch::randn({20000, 5}, torch::kDouble);
  const auto y = torch::multinomial(torch::softmax(z, 1), 1).squeeze(1);
  const auto lp = torch::log_softmax(3 * z, 1);
  const double t = FitTemperature(lp, y);
  EXPECT_NEAR(t, 3.0, 0.15);
  // It is a minimum: nearby temperatures are worse.
  EXPECT_LT(TemperedNll(lp, y, t), TemperedNll(lp, y, t * 1.1));
  EXPECT_LT(TemperedNll(lp, y, t), TemperedNll(lp, y, t / 1.1));
}

TEST(CalibrationTest, CalibratedNllImprovesOverconfidentPredictions) {
  torch::manual_seed(4);
  const auto z = torch::randn({4000, 3}, torch::kDouble);
  const auto y = torch::multinomial(torch::softmax(z, 1), 1).squeeze(1);
  const auto lp = torch::log_softmax(4 * z, 1);
  const double cnll = CalibratedNll(lp, y, 5, 0);
  EXPECT_LT(cnll, Nll(lp, y));
  // Close to the NLL of the true distribution (temperature 4 fixes it exactly).
  EXPECT_NEAR(cnll, TemperedNll(lp, y, 4.0), 0.01);
  // Deterministic by seed.
  EXPECT_DOUBLE_EQ(cnll, CalibratedNll(lp, y, 5, 0));
}

}  // namespace
}  // namespace ens
