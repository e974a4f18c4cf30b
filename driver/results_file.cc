#include "driver/results_file.h"

#include <fstream>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ens {

std::string ResultsJsonPath(const std::string& dir_or_file) {
  return absl::EndsWith(dir_or_file, ".json") ? dir_or_file : absl::StrCat(dir_or_file, "/results.json");
}

bool NamesRuns(absl::string_view key) { return absl::EndsWith(key, "_from") || key == "runs"; }

absl::StatusOr<nlohmann::json> ReadResultsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": not valid JSON: ", e.what()));
  }
}

namespace {

// Whether a run's members are networks trained independently on shared data.
// Since 2026-12 results.json records the method's capabilities; an older file
// says only the method's name, and the deep ensemble was the one method of
// independently trained members besides `single`.
absl::StatusOr<bool> RecordsIndependentMembers(const nlohmann::json& results, const std::string& file) {
  const auto capabilities = results.find("method_capabilities");
  if (capabilities == results.end()) return results.at("config").at("method").get<std::string>() == "deep_ensemble";
  if (!capabilities->is_object()) {
    return absl::DataLossError(absl::StrCat(file, ": method_capabilities is not an object"));
  }
  return capabilities->value("independent_members_on_shared_data", false);
}

// The training settings of a config block, in two lists. The recipe decides
// how members are trained: runs that share it, their components' parameters
// and the validation split train members of one recipe. The run's own
// settings may differ between the parts of one deep ensemble, not between a
// run and its resumption. A new training flag goes into one of them (and,
// like every flag, into ConfigToJson and ConfigFromResults).
constexpr const char* kRecipeSettings[] = {"method", "model",    "dataset",  "schedule",     "epochs",  "batch_size",
                                           "lr",     "momentum", "nesterov", "weight_decay", "autocast"};
constexpr const char* kRunSettings[] = {"members", "seed", "device", "on_divergence", "channels_last",
                                        "members_together"};

// A recipe setting of `config`; files older than --autocast were trained without it.
nlohmann::json RecipeSetting(const nlohmann::json& config, const char* key) {
  return std::string(key) == "autocast" ? config.value(key, nlohmann::json("off")) : config.at(key);
}

// What trained a run's members, flattened ("params.dataset.train_limit" ->
// "\"1500\""), without the dataset's file and reading settings (another
// machine's copy); the validation split held out (val_seed, whose default -1,
// and whose absence in files older than it, is the run's seed) as "the
// validation split".
using Recipe = std::map<std::string, std::string>;

Recipe RecipeOf(const nlohmann::json& config) {  // throws nlohmann::json::exception
  Recipe recipe;
  for (const char* key : kRecipeSettings) recipe[key] = RecipeSetting(config, key).dump();
  for (const auto& [component, values] : config.at("params").items()) {
    for (const auto& [name, value] : values.items()) recipe[absl::StrCat("params.", component, ".", name)] = value.dump();
  }
  for (const char* reading : {"dir", "stream", "stream_workers", "prefetch"}) {
    recipe.erase(absl::StrCat("params.dataset.", reading));
  }
  const nlohmann::json& dataset = config.at("params").at("dataset");
  int64_t seed = -1;
  if (dataset.contains("val_seed") && !absl::SimpleAtoi(dataset.at("val_seed").get<std::string>(), &seed)) seed = -1;
  recipe.erase("params.dataset.val_seed");
  const bool none = dataset.value("val_size", std::string()) == "0";
  recipe["the validation split"] = none ? "none" : (seed < 0 ? config.at("seed").dump() : std::to_string(seed));
  return recipe;
}

}  // namespace

std::string WhyNotOneDeepEnsemble(const std::vector<std::pair<std::string, nlohmann::json>>& runs) {
  if (runs.empty()) return "no runs";
  std::map<std::string, std::string> seeds;  // the seed -> the run that has it
  Recipe first;
  for (const auto& [name, results] : runs) {
    Recipe recipe;
    try {
      absl::StatusOr<bool> independent = RecordsIndependentMembers(results, name);
      if (!independent.ok()) return std::string(independent.status().message());
      if (!*independent) {
        return absl::StrCat("run ", name, " ('", results.at("config").at("method").get<std::string>(),
                            "') is not networks trained independently on shared data");
      }
      // A pooled run's config is its own flags, not its members' recipe.
      if (PoolsOtherRuns(results)) {
        return absl::StrCat("run ", name, " pools other runs; name those runs instead");
      }
      recipe = RecipeOf(results.at("config"));
      const std::string seed = results.at("config").at("seed").dump();
      const auto [other, added] = seeds.emplace(seed, name);
      if (!added) return absl::StrCat("runs ", other->second, " and ", name, " share seed ", seed);
    } catch (const nlohmann::json::exception& e) {
      return absl::StrCat("run ", name, ": results.json records no training recipe (", e.what(), ")");
    }
    if (seeds.size() == 1) {
      first = std::move(recipe);
      continue;
    }
    // Both ways: a key only one of them has differs too.
    Recipe keys = first;
    keys.insert(recipe.begin(), recipe.end());
    for (const auto& key_value : keys) {
      const std::string& key = key_value.first;
      const auto a = first.find(key), b = recipe.find(key);
      const std::string theirs = a == first.end() ? "none" : a->second;
      const std::string ours = b == recipe.end() ? "none" : b->second;
      if (theirs != ours) {
        return absl::StrCat("runs ", runs.front().first, " and ", name, " differ in ", key, " (", theirs, " and ",
                            ours, ")");
      }
    }
  }
  return "";
}

