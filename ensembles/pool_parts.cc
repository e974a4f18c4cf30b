#include "ensembles/pool_parts.h"

#include <map>
#include <utility>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"
#include "core/user_path.h"
#include "driver/results_file.h"

namespace ens {

std::vector<std::string> SplitRunList(const std::string& runs) {
  return absl::StrSplit(runs, ':', absl::SkipEmpty());
}

namespace {

// How a run's members were trained, as its results.json records it.
absl::StatusOr<RunConfig> ReadRunConfig(const std::string& path) {
  ENS_ASSIGN_OR_RETURN(const nlohmann::json results, ReadResultsFile(path));
  return ConfigFromResults(results, path);
}

bool SameSplit(const Split& a, const Split& b) {
  if (a.size() != b.size()) return false;
  if (a.size() == 0) return true;
  if (!torch::equal(a.labels, b.labels)) return false;
  // Splits streamed from files have no images in memory: their labels decide.
  if (!a.images.defined() || !b.images.defined()) return true;
  return a.images.sizes() == b.images.sizes() && torch::equal(a.images, b.images);
}

// A run's dataset loaded again as the run loaded it, reduced to what the
// checks and the part need.
struct RunData {
  std::vector<double> mean, std;
  bool same_test = false, same_val = false;
};

}  // namespace

absl::StatusOr<std::vector<PoolPart>> OpenPoolParts(const std::string& who, const std::vector<std::string>& dirs,
                                                    const Dataset& data, bool same_validation) {
  if (dirs.empty()) return absl::InvalidArgumentError(absl::StrCat(who, ": no runs given"));
  const ModelSpec spec{data.channels(), data.image_size(), data.num_classes};
  std::map<std::string, RunData> loaded;  // by dataset, parameters and seed: a pool often shares them
  std::vector<PoolPart> parts;
  for (const std::string& given : dirs) {
    const std::string dir = UserPath(given);
    const std::string prefix = absl::StrCat(who, ": run ", given, ": ");
    absl::StatusOr<RunConfig> settings = ReadRunConfig(ResultsJsonPath(dir));
    if (!settings.ok()) return absl::InvalidArgumentError(absl::StrCat(prefix, settings.status().message()));
    if (settings->dataset != data.name) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, "trained on dataset '", settings->dataset,
                                                     "', this run's is '", data.name, "'"));
    }
    const std::string key = absl::StrCat(settings->dataset, "\n", settings->dataset_args, "\n", settings->seed);
    auto found = loaded.find(key);
    if (found == loaded.end()) {
      absl::StatusOr<Dataset> theirs = MakeDataset(settings->dataset, settings->dataset_args, {settings->seed});
      if (!theirs.ok()) return absl::InvalidArgumentError(absl::StrCat(prefix, theirs.status().message()));
      RunData summary{theirs->mean, theirs->std, SameSplit(theirs->test, data.test), SameSplit(theirs->val, data.val)};
      found = loaded.emplace(key, std::move(summary)).first;
    }
    const RunData& theirs = found->second;
    if (!theirs.same_test) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, "its test split (dataset_args '", settings->dataset_args,
                                                     "') is not this run's"));
    }
    if (same_validation && !theirs.same_val) {
      return absl::InvalidArgumentError(absl::StrCat(
          prefix, "it held out another validation split (its --seed ", settings->seed, ", dataset_args '",
          settings->dataset_args, "'), so its members may have trained on this run's; give every run of a pool "
          "one validation split with --dataset_args=val_seed=S"));
    }
    absl::StatusOr<std::shared_ptr<Network>> probe =
        MakeModel(settings->model, settings->model_args, spec, StandardLayers());
    if (!probe.ok()) return absl::InvalidArgumentError(absl::StrCat(prefix, probe.status().message()));
    absl::StatusOr<std::unique_ptr<Ensemble>> ensemble = LoadEnsemble(absl::StrCat(dir, "/members"));
    if (!ensemble.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, "no finished ensemble: ", ensemble.status().message()));
    }
    if (!(*ensemble)->combination().weights().empty()) {
      // The pool averages its members' probabilities; these members are
      // stages of a weighted sum of logits, not predictions of their own.
      return absl::InvalidArgumentError(absl::StrCat(prefix, "its members combine by weighted logits (",
                                                     settings->method, "), not as a mean of probabilities"));
    }
    PoolPart part;
    part.run = given;
    part.method = settings->method;
    part.model = settings->model;
    part.model_args = settings->model_args;
    part.spec = spec;
    part.mean = theirs.mean;
    part.std = theirs.std;
    part.ensemble = std::move(*ensemble);
    parts.push_back(std::move(part));
  }
  return parts;
}

}  // namespace ens
