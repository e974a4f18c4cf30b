// The runs a report compares: results.json of each results directory, grouped
// by setting (every part of the config but the seed and run-local flags), and
// each group summarised per ensemble size over its seeds.
#ifndef ENSEMBLES_TOOLS_REPORT_RUN_SET_H_
#define ENSEMBLES_TOOLS_REPORT_RUN_SET_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace ens::report {

struct SizeRow {
  int64_t size = 0;
  // Missing (null in results.json: non-finite, or no DEE reference) = nullopt.
  std::optional<double> error, nll, cnll, brier, ece, dee;
};

struct EpochPoint {
  int64_t member = 0;
  std::string phase;
  int64_t epoch = 0;
  double lr = 0;
  std::optional<double> loss;
};

struct Run {
  std::string dir;
  nlohmann::json config;  // results.json's config
  uint64_t seed = 0;
  std::vector<SizeRow> metrics;
  std::vector<EpochPoint> history;
  double train_seconds = 0;
  // results.json's cost (absent before 2026-12-03, or null: nullopt).
  std::optional<double> parameters, train_flops_per_image, predict_seconds;
  // results.json's ood and shift (--ood, --shift); null when absent.
  nlohmann::json ood, shift;
  // Its members are other runs' (combine, select: method_capabilities'
  // uses_model_flag false); its config's epochs are a flag it did not use.
  bool pools_runs = false;
};

// The last component of a results folder (or of a results.json / NAME.json
// path): "runs/fge/01_sse_3B/" -> "01_sse_3B", "docs/x/swag.json" -> "swag".
std::string RowName(const std::string& dir);

// Reads DIR/results.json (or a results.json path); errors name the file.
absl::StatusOr<Run> ReadRun(const std::string& dir);

// Sets every size's DEE to the one against `reference` ((size, calibrated
// NLL) of a deep ensemble, as ReadDeeReference gives it), from the run's own
// calibrated NLL: runs evaluated against different references, or none, are
// then measured on one scale. A size without a calibrated NLL has no DEE.
void MeasureDeeAgainst(const std::vector<std::pair<double, double>>& reference, std::vector<Run>& runs);

struct RunGroup {
  std::string label;  // method, with its --method_args
  std::string method, model, dataset;
  int64_t epochs = 0;     // 0: no training of its own (a pool of runs): "-"
  std::vector<Run> runs;  // one per seed
};

// Groups runs of the same setting, in order of first appearance; method
// parameters that name runs (`*_from`, `runs`) compare by the runs' folder
// names. Two runs of one setting with the same seed is an error (the same
// run twice).
absl::StatusOr<std::vector<RunGroup>> GroupBySetting(std::vector<Run> runs);

struct Stat {
  int count = 0;       // runs with a value
  double mean = 0;
  double spread = 0;   // sample standard deviation (0 for one run)
};

Stat StatOf(const std::vector<double>& values);

struct SizeSummary {
  int64_t size = 0;
  Stat error, nll, cnll, brier, ece, dee;
};

// Group g's label, with its model, dataset or epochs where another group
// of the same label differs in them (for legends and tables without those
// columns): "deep_ensemble, 10 epochs".
std::string DistinctLabel(const std::vector<RunGroup>& groups, size_t g);

// Per ensemble size present in any of the group's runs, ascending.
std::vector<SizeSummary> Summarize(const RunGroup& group);

// The whole ensemble's cost over the group's runs.
struct CostSummary {
  Stat parameters, train_flops_per_image, predict_seconds;
};
CostSummary SummarizeCost(const RunGroup& group);

}  // namespace ens::report

#endif  // ENSEMBLES_TOOLS_REPORT_RUN_SET_H_
