// DetectOod on a hand-counted case, and RobustnessEvaluator against the
// metrics recomputed from the members' log-probabilities: each set's rows,
// each size's combination, the clean temperature carried to shifted sets.
#include <cmath>

#include <gtest/gtest.h>
#include <torch/types.h>

#include "metrics/calibration.h"
#include "metrics/classification.h"
#include "metrics/detection.h"
#include "shift/robustness_evaluator.h"

namespace ens {
namespace {

TEST(DetectOodTest, HandCountedCase) {
  const DetectionMetrics m = DetectOod(torch::tensor({0.1, 0.2, 0.3}, torch::kDouble),
                                       torch::tensor({0.25, 0.4}, torch::kDouble));
  EXPECT_NEAR(m.auroc, 5.0 / 6, 1e-12);          // 5 of 6 (OOD, in) pairs ranked right
  EXPECT_NEAR(m.aupr_out, 0.5 + 0.5 * 2 / 3.0, 1e-12);  // precision 1 at recall 1/2, 2/3 at 1
  EXPECT_NEAR(m.aupr_in, 1 / 3.0 + 1 / 3.0 + 0.75 / 3, 1e-12);
  EXPECT_NEAR(m.fpr95, 1 / 3.0, 1e-12);          // keeping both OOD images flags 0.3
}

TEST(RobustnessEvaluatorTest, MetricsRecomputeFromTheMembers) {
  const int64_t test = 300, ood = 200, classes = 4;
  torch::manual_seed(3);
  EvaluationSets sets;
  const torch::Tensor labels = torch::randint(classes, {test}, torch::kLong);
  sets.segments = {{EvaluationSets::Kind::kTest, "test", "", 0, 0, test},
                   {EvaluationSets::Kind::kOod, "noise", "", 0, test, test + ood},
                   {EvaluationSets::Kind::kShift, "blur", "", 3, test + ood, test + ood + test}};
  sets.split.labels = torch::cat({labels, torch::zeros({ood}, torch::kLong), labels});
  std::vector<torch::Tensor> members;
  for (int m = 0; m < 3; ++m) {
    // Confident and mostly right in domain, flat out of it.
    torch::Tensor logits = torch::randn({test + ood + test, classes}, torch::kDouble);
    logits.slice(0, 0, test).scatter_add_(1, labels.view({-1, 1}), torch::full({test, 1}, 3.0, torch::kDouble));
    logits.slice(0, test + ood).scatter_add_(1, labels.view({-1, 1}), torch::full({test, 1}, 1.0, torch::kDouble));
    logits.slice(0, test, test + ood).mul_(0.3);
    members.push_back(torch::log_softmax(logits, 1).to(torch::kFloat));
  }
  RobustnessEvaluator evaluator(sets, Combination::MeanOfProbabilities(), {1, 3}, 2, 0, "");
  for (int m = 0; m < 3; ++m) ASSERT_TRUE(evaluator.AddMember(m, members[m]).ok());
  const nlohmann::json ood_json = evaluator.OodJson(), shift_json = evaluator.ShiftJson();

  // The 3-member ensemble by hand.
  const auto d = [&](int m) { return members[m].to(torch::kDouble); };
  const torch::Tensor mean_p = (d(0).exp() + d(1).exp() + d(2).exp()) / 3;
  const torch::Tensor lp = mean_p.log();
  const auto entropy = [](const torch::Tensor& l) { return -(l.exp() * l).sum(1); };
  const torch::Tensor total = entropy(lp);
  torch::Tensor expected = torch::zeros({mean_p.size(0)}, torch::kDouble);
  for (int m = 0; m < 3; ++m) expected += entropy(d(m)) / 3;
  const torch::Tensor mi = total - expected;
  const auto in = [&](const torch::Tensor& s) { return s.slice(0, 0, test); };
  const auto out = [&](const torch::Tensor& s) { return s.slice(0, test, test + ood); };
  const nlohmann::json& size3 = ood_json["sets"][0]["by_size"][1];
  ASSERT_EQ(size3["size"], 3);
  const torch::Tensor max_prob = std::get<0>(mean_p.max(1));
  EXPECT_NEAR(size3["max_prob"]["auroc"].get<double>(), DetectOod(-in(max_prob), -out(max_prob)).auroc, 1e-9);
  EXPECT_NEAR(size3["mutual_information"]["auroc"].get<double>(), DetectOod(in(mi), out(mi)).auroc, 1e-9);
  EXPECT_NEAR(size3["entropy"]["fpr95"].get<double>(), DetectOod(in(total), out(total)).fpr95, 1e-9);
  EXPECT_GT(size3["entropy"]["auroc"].get<double>(), 0.9);  // flat predictions are told apart
  // A single network's mutual information is 0: no better than chance.
  EXPECT_NEAR(ood_json["sets"][0]["by_size"][0]["mutual_information"]["auroc"].get<double>(), 0.5, 1e-12);

  const torch::Tensor shifted = lp.slice(0, test + ood);
  const nlohmann::json& row = shift_json["sets"][0]["by_size"][1];
  EXPECT_NEAR(row["error"].get<double>(), ErrorPercent(shifted, labels), 1e-9);
  EXPECT_NEAR(row["nll"].get<double>(), Nll(shifted, labels), 1e-6);
  const double clean_t = FitTemperature(lp.slice(0, 0, test), labels);
  EXPECT_NEAR(row["cnll_clean"].get<double>(), TemperedNll(shifted, labels, clean_t), 1e-6);
  EXPECT_NEAR(row["cnll_cv"].get<double>(), CalibratedNll(shifted, labels, 2, 0), 1e-6);
  EXPECT_EQ(shift_json["mean_by_severity"][0]["severity"], 3);
  EXPECT_NEAR(shift_json["mean_by_severity"][0]["by_size"][1]["error"].get<double>(), row["error"].get<double>(),
              1e-12);
}

TEST(RobustnessEvaluatorTest, MembersOutOfOrderAreAnError) {
  EvaluationSets sets;
  sets.segments = {{EvaluationSets::Kind::kTest, "test", "", 0, 0, 4}};
  sets.split.labels = torch::zeros({4}, torch::kLong);
  RobustnessEvaluator evaluator(sets, Combination::MeanOfProbabilities(), {1}, 2, 0, "");
  EXPECT_FALSE(evaluator.AddMember(1, torch::zeros({4, 2})).ok());
  EXPECT_FALSE(evaluator.AddMember(0, torch::zeros({5, 2})).ok());
}

}  // namespace
}  // namespace ens
