// The one evaluator: asks the ensemble for its members' predictions one at a
// time, combines them as the ensemble says (Combination: one running [N, C]
// accumulator) and records every metric at each requested ensemble size — a
// 100-sample curve costs one pass per member and holds one accumulator,
// never 100 copies.
//
//   MemberContext context(data.test, batches, 1000, NetworksOf(make_model, device), recompute_batchnorm);
//   EvalOptions options;
//   options.sizes = {1, 2, 5};
//   ENS_ASSIGN_OR_RETURN(auto rows, EvaluateEnsemble(ensemble, context, options));
#ifndef ENSEMBLES_ENGINE_EVALUATOR_H_
#define ENSEMBLES_ENGINE_EVALUATOR_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "absl/status/statusor.h"
#include "engine/ensemble.h"
#include "engine/member_context.h"
#include "engine/progress.h"

namespace ens {

// The members' predictions' wall-clock seconds (not their writing to
// predictions_dir) and how many members were predicted.
struct PredictionCost {
  double seconds = 0;
  int64_t members = 0;
};

struct EvalOptions {
  std::vector<int64_t> sizes;   // ensemble sizes to report, ascending, each <= size()
  int64_t cnll_splits = 5;      // random half/half splits for the calibrated NLL
  uint64_t seed = 0;            // of those splits and of the member orders
  // Orders of the members each size's metrics are averaged over (Pitfalls:
  // a deep ensemble's curve over several random orders): the first is the
  // members' own, the others random permutations of all members (so every
  // member is predicted, and all predictions are held at once). 1: the
  // members' own order, streamed. Only for members that are exchangeable
  // (independently trained or i.i.d. draws), never for a combination with a
  // fixed order (weighted logits).
  int64_t orders = 1;
  std::string predictions_dir;  // if set: member_XXX.npy and labels.npy written here
  // Deep-ensemble reference (size, calibrated NLL) for DEE; empty: no DEE.
  std::vector<std::pair<double, double>> dee_reference;
  // Member i's log-probabilities when another process computes them (the
  // driver's ranks); an undefined tensor: computed here. Empty: all here.
  std::function<absl::StatusOr<torch::Tensor>(int64_t member)> member_log_probs;
  // If set: the prediction cost is added here.
  PredictionCost* prediction_cost = nullptr;
  // Rows of the split past the first `scored_rows` (0: none) are other sets
  // riding along in the members' one pass (out-of-distribution, shifted:
  // shift/evaluation_sets.h): the metrics and predictions_dir cover the
  // first rows; `on_member` (optional) receives each member's
  // log-probabilities on every row, members in order 0, 1, ...
  int64_t scored_rows = 0;
  std::function<absl::Status(int64_t member, const torch::Tensor& log_probs)> on_member;
};

struct SizeMetrics {
  int64_t size = 0;
  double error = 0;  // percent
  double nll = 0;
  double cnll = 0;
  double brier = 0;
  double ece = 0;
  double auroc = 0;  // NaN when undefined
  std::optional<double> dee;
};

// How many members EvaluateEnsemble predicts: up to the largest size, or all
// of them when it averages over orders.
int64_t MembersToPredict(const EvalOptions& options, int64_t ensemble_size);

// Member order `order` of `members`: the identity for order 0, else a
// permutation drawn from (seed, order), the same on every platform.
std::vector<int64_t> MemberOrder(int64_t members, int64_t order, uint64_t seed);

// All metrics of one set of ensemble log-probabilities.
SizeMetrics ComputeMetrics(const torch::Tensor& log_probs, const torch::Tensor& labels, int64_t size,
                           const EvalOptions& options);

// The metrics of `ensemble` at each of options.sizes on context.split().
absl::StatusOr<std::vector<SizeMetrics>> EvaluateEnsemble(const Ensemble& ensemble, MemberContext& context,
                                                          const EvalOptions& options,
                                                          ProgressReporter* progress = nullptr);

}  // namespace ens

#endif  // ENSEMBLES_ENGINE_EVALUATOR_H_
