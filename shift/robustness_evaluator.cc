#include "shift/robustness_evaluator.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/atomic_file.h"
#include "core/npy.h"
#include "core/status_macros.h"
#include "metrics/calibration.h"
#include "metrics/classification.h"
#include "metrics/detection.h"

namespace ens {
namespace {

using Kind = EvaluationSets::Kind;

// Score `name` of a finished UncertaintyScores, higher = more likely OOD.
torch::Tensor OodScore(const UncertaintyScores& s, const std::string& name) {
  if (name == "max_prob") return -s.max_prob();
  if (name == "entropy") return s.entropy();
  if (name == "expected_entropy") return s.expected_entropy();
  if (name == "mutual_information") return s.mutual_information();
  return s.disagreement();
}

nlohmann::json ToJson(const DetectionMetrics& m) {
  return {{"auroc", m.auroc}, {"aupr_out", m.aupr_out}, {"aupr_in", m.aupr_in}, {"fpr95", m.fpr95}};
}

}  // namespace

const std::vector<std::string>& OodScoreNames() {
  static const auto* names = new std::vector<std::string>{"max_prob", "entropy", "expected_entropy",
                                                          "mutual_information", "disagreement"};
  return *names;
}

DetectionMetrics DetectOod(const torch::Tensor& in_domain_scores, const torch::Tensor& ood_scores) {
  const torch::Tensor scores = torch::cat({in_domain_scores, ood_scores}).to(torch::kDouble);
  const torch::Tensor ood = torch::cat({torch::zeros({in_domain_scores.size(0)}, torch::kBool),
                                        torch::ones({ood_scores.size(0)}, torch::kBool)});
  DetectionMetrics m;
  m.auroc = Auroc(scores, ood);
  m.aupr_out = AveragePrecision(scores, ood);
  m.aupr_in = AveragePrecision(-scores, ood.logical_not());
  m.fpr95 = FprAtTpr(scores, ood, 0.95);
  return m;
}

RobustnessEvaluator::RobustnessEvaluator(const EvaluationSets& sets, Combination combination,
                                         std::vector<int64_t> sizes, int64_t cnll_splits, uint64_t seed,
                                         std::string predictions_dir)
    : sets_(sets),
      combination_(std::move(combination)),
      sizes_(std::move(sizes)),
      cnll_splits_(cnll_splits),
      seed_(seed),
      predictions_dir_(std::move(predictions_dir)),
      state_(sets.segments.size()),
      ood_(sets.segments.size()),
      shift_(sets.segments.size()) {}

absl::Status RobustnessEvaluator::AddMember(int64_t member, const torch::Tensor& log_probs) {
  if (member != added_ || log_probs.size(0) != sets_.split.size()) {
    return absl::InternalError(absl::StrCat("robustness: member ", member, " with ", log_probs.size(0),
                                            " rows after ", added_, " members of ", sets_.split.size(), " rows"));
  }
  for (size_t s = 0; s < sets_.segments.size(); ++s) {
    const EvaluationSets::Segment& segment = sets_.segments[s];
    const torch::Tensor rows = log_probs.slice(0, segment.begin, segment.end);
    state_[s].running = combination_.Add(state_[s].running, rows, member);
    if (segment.kind != Kind::kShift) state_[s].scores.AddMember(rows);
    if (segment.kind == Kind::kOod && !predictions_dir_.empty()) {
      const std::string dir = absl::StrCat(predictions_dir_, "/ood/", segment.name);
      ENS_RETURN_IF_ERROR(MakeDirectories(dir));
      ENS_RETURN_IF_ERROR(WriteNpy(absl::StrFormat("%s/member_%03d.npy", dir, member), rows.contiguous()));
    }
  }
  ++added_;
  for (size_t i = 0; i < sizes_.size(); ++i) {
    if (sizes_[i] != added_) continue;
    Measure(added_);
    if (i + 1 == sizes_.size() && !predictions_dir_.empty()) {  // the full ensemble's shifted predictions
      ENS_RETURN_IF_ERROR(MakeDirectories(absl::StrCat(predictions_dir_, "/shift")));
      for (size_t s = 0; s < sets_.segments.size(); ++s) {
        const EvaluationSets::Segment& segment = sets_.segments[s];
        if (segment.kind != Kind::kShift) continue;
        ENS_RETURN_IF_ERROR(WriteNpy(
            absl::StrFormat("%s/shift/%s_%d.npy", predictions_dir_, segment.name, segment.severity),
            combination_.LogProbs(state_[s].running, added_).to(torch::kFloat).contiguous()));
      }
    }
  }
  return absl::OkStatus();
}

void RobustnessEvaluator::Measure(int64_t size) {
  const auto shift_row = [&](const torch::Tensor& lp, const torch::Tensor& labels, double temperature) {
    return ShiftRow{ErrorPercent(lp, labels),
                    Nll(lp, labels),
                    TemperedNll(lp, labels, temperature),
                    CalibratedNll(lp, labels, cnll_splits_, seed_),
                    Brier(lp, labels),
                    Ece(lp, labels, 15)};
  };
  const EvaluationSets::Segment& test = sets_.segments.front();
  const torch::Tensor labels = sets_.split.labels.slice(0, test.begin, test.end);
  const torch::Tensor test_lp = combination_.LogProbs(state_[0].running, size);
  // The temperature a user fits on clean data.
  const double temperature = FitTemperature(test_lp, labels);
  clean_.push_back(shift_row(test_lp, labels, temperature));
  state_[0].scores.Finish(test_lp);
  std::map<std::string, torch::Tensor> in_domain;
  for (const std::string& score : OodScoreNames()) in_domain[score] = OodScore(state_[0].scores, score);
  for (size_t s = 1; s < sets_.segments.size(); ++s) {
    const torch::Tensor lp = combination_.LogProbs(state_[s].running, size);
    if (sets_.segments[s].kind == Kind::kOod) {
      state_[s].scores.Finish(lp);
      for (const std::string& score : OodScoreNames()) {
        ood_[s][static_cast<size_t>(size)][score] = DetectOod(in_domain[score], OodScore(state_[s].scores, score));
      }
    } else {
      shift_[s][static_cast<size_t>(size)] = shift_row(lp, labels, temperature);
    }
  }
}

nlohmann::json RobustnessEvaluator::OodJson() const {
  nlohmann::json sets = nlohmann::json::array();
  for (size_t s = 0; s < sets_.segments.size(); ++s) {
    const EvaluationSets::Segment& segment = sets_.segments[s];
    if (segment.kind != Kind::kOod) continue;
    nlohmann::json by_size = nlohmann::json::array();
    for (const auto& [size, scores] : ood_[s]) {
      nlohmann::json row = {{"size", size}};
      for (const auto& [score, metrics] : scores) row[score] = ToJson(metrics);
      by_size.push_back(row);
    }
    sets.push_back({{"name", segment.name}, {"args", segment.args}, {"images", segment.size()}, {"by_size", by_size}});
  }
  if (sets.empty()) return nullptr;
  return {{"convention",
           "out-of-distribution images are the positive class; every score is higher for inputs more likely "
           "out of distribution (max_prob enters as -max p); auroc and aupr_out rank OOD above the in-domain "
           "test set, aupr_in ranks the in-domain test set above OOD by the negated score, fpr95 is the "
           "fraction of in-domain test images at or above the threshold that keeps 95% of the OOD images"},
          {"scores", OodScoreNames()},
          {"members", "size k: the first k members in the run's own order (--eval_orders averages the test "
                      "table only)"},
          {"in_domain_images", sets_.segments.front().size()},
          {"sets", sets}};
}

nlohmann::json RobustnessEvaluator::ShiftJson() const {
  const auto row_json = [](int64_t size, const ShiftRow& r) {
    return nlohmann::json{{"size", size},   {"error", r.error},           {"nll", r.nll},
                          {"cnll_clean", r.cnll_clean}, {"cnll_cv", r.cnll_cv}, {"brier", r.brier},
                          {"ece", r.ece}};
  };
  nlohmann::json sets = nlohmann::json::array();
  // Means over corruptions: by severity, then size.
  std::map<int, std::map<size_t, std::vector<ShiftRow>>> by_severity;
  for (size_t s = 0; s < sets_.segments.size(); ++s) {
    const EvaluationSets::Segment& segment = sets_.segments[s];
    if (segment.kind != Kind::kShift) continue;
    nlohmann::json by_size = nlohmann::json::array();
    for (const auto& [size, row] : shift_[s]) {
      by_size.push_back(row_json(static_cast<int64_t>(size), row));
      by_severity[segment.severity][size].push_back(row);
    }
    sets.push_back({{"corruption", segment.name}, {"args", segment.args}, {"severity", segment.severity},
                    {"by_size", by_size}});
  }
  if (sets.empty()) return nullptr;
  nlohmann::json means = nlohmann::json::array();
  for (const auto& [severity, sizes] : by_severity) {
    nlohmann::json by_size = nlohmann::json::array();
    for (const auto& [size, rows] : sizes) {
      ShiftRow mean{0, 0, 0, 0, 0, 0};
      for (const ShiftRow& r : rows) {
        mean.error += r.error;
        mean.nll += r.nll;
        mean.cnll_clean += r.cnll_clean;
        mean.cnll_cv += r.cnll_cv;
        mean.brier += r.brier;
        mean.ece += r.ece;
      }
      const double n = static_cast<double>(rows.size());
      by_size.push_back(row_json(static_cast<int64_t>(size), {mean.error / n, mean.nll / n, mean.cnll_clean / n,
                                                              mean.cnll_cv / n, mean.brier / n, mean.ece / n}));
    }
    means.push_back({{"severity", severity}, {"corruptions", sets.size() / by_severity.size()}, {"by_size", by_size}});
  }
  nlohmann::json clean = nlohmann::json::array();
  for (size_t i = 0; i < clean_.size(); ++i) clean.push_back(row_json(sizes_[i], clean_[i]));
  return {{"calibrated_nll",
           "cnll_clean: NLL at the temperature fitted on the clean test set at the same size (so the clean "
           "row's own is in-sample); cnll_cv: "
           "test-time cross-validated on the shifted set itself (random half/half splits)"},
          {"storage", "corrupted images truncated to 8 bits, as the CIFAR-10-C generator stores them"},
          {"clean", clean},
          {"sets", sets},
          {"mean_by_severity", means}};
}

std::string RobustnessEvaluator::Tables() const {
  std::string out;
  if (sizes_.empty() || added_ < sizes_.back()) return out;
  const size_t size = static_cast<size_t>(sizes_.back());
  bool ood_header = false;
  for (size_t s = 0; s < sets_.segments.size(); ++s) {
    if (sets_.segments[s].kind != Kind::kOod) continue;
    if (!ood_header) {
      absl::StrAppend(&out, absl::StrFormat("out of distribution (size %d; AUROC by score):\n%-12s", size, "set"));
      for (const std::string& score : OodScoreNames()) absl::StrAppend(&out, absl::StrFormat(" %18s", score));
      absl::StrAppend(&out, "\n");
      ood_header = true;
    }
    absl::StrAppend(&out, absl::StrFormat("%-12s", sets_.segments[s].name));
    for (const std::string& score : OodScoreNames()) {
      absl::StrAppend(&out, absl::StrFormat(" %18.4f", ood_.at(s).at(size).at(score).auroc));
    }
    absl::StrAppend(&out, "\n");
  }
  const nlohmann::json shift = ShiftJson();
  if (!shift.is_null()) {
    absl::StrAppend(&out, absl::StrFormat("shift (size %d; mean over %d corruptions):\n%-9s %8s %8s %11s %8s %8s\n",
                                          size, shift["mean_by_severity"][0]["corruptions"].get<int64_t>(),
                                          "severity", "error %", "NLL", "cNLL clean", "cNLL cv", "ECE"));
    const ShiftRow& c = clean_.back();
    absl::StrAppend(&out, absl::StrFormat("%-9s %8.2f %8.4f %11.4f %8.4f %8.4f\n", "clean", c.error, c.nll,
                                          c.cnll_clean, c.cnll_cv, c.ece));
    for (const auto& severity : shift["mean_by_severity"]) {
      const auto& r = severity["by_size"].back();
      absl::StrAppend(&out, absl::StrFormat("%-9d %8.2f %8.4f %11.4f %8.4f %8.4f\n", severity["severity"].get<int>(),
                                            r["error"].get<double>(), r["nll"].get<double>(),
                                            r["cnll_clean"].get<double>(), r["cnll_cv"].get<double>(),
                                            r["ece"].get<double>()));
    }
  }
  return out;
}

}  // namespace ens
