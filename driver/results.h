// results.json and the printed table.
//
// results.json holds: config (every flag and component parameter), versions,
// device, history (per epoch), metrics (one object per ensemble size: size,
// error [%], nll, cnll, brier, ece, auroc, dee), timings, and cost.
#ifndef ENSEMBLES_DRIVER_RESULTS_H_
#define ENSEMBLES_DRIVER_RESULTS_H_

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "engine/evaluator.h"
#include "engine/progress.h"
#include "driver/run_config.h"

namespace ens {

// What the ensemble costs, whatever the method (results.json's "cost").
struct RunCost {
  // Floating-point values stored in members/ and its bytes on disk; -1: not
  // counted (a file the count could not read).
  int64_t parameters = -1;
  int64_t stored_bytes = -1;
  // The history's training FLOPs (EpochRecord::train_flops); NaN when an
  // epoch was not counted.
  double train_flops = NAN;
  int64_t train_images = 0;   // the training split's size
  // The members' predictions on the test split, metrics aside: weights
  // loaded, BatchNorm recomputed for draws (SWAG, Laplace), forward passes;
  // in a run of several processes also rank 0's wait for the others'.
  double predict_seconds = 0;
  int64_t predicted_members = 0;
  int64_t test_images = 0;
};

struct RunResults {
  RunConfig config;
  // Parsed parameters, defaults included, per component ("method", ...).
  std::map<std::string, std::map<std::string, std::string>> component_params;
  std::string device;
  int world_size = 1;  // processes that trained the run (engine/distributed.h)
  int64_t ensemble_size = 0;
  // How predictions/member_*.npy combine (Combination::ToJson).
  nlohmann::json combination;
  // What the method is (independent_members_on_shared_data,
  // members_exchangeable, takes_user_schedule): what --dee_reference and the
  // report check.
  nlohmann::json method_capabilities;
  std::vector<EpochRecord> history;
  std::vector<SizeMetrics> metrics;
  // Wall-clock training time; a resumed run adds the restored epochs' seconds.
  double train_seconds = 0;
  double eval_seconds = 0;
  RunCost cost;
  // --ood and --shift (shift/robustness_evaluator.h); null when not asked for.
  nlohmann::json ood, shift;
};

nlohmann::json ResultsToJson(const RunResults& results);

// The table in the shape of the reference tables: one row per size.
std::string FormatMetricsTable(const std::string& title, const std::vector<SizeMetrics>& rows);

// One line under the table: parameters stored, training FLOPs, prediction time.
std::string FormatCost(const RunCost& cost);

}  // namespace ens

#endif  // ENSEMBLES_DRIVER_RESULTS_H_
