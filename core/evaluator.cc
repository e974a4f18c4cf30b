#include "core/evaluator.h"

#include <cmath>

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/npy.h"
#include "core/status_macros.h"
#include "metrics/calibration.h"
#include "metrics/classification.h"
#include "metrics/dee.h"

namespace ens {

torch::Tensor PredictLogProbs(Network& net, const Split& split, const BatchMaker& batches, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  const int64_t n = split.size();
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    const int64_t end = std::min(begin + batch_size, n);
    const torch::Tensor logits = net.forward(batches.Normalize(split.images.slice(0, begin, end)));
    parts.push_back(torch::log_softmax(logits.to(torch::kFloat), 1).cpu());
  }
  return torch::cat(parts, 0);
}

absl::StatusOr<torch::Tensor> MemberLogProbs(const Ensemble& ensemble, int64_t i, Network& net, const Split& split,
                                             const BatchMaker& batches, const EvalOptions& options) {
  ENS_RETURN_IF_ERROR(ensemble.PrepareMember(i, net));
  if (ensemble.NeedsBatchNormUpdate()) ENS_RETURN_IF_ERROR(options.recompute_batchnorm(net));
  return PredictLogProbs(net, split, batches, options.batch_size);
}

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

absl::StatusOr<std::vector<SizeMetrics>> EvaluateEnsemble(const Ensemble& ensemble, Network& net, const Split& test,
                                                          const BatchMaker& batches, const EvalOptions& options,
                                                          ProgressReporter* progress) {
  for (size_t i = 0; i < options.sizes.size(); ++i) {
    const int64_t k = options.sizes[i];
    if (k < 1 || k > ensemble.size() || (i > 0 && k <= options.sizes[i - 1])) {
      return absl::InvalidArgumentError(absl::StrCat("--eval_sizes: ", k, " is not an ascending size in [1, ",
                                                     ensemble.size(), "]"));
    }
  }
  const torch::Tensor labels = test.labels.cpu();
  if (!options.predictions_dir.empty()) {
    ENS_RETURN_IF_ERROR(WriteNpy(absl::StrCat(options.predictions_dir, "/labels.npy"), labels));
  }
  if (ensemble.NeedsBatchNormUpdate() && !options.recompute_batchnorm) {
    return absl::FailedPreconditionError("this ensemble's members need BatchNorm statistics recomputed, "
                                         "but the evaluator was given no training data to do it");
  }
  const std::vector<double> weights = ensemble.LogitWeights();
  if (!weights.empty() && static_cast<int64_t>(weights.size()) != ensemble.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the ensemble has ", ensemble.size(), " members but ",
                                                   weights.size(), " logit weights"));
  }
  std::vector<SizeMetrics> rows;
  torch::Tensor running;  // log sum_i p_i, or sum_i w_i log p_i; float64
  size_t next = 0;
  const int64_t last = options.sizes.empty() ? 0 : options.sizes.back();
  for (int64_t i = 0; i < last; ++i) {
    torch::Tensor member;
    if (options.member_log_probs) {
      ENS_ASSIGN_OR_RETURN(member, options.member_log_probs(i));
    }
    if (!member.defined()) {
      ENS_ASSIGN_OR_RETURN(member, MemberLogProbs(ensemble, i, net, test, batches, options));
    }
    if (!options.predictions_dir.empty()) {
      ENS_RETURN_IF_ERROR(
          WriteNpy(absl::StrFormat("%s/member_%03d.npy", options.predictions_dir, i), member));
    }
    const torch::Tensor member64 = member.to(torch::kDouble);
    if (weights.empty()) {
      running = running.defined() ? torch::logaddexp(running, member64) : member64;
    } else {
      // -inf * 0 would be NaN; a log-probability below -1e4 is 0 in float64 anyway.
      const torch::Tensor term = member64.clamp_min(-1e4) * weights[i];
      running = running.defined() ? running + term : term;
    }
    if (static_cast<int64_t>(i + 1) == options.sizes[next]) {
      const torch::Tensor ensemble_log_probs = weights.empty()
                                                   ? running - std::log(static_cast<double>(i + 1))
                                                   : torch::log_softmax(running, 1);
      rows.push_back(ComputeMetrics(ensemble_log_probs, labels, i + 1, options));
      ++next;
      if (progress) {
        progress->Message(absl::StrFormat("evaluated size %d: error %.2f%%, NLL %.4f", i + 1, rows.back().error,
                                          rows.back().nll));
      }
    }
  }
  return rows;
}

}  // namespace ens
