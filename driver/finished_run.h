// A finished run read back from its directory: the configuration its
// results.json records, its components resolved again, its dataset (the
// normalisation statistics, and the training split that BatchNorm
// recomputation reads) and its ensemble from members/. What --eval_only and
// //:predict start from.
//
//   ENS_ASSIGN_OR_RETURN(FinishedRun run, OpenFinishedRun(dir, [&](RunConfig& c) { c.device = "cpu"; }));
//   ENS_ASSIGN_OR_RETURN(torch::Tensor log_probs, run.ensemble->MemberLogProbs(0, context));
#ifndef ENSEMBLES_DRIVER_FINISHED_RUN_H_
#define ENSEMBLES_DRIVER_FINISHED_RUN_H_

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "driver/run_config.h"
#include "driver/run_setup.h"
#include "engine/ensemble.h"

namespace ens {

struct FinishedRun {
  std::string dir;
  nlohmann::json results;  // results.json as read
  RunConfig config;
  Components components;
  torch::Device device = torch::kCPU;
  Dataset data;
  std::unique_ptr<Ensemble> ensemble;
};

// Reads `dir`'s results.json (the run's configuration), lets `adjust` set
// what this command line decides (device, evaluation flags), checks and
// resolves the configuration, then loads the dataset and members/. Errors
// name the file or component.
absl::StatusOr<FinishedRun> OpenFinishedRun(const std::string& dir, const std::function<void(RunConfig&)>& adjust);

}  // namespace ens

#endif  // ENSEMBLES_DRIVER_FINISHED_RUN_H_
