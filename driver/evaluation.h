// The driver's evaluation of a trained or loaded ensemble on the test split:
// through the ensemble's own member predictions (a MemberContext with the
// run's architecture and BatchNorm recomputation from the training data),
// then predictions/, results.json and the printed table. In a distributed
// run, member i's predictions come from the rank that holds it
// (member-parallel: the one that trained it; otherwise i mod W).
#ifndef ENSEMBLES_DRIVER_EVALUATION_H_
#define ENSEMBLES_DRIVER_EVALUATION_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "absl/status/status.h"
#include "core/params.h"
#include "datasets/batches.h"
#include "datasets/dataset.h"
#include "driver/results.h"
#include "driver/run_config.h"
#include "engine/distributed.h"
#include "engine/ensemble.h"
#include "engine/member_context.h"
#include "engine/progress.h"
#include "shift/evaluation_sets.h"

namespace ens {

// The context the run's ensemble predicts its members in on `split`:
// networks of the run's architecture on `device`, `batches`' normalisation,
// BatchNorm recomputation from data's training split (`data`, `split` and
// `batches` must outlive it).
std::unique_ptr<MemberContext> RunMemberContext(const RunConfig& config, const Dataset& data, const Split& split,
                                                const BatchMaker& batches, torch::Device device,
                                                const Params& model_params);

// Evaluates `ensemble`, writes predictions/ and results.json under
// `out_dir`, prints the table. With `sets` (the test split first), the
// out-of-distribution and shifted sets ride along in each member's pass.
// With `dist` (rank 0), other ranks' members' predictions are received.
absl::Status EvaluateAndReport(const RunConfig& config, const std::string& out_dir, const Ensemble& ensemble,
                               const Dataset& data, torch::Device device, const Params& model_params,
                               std::vector<std::pair<double, double>> dee_reference, RunResults* results,
                               ProgressReporter* progress, const EvaluationSets* sets = nullptr,
                               const Distributed* dist = nullptr,
                               const std::vector<int>& member_ranks = {});

// Rank > 0: computes its members' test predictions and sends them to rank 0.
absl::Status ServePredictions(const RunConfig& config, const Ensemble& ensemble, const Dataset& data,
                              torch::Device device, const Params& model_params, const std::vector<int>& member_ranks,
                              const Distributed& dist);

}  // namespace ens

#endif  // ENSEMBLES_DRIVER_EVALUATION_H_
