#include "driver/evaluation.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "core/atomic_file.h"
#include "core/status_macros.h"
#include "driver/results.h"
#include "driver/run_directory.h"
#include "driver/run_setup.h"
#include "engine/ensemble_io.h"
#include "engine/evaluator.h"
#include "engine/message_tags.h"
#include "engine/trainer.h"
#include "shift/robustness_evaluator.h"

namespace ens {
namespace {

// What evaluating an ensemble needs: the options, the batch maker, and the
// context the ensemble predicts its members in (networks of the run's
// architecture; BatchNorm recomputation reads the training split).
struct EvalSetup {
  EvalOptions options;
  std::unique_ptr<BatchMaker> batches;
  std::unique_ptr<MemberContext> context;
};

absl::StatusOr<EvalSetup> SetUpEvaluation(const RunConfig& config, const Ensemble& ensemble, const Dataset& data,
                                          torch::Device device, const Params& model_params,
                                          const EvaluationSets* sets = nullptr) {
  EvalSetup setup;
  EvalOptions& options = setup.options;
  ENS_ASSIGN_OR_RETURN(options.sizes, ParseEvalSizes(config.eval_sizes, ensemble.size()));
  options.cnll_splits = config.cnll_splits;
  options.orders = config.eval_orders;
  options.seed = config.seed;
  setup.batches = std::make_unique<BatchMaker>(data, device, config.channels_last);
  setup.context = RunMemberContext(config, data, sets ? sets->split : data.test, *setup.batches, device, model_params);
  if (sets) options.scored_rows = sets->test_rows();
  return setup;
}

// Distributed evaluation: member i's predictions come from the rank that
// holds it (member-parallel: the one that trained it; otherwise i mod W).
int RankOfMember(int64_t member, const std::vector<int>& member_ranks, const Distributed& dist) {
  return member < static_cast<int64_t>(member_ranks.size()) ? member_ranks[member]
                                                            : static_cast<int>(member % dist.world_size());
}

}  // namespace

std::unique_ptr<MemberContext> RunMemberContext(const RunConfig& config, const Dataset& data, const Split& split,
                                                const BatchMaker& batches, torch::Device device,
                                                const Params& model_params) {
  const int64_t batch_size = config.batch_size;
  return std::make_unique<MemberContext>(
      split, batches, config.eval_batch_size,
      NetworksOf(ModelMakerOf(config.model, model_params, SpecOf(data)), device, config.channels_last),
      [&data, batch_size](Network& member, const BatchMaker& normalise) {
        return RecomputeBatchNorm(member, data, normalise, batch_size);
      });
}

absl::Status ServePredictions(const RunConfig& config, const Ensemble& ensemble, const Dataset& data,
                              torch::Device device, const Params& model_params, const std::vector<int>& member_ranks,
                              const Distributed& dist) {
  ENS_ASSIGN_OR_RETURN(EvalSetup setup, SetUpEvaluation(config, ensemble, data, device, model_params));
  const int64_t predicted = MembersToPredict(setup.options, ensemble.size());
  for (int64_t i = 0; i < predicted; ++i) {
    if (RankOfMember(i, member_ranks, dist) != dist.rank()) continue;
    ENS_ASSIGN_OR_RETURN(const torch::Tensor log_probs, ensemble.MemberLogProbs(i, *setup.context));
    ENS_RETURN_IF_ERROR(dist.Send(log_probs, 0, kMemberPredictionsTag + static_cast<int>(i)));
  }
  return absl::OkStatus();
}

absl::Status EvaluateAndReport(const RunConfig& config, const std::string& out_dir, const Ensemble& ensemble,
                               const Dataset& data, torch::Device device, const Params& model_params,
                               std::vector<std::pair<double, double>> dee_reference, RunResults* results,
                               ProgressReporter* progress, const EvaluationSets* sets, const Distributed* dist,
                               const std::vector<int>& member_ranks) {
  if (sets && dist) return absl::InternalError("--ood / --shift are evaluated in one process");
  ENS_ASSIGN_OR_RETURN(EvalSetup setup, SetUpEvaluation(config, ensemble, data, device, model_params, sets));
  EvalOptions& options = setup.options;
  options.predictions_dir = absl::StrCat(out_dir, "/predictions");
  ENS_RETURN_IF_ERROR(MakeDirectories(options.predictions_dir));
  options.dee_reference = std::move(dee_reference);
  if (dist) {
    const int64_t rows = data.test.size(), classes = data.num_classes;
    options.member_log_probs = [dist, &member_ranks, rows, classes](int64_t i) -> absl::StatusOr<torch::Tensor> {
      const int rank = RankOfMember(i, member_ranks, *dist);
      if (rank == 0) return torch::Tensor();
      torch::Tensor log_probs = torch::empty({rows, classes}, torch::kFloat);
      ENS_RETURN_IF_ERROR(dist->Recv(log_probs, rank, kMemberPredictionsTag + static_cast<int>(i)));
      return log_probs;
    };
  }
  // An earlier evaluation's sets go; this one's are written afresh.
  for (const char* stale : {"ood", "shift"}) {
    ENS_RETURN_IF_ERROR(RemoveDirectory(absl::StrCat(options.predictions_dir, "/", stale)));
  }
  std::unique_ptr<RobustnessEvaluator> robustness;
  if (sets) {
    robustness = std::make_unique<RobustnessEvaluator>(*sets, ensemble.combination(), options.sizes,
                                                       options.cnll_splits, options.seed, options.predictions_dir);
    options.on_member = [&robustness](int64_t member, const torch::Tensor& log_probs) {
      return robustness->AddMember(member, log_probs);
    };
  }
  // The members' predictions, timed: the ensemble's cost at test time.
  PredictionCost predicted;
  options.prediction_cost = &predicted;
  MemberContext& context = *setup.context;
  const auto start = std::chrono::steady_clock::now();
  ENS_ASSIGN_OR_RETURN(results->metrics, EvaluateEnsemble(ensemble, context, options, progress));
  results->eval_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RunCost& cost = results->cost;
  cost.predict_seconds = predicted.seconds;
  cost.predicted_members = predicted.members;
  // What members/ holds; a file it cannot read (a plugin's own format) costs
  // the run its parameter count, not its results.
  const absl::StatusOr<StoredSize> stored = MeasureStored(absl::StrCat(out_dir, "/members"));
  if (stored.ok()) {
    cost.parameters = stored->values;
    cost.stored_bytes = stored->bytes;
  } else if (progress) {
    progress->Message(absl::StrCat("warning: parameters stored not counted: ", stored.status().message()));
  }
  cost.train_flops = results->history.empty() ? NAN : 0;  // no training here: not counted
  for (const auto& epoch : results->history) cost.train_flops += epoch.train_flops;
  cost.train_images = data.train.size();
  cost.test_images = sets ? sets->split.size() : data.test.size();  // every row of the timed pass
  if (robustness) {
    results->ood = robustness->OodJson();
    results->shift = robustness->ShiftJson();
  }
  results->ensemble_size = ensemble.size();
  results->combination = ensemble.combination().ToJson();
  ENS_RETURN_IF_ERROR(
      WriteFileAtomically(absl::StrCat(out_dir, "/results.json"), ResultsToJson(*results).dump(2) + "\n"));
  // combine / select: the pooled runs bring their own models, not --model.
  const bool uses_model = results->method_capabilities.is_object()
                              ? results->method_capabilities.value("uses_model_flag", true)
                              : true;
  std::printf("%s", FormatMetricsTable(absl::StrCat(config.method, " / ",
                                                    uses_model ? config.model + " / " : std::string(), config.dataset,
                                                    " (", ensemble.size(), " members, ", results->device,
                                                    config.eval_orders > 1
                                                        ? absl::StrCat("; each size the mean of ", config.eval_orders,
                                                                       " member orders")
                                                        : "",
                                                    ")"),
                                       results->metrics)
                        .c_str());
  if (robustness) std::printf("%s", robustness->Tables().c_str());
  std::printf("%s", FormatCost(cost).c_str());
  std::printf("results: %s/results.json\n", out_dir.c_str());
  return absl::OkStatus();
}

}  // namespace ens
