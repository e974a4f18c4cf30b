// The metrics of an ensemble on the out-of-distribution and shifted sets,
// from its members' predictions over EvaluationSets' rows, streamed member
// by member (one running combination per set; per-member entropies and
// votes for the OOD scores), at each requested ensemble size.
//
// Out of distribution (OOD is the positive class; a score is higher for
// inputs more likely OOD): scores max_prob (as -max p), entropy H[p],
// expected_entropy E_m H[p_m], mutual_information (their difference) and
// disagreement (members whose vote differs from the ensemble's); metrics
// AUROC, AUPR-out (OOD positive), AUPR-in (in-domain positive, score
// negated) and FPR95 (the fraction of in-domain test images at or above the
// threshold that keeps 95 % of the OOD images).
//
// Shift, per (corruption, severity, size): error, NLL, Brier, ECE, and two
// calibrated NLLs: cnll_clean, at the temperature fitted on the clean test
// set at that size (what a user who calibrated in-domain gets), and cnll_cv,
// test-time cross-validated on the shifted set itself (the Pitfalls
// protocol). Plus the mean over corruptions per severity.
//
//   RobustnessEvaluator robustness(sets, combination, sizes, cnll_splits, seed, predictions_dir);
//   for (int64_t m = 0; m < members; ++m) ENS_RETURN_IF_ERROR(robustness.AddMember(m, log_probs_on_all_rows));
//   results["ood"] = robustness.OodJson();
#ifndef ENSEMBLES_SHIFT_ROBUSTNESS_EVALUATOR_H_
#define ENSEMBLES_SHIFT_ROBUSTNESS_EVALUATOR_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "absl/status/status.h"
#include "engine/combination.h"
#include "metrics/uncertainty.h"
#include "shift/evaluation_sets.h"

namespace ens {

// The OOD scores, in the order results.json and the tables list them.
const std::vector<std::string>& OodScoreNames();

struct DetectionMetrics {
  double auroc = 0, aupr_out = 0, aupr_in = 0, fpr95 = 0;
};

// The four detection metrics of in-domain scores against OOD scores (higher:
// more likely OOD).
DetectionMetrics DetectOod(const torch::Tensor& in_domain_scores, const torch::Tensor& ood_scores);

class RobustnessEvaluator {
 public:
  // `sizes` ascending; predictions_dir (optional) receives
  // ood/<name>/member_XXX.npy and shift/<corruption>_<severity>.npy.
  RobustnessEvaluator(const EvaluationSets& sets, Combination combination, std::vector<int64_t> sizes,
                      int64_t cnll_splits, uint64_t seed, std::string predictions_dir);

  // Member `member`'s log-probabilities [rows, C] on every row of sets.split;
  // members come in order 0, 1, ...
  absl::Status AddMember(int64_t member, const torch::Tensor& log_probs);

  nlohmann::json OodJson() const;    // null without OOD sets
  nlohmann::json ShiftJson() const;  // null without shifted sets
  // The largest size's OOD AUROCs and shift means per severity, for the terminal.
  std::string Tables() const;

 private:
  struct SetState {
    torch::Tensor running;      // the combination's accumulator
    UncertaintyScores scores;   // test and OOD sets
  };
  struct ShiftRow {
    double error, nll, cnll_clean, cnll_cv, brier, ece;
  };
  void Measure(int64_t size);

  const EvaluationSets& sets_;
  Combination combination_;
  std::vector<int64_t> sizes_;
  int64_t cnll_splits_;
  uint64_t seed_;
  std::string predictions_dir_;
  std::vector<SetState> state_;  // by segment
  int64_t added_ = 0;
  // Results by size: per OOD segment, per score; per shift segment.
  std::vector<std::map<size_t, std::map<std::string, DetectionMetrics>>> ood_;
  std::vector<std::map<size_t, ShiftRow>> shift_;
  std::vector<ShiftRow> clean_;  // the test set's, by size
};

}  // namespace ens

#endif  // ENSEMBLES_SHIFT_ROBUSTNESS_EVALUATOR_H_