absl::StatusOr<std::vector<std::pair<double, double>>> ReadDeeReference(const std::string& path) {
  const std::string file = ResultsJsonPath(path);
  auto results = ReadResultsFile(file);
  if (!results.ok()) return results.status();
  std::vector<std::pair<double, double>> reference;
  try {
    const std::string method = (*results).at("config").at("method").get<std::string>();
    const absl::StatusOr<bool> independent = RecordsIndependentMembers(*results, file);
    if (!independent.ok()) return independent.status();
    if (!*independent) {
      return absl::InvalidArgumentError(absl::StrCat("--dee_reference ", file, " is a '", method,
                                                     "' run, not independently trained members; DEE needs a deep "
                                                     "ensemble's run"));
    }
    for (const auto& m : (*results).at("metrics")) {
      if (m.at("cnll").is_null()) continue;
      const double size = m.at("size").get<double>();
      if (!reference.empty() && size <= reference.back().first) {
        return absl::DataLossError(absl::StrCat(file, ": metrics not in ascending order of size at size ", size));
      }
      reference.emplace_back(size, m.at("cnll").get<double>());
    }
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat(file, ": no usable metrics: ", e.what()));
  }
  if (reference.empty() || reference.front().first != 1) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": the reference must include ensemble size 1"));
  }
  if (reference.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat("--dee_reference ", file, " has one ensemble size; DEE needs a "
                                                   "deep ensemble's curve over sizes"));
  }
  return reference;
}

nlohmann::json ConfigToJson(const RunConfig& c,
                            const std::map<std::string, std::map<std::string, std::string>>& params) {
  nlohmann::json config = {
      {"method", c.method},         {"method_args", c.method_args},   {"model", c.model},
      {"model_args", c.model_args}, {"dataset", c.dataset},           {"dataset_args", c.dataset_args},
      {"schedule", c.schedule},     {"schedule_args", c.schedule_args}, {"members", c.members},
      {"epochs", c.epochs},         {"batch_size", c.batch_size},     {"lr", c.lr},
      {"momentum", c.momentum},     {"nesterov", c.nesterov},         {"weight_decay", c.weight_decay},
      {"seed", c.seed},             {"device", c.device},             {"threads", c.threads},
      {"eval_sizes", c.eval_sizes}, {"eval_batch_size", c.eval_batch_size}, {"cnll_splits", c.cnll_splits},
      {"eval_orders", c.eval_orders},
      {"dee_reference", c.dee_reference}, {"on_divergence", c.on_divergence},
      {"ood", c.robustness.ood}, {"ood_args", c.robustness.ood_args}, {"shift", c.robustness.shift},
      {"shift_severities", c.robustness.shift_severities}, {"shift_args", c.robustness.shift_args},
      {"channels_last", c.channels_last}, {"autocast", c.autocast},
      {"cudnn_benchmark", c.cudnn_benchmark}, {"members_together", c.members_together},
      {"command_line", c.command_line},
  };
  nlohmann::json components = nlohmann::json::object();
  for (const auto& [component, values] : params) components[component] = values;
  config["params"] = components;
  return config;
}

nlohmann::json TrainingIdentityOf(const nlohmann::json& config) {
  nlohmann::json identity = {{"params", config.at("params")}};
  for (const char* key : kRecipeSettings) identity[key] = config.at(key);
  for (const char* key : kRunSettings) identity[key] = config.at(key);
  return identity;
}

bool PoolsOtherRuns(const nlohmann::json& results) {
  return !results.value("method_capabilities", nlohmann::json::object()).value("uses_model_flag", true);
}

absl::StatusOr<RunConfig> ConfigFromResults(const nlohmann::json& results, const std::string& path) {
  try {
    const auto& c = results.at("config");
    RunConfig config;
    config.method = c.at("method").get<std::string>();
    config.method_args = c.at("method_args").get<std::string>();
    config.model = c.at("model").get<std::string>();
    config.model_args = c.at("model_args").get<std::string>();
    config.dataset = c.at("dataset").get<std::string>();
    config.dataset_args = c.at("dataset_args").get<std::string>();
    config.schedule = c.at("schedule").get<std::string>();
    config.schedule_args = c.at("schedule_args").get<std::string>();
    config.members = c.at("members").get<int64_t>();
    config.epochs = c.at("epochs").get<int64_t>();
    config.batch_size = c.at("batch_size").get<int64_t>();
    config.lr = c.at("lr").get<double>();
    config.momentum = c.at("momentum").get<double>();
    config.nesterov = c.at("nesterov").get<bool>();
    config.weight_decay = c.at("weight_decay").get<double>();
    config.seed = c.at("seed").get<uint64_t>();
    // Training settings that --eval_only writes back unchanged (absent from
    // runs older than the flags).
    config.on_divergence = c.value("on_divergence", config.on_divergence);
    config.autocast = c.value("autocast", config.autocast);
    config.members_together = c.value("members_together", config.members_together);
    return config;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": incomplete config: ", e.what()));
  }
}

}  // namespace ens
