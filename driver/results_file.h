// Reading a finished run's results.json: the whole file, and the deep
// ensemble's calibrated-NLL curve that DEE is measured against. Light (no
// LibTorch): the driver and the report tool both read runs through it.
#ifndef ENSEMBLES_DRIVER_RESULTS_FILE_H_
#define ENSEMBLES_DRIVER_RESULTS_FILE_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "driver/run_config.h"

namespace ens {

// A run directory's results.json, or `dir_or_file` itself when it names a .json file.
std::string ResultsJsonPath(const std::string& dir_or_file);

// Whether a method parameter names finished runs' --out_dir: `*_from` (a
// teacher, a trained network, SWAG moments) and `runs` (a pool,
// ':'-separated). The driver checks them before any work; the report groups
// runs by them.
bool NamesRuns(absl::string_view key);

// The parsed file; errors name it.
absl::StatusOr<nlohmann::json> ReadResultsFile(const std::string& path);

// The config block of results.json: the run's flags and `params`, its
// components' parsed parameters (defaults included), per component.
nlohmann::json ConfigToJson(const RunConfig& c,
                            const std::map<std::string, std::map<std::string, std::string>>& params);

// What defines the training of a run, from its config block (a resumed run
// must match it): the settings of its members' recipe (those
// WhyNotOneDeepEnsemble compares), the run's own (members, seed, device as
// the flag says it: the driver puts the resolved device in its place, ...)
// and every component's parameters. results_file.cc keeps the one list of
// training settings that both read. Throws nlohmann::json::exception when
// `config` lacks one (a config that ConfigToJson did not write).
nlohmann::json TrainingIdentityOf(const nlohmann::json& config);

// Whether a finished run's members are other runs' (combine, select: its
// method_capabilities say it does not use --model); its config's training
// flags are then none of its members'. False for files older than the record.
bool PoolsOtherRuns(const nlohmann::json& results);

// The config stored by a finished run (--eval_only, //:predict, runs that
// build on other runs); errors name `path`.
absl::StatusOr<RunConfig> ConfigFromResults(const nlohmann::json& results, const std::string& path);

// Why the finished runs whose results.json are `runs`, their members pooled,
// are not one deep ensemble; "" when they are: every run's members are
// networks trained independently on shared data (its method_capabilities),
// the runs share the recipe that trained them (method, model, dataset and
// their parameters, schedule, epochs, batch size, optimiser, autocast) and
// the validation split they held out, and no two share a seed. What lets a
// deep ensemble trained in parts (`combine`) be a DEE reference.
// `runs` pairs each run's name (for the message) with its parsed file.
std::string WhyNotOneDeepEnsemble(const std::vector<std::pair<std::string, nlohmann::json>>& runs);

// (size, cnll) pairs of a deep ensemble's results.json (or its directory),
// ascending by size and starting at size 1; any other method is an error.
absl::StatusOr<std::vector<std::pair<double, double>>> ReadDeeReference(const std::string& path);

}  // namespace ens

#endif  // ENSEMBLES_DRIVER_RESULTS_FILE_H_
