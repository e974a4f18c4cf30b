#include "engine/evaluator.h"

#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <utility>

#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/npy.h"
#include "core/status_macros.h"
#include "metrics/calibration.h"
#include "metrics/classification.h"
#include "metrics/dee.h"

namespace ens {

SizeMetrics ComputeMetrics(const torch::Tensor& log_probs, const torch::Tensor& labels, int64_t size,
                           const EvalOptions& options) {
  SizeMetrics m;
  m.size = size;
  m.error = ErrorPercent(log_probs, labels);
  m.nll = Nll(log_probs, labels);
  m.cnll = CalibratedNll(log_probs, labels, options.cnll_splits, options.seed);
  m.brier = Brier(log_probs, labels);
  m.ece = Ece(log_probs, labels, 15);
  m.auroc = MisclassificationAuroc(log_probs, labels);
  if (!options.dee_reference.empty()) m.dee = DeepEnsembleEquivalent(options.dee_reference, m.cnll);
  return m;
}

int64_t MembersToPredict(const EvalOptions& options, int64_t ensemble_size) {
  if (options.sizes.empty()) return 0;
  return options.orders > 1 ? ensemble_size : options.sizes.back();
}

std::vector<int64_t> MemberOrder(int64_t members, int64_t order, uint64_t seed) {
  std::vector<int64_t> permutation(members);
  std::iota(permutation.begin(), permutation.end(), int64_t{0});
  if (order == 0) return permutation;
  // Fisher-Yates on mt19937_64 (whose output the standard fixes; std::shuffle's
  // use of it is the library's own), on a stream apart from the members' seeds.
  constexpr uint64_t kOrderStream = 0x6f72646572;  // "order"
  std::mt19937_64 draw(DeriveSeed(DeriveSeed(seed, kOrderStream), static_cast<uint64_t>(order)));
  for (int64_t i = members - 1; i > 0; --i) {
    std::swap(permutation[i], permutation[draw() % static_cast<uint64_t>(i + 1)]);
  }
  return permutation;
}

namespace {

using MemberPredictions = std::function<absl::StatusOr<torch::Tensor>(int64_t member)>;

// The metrics at each requested size of the ensemble whose members come in
// `order` (the first k of it make size k).
absl::StatusOr<std::vector<SizeMetrics>> CurveInOrder(const MemberPredictions& member,
                                                      const std::vector<int64_t>& order,
                                                      const Combination& combination, const torch::Tensor& labels,
                                                      const EvalOptions& options, ProgressReporter* progress) {
  std::vector<SizeMetrics> rows;
  torch::Tensor running;  // the combination's accumulator, float64
  size_t next = 0;
  for (int64_t i = 0; i < options.sizes.back(); ++i) {
    ENS_ASSIGN_OR_RETURN(const torch::Tensor log_probs, member(order[i]));
    running = combination.Add(running, log_probs, order[i]);
    if (i + 1 == options.sizes[next]) {
      rows.push_back(ComputeMetrics(combination.LogProbs(running, i + 1), labels, i + 1, options));
      ++next;
      if (progress) {
        progress->Message(absl::StrFormat("evaluated size %d: error %.2f%%, NLL %.4f", i + 1, rows.back().error,
                                          rows.back().nll));
      }
    }
  }
  return rows;
}

// The mean of each metric over the orders' rows of one size (AUROC over the
// orders where it is defined); DEE from the mean calibrated NLL.
SizeMetrics MeanOverOrders(const std::vector<SizeMetrics>& rows, const EvalOptions& options) {
  SizeMetrics mean;
  mean.size = rows[0].size;
  int64_t aurocs = 0;
  for (const SizeMetrics& row : rows) {
    mean.error += row.error;
    mean.nll += row.nll;
    mean.cnll += row.cnll;
    mean.brier += row.brier;
    mean.ece += row.ece;
    if (!std::isnan(row.auroc)) {
      mean.auroc += row.auroc;
      ++aurocs;
    }
  }
  const double n = static_cast<double>(rows.size());
  mean.error /= n;
  mean.nll /= n;
  mean.cnll /= n;
  mean.brier /= n;
  mean.ece /= n;
  mean.auroc = aurocs > 0 ? mean.auroc / static_cast<double>(aurocs) : std::nan("");
  if (!options.dee_reference.empty()) mean.dee = DeepEnsembleEquivalent(options.dee_reference, mean.cnll);
  return mean;
}

}  // namespace

absl::StatusOr<std::vector<SizeMetrics>> EvaluateEnsemble(const Ensemble& ensemble, MemberContext& context,
                                                          const EvalOptions& options, ProgressReporter* progress) {
  for (size_t i = 0; i < options.sizes.size(); ++i) {
    const int64_t k = options.sizes[i];
    if (k < 1 || k > ensemble.size() || (i > 0 && k <= options.sizes[i - 1])) {
      return absl::InvalidArgumentError(absl::StrCat("--eval_sizes: ", k, " is not an ascending size in [1, ",
                                                     ensemble.size(), "]"));
    }
  }
  if (options.orders < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--eval_orders=", options.orders, " must be >= 1"));
  }
  const Combination combination = ensemble.combination();
  ENS_RETURN_IF_ERROR(combination.CheckFits(ensemble.size()));
  if (combination.has_fixed_order() && options.orders > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--eval_orders=", options.orders, ": this ensemble adds its members' weighted logits in the order they "
        "were fitted, so it has one order"));
  }
  torch::Tensor labels = context.split().labels.cpu();
  if (options.scored_rows > 0) labels = labels.slice(0, 0, options.scored_rows);
  if (!options.predictions_dir.empty()) {
    ENS_RETURN_IF_ERROR(WriteNpy(absl::StrCat(options.predictions_dir, "/labels.npy"), labels));
  }
  if (options.sizes.empty()) return std::vector<SizeMetrics>();
  // Member i's log-probabilities [N, C] (float, CPU), computed here or given
  // by options.member_log_probs, and written to predictions_dir.
  const MemberPredictions predict = [&](int64_t i) -> absl::StatusOr<torch::Tensor> {
    const auto begin = std::chrono::steady_clock::now();
    torch::Tensor log_probs;
    if (options.member_log_probs) {
      ENS_ASSIGN_OR_RETURN(log_probs, options.member_log_probs(i));
    }
    if (!log_probs.defined()) {
      ENS_ASSIGN_OR_RETURN(log_probs, ensemble.MemberLogProbs(i, context));
    }
    if (options.prediction_cost) {
      options.prediction_cost->seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
      ++options.prediction_cost->members;
    }
    if (options.on_member) ENS_RETURN_IF_ERROR(options.on_member(i, log_probs));
    if (options.scored_rows > 0) log_probs = log_probs.slice(0, 0, options.scored_rows).clone();
    if (!options.predictions_dir.empty()) {
      ENS_RETURN_IF_ERROR(WriteNpy(absl::StrFormat("%s/member_%03d.npy", options.predictions_dir, i), log_probs));
    }
    return log_probs;
  };
  const int64_t predicted = MembersToPredict(options, ensemble.size());
  if (options.orders == 1) {  // streamed: one member's predictions at a time
    return CurveInOrder(predict, MemberOrder(predicted, 0, options.seed), combination, labels, options, progress);
  }
  std::vector<torch::Tensor> all;
  for (int64_t i = 0; i < predicted; ++i) {
    ENS_ASSIGN_OR_RETURN(torch::Tensor log_probs, predict(i));
    all.push_back(std::move(log_probs));
  }
  const MemberPredictions stored = [&all](int64_t i) -> absl::StatusOr<torch::Tensor> { return all[i]; };
  std::vector<std::vector<SizeMetrics>> by_size(options.sizes.size());
  for (int64_t order = 0; order < options.orders; ++order) {
    ENS_ASSIGN_OR_RETURN(const std::vector<SizeMetrics> curve,
                         CurveInOrder(stored, MemberOrder(predicted, order, options.seed), combination, labels, options,
                                      /*progress=*/nullptr));
    for (size_t s = 0; s < curve.size(); ++s) by_size[s].push_back(curve[s]);
  }
  std::vector<SizeMetrics> rows;
  for (const auto& size_rows : by_size) {
    rows.push_back(MeanOverOrders(size_rows, options));
    if (progress) {
      progress->Message(absl::StrFormat("evaluated size %d over %d orders: error %.2f%%, NLL %.4f", rows.back().size,
                                        options.orders, rows.back().error, rows.back().nll));
    }
  }
  return rows;
}

}  // namespace ens
