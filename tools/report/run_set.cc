#include "tools/report/run_set.h"

#include <array>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "driver/results_file.h"
#include "driver/run_config.h"
#include "metrics/dee.h"

namespace ens::report {
namespace {

std::optional<double> Number(const nlohmann::json& object, const char* key) {
  if (!object.contains(key) || !object.at(key).is_number()) return std::nullopt;
  return object.at(key).get<double>();
}

// Flags that do not change what a run computes (beyond rounding and which
// random draws dropout takes), or that differ per seed.
const std::set<std::string>& RunLocalKeys() {
  static const auto* keys = new std::set<std::string>{
      "seed",          "command_line",  "threads", "device",          "eval_sizes",
      "eval_batch_size", "dee_reference", "out_dir", "cudnn_benchmark", "members_together",
      // what else was evaluated beside the test set (--ood, --shift)
      "ood", "ood_args", "shift", "shift_severities", "shift_args"};
  return *keys;
}

// Flags later drivers record, with the value a run from an older driver
// (which did not record them) had, the flags' defaults: such runs group with
// new ones. (The driver's ConfigFromResults takes the same defaults for
// --eval_only.)
const std::map<std::string, nlohmann::json>& KeysAddedLater() {
  static const auto* keys = [] {
    const RunConfig defaults;
    return new std::map<std::string, nlohmann::json>{{"on_divergence", defaults.on_divergence},
                                                     {"channels_last", defaults.channels_last},
                                                     {"autocast", defaults.autocast},
                                                     {"eval_orders", defaults.eval_orders}};
  }();
  return *keys;
}

void Accumulate(const std::optional<double>& value, std::vector<double>& values) {
  if (value) values.push_back(*value);
}

}  // namespace

Stat StatOf(const std::vector<double>& values) {
  Stat stat;
  stat.count = static_cast<int>(values.size());
  if (values.empty()) return stat;
  for (double v : values) stat.mean += v;
  stat.mean /= values.size();
  if (values.size() > 1) {
    double squares = 0;
    for (double v : values) squares += (v - stat.mean) * (v - stat.mean);
    stat.spread = std::sqrt(squares / (values.size() - 1));
  }
  return stat;
}

namespace {

// Runs named by their folders: "runs/seed0/a:runs/seed0/b" -> "a:b".
std::string RunFolders(absl::string_view value) {
  std::vector<std::string> names;
  for (absl::string_view run : absl::StrSplit(value, ':')) names.push_back(RowName(std::string(run)));
  return absl::StrJoin(names, ":");
}

// "weights_from=runs/x/single,scale=2" -> "weights_from=single,scale=2": runs
// named by their folder, as in the tables of docs/RESULTS.md; runs of
// another seed's folder (runs/seed1/single) then group with these.
std::string ShortArgs(const std::string& args) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(args, ',')) {
    const size_t eq = part.find('=');
    const absl::string_view key = part.substr(0, eq == absl::string_view::npos ? part.size() : eq);
    if (eq != absl::string_view::npos && NamesRuns(key)) {
      parts.push_back(absl::StrCat(key, "=", RunFolders(part.substr(eq + 1))));
    } else {
      parts.emplace_back(part);
    }
  }
  return absl::StrJoin(parts, ",");
}

}  // namespace

std::string RowName(const std::string& dir) {
  absl::string_view path = absl::StripSuffix(dir, "/");
  if (absl::EndsWith(path, "/results.json")) {
    path = absl::StripSuffix(path, "/results.json");
  } else {
    path = absl::StripSuffix(path, ".json");
  }
  const size_t slash = path.rfind('/');
  return std::string(slash == absl::string_view::npos ? path : path.substr(slash + 1));
}

absl::StatusOr<Run> ReadRun(const std::string& dir) {
  const std::string path = ResultsJsonPath(dir);
  auto file = ReadResultsFile(path);
  if (absl::IsNotFound(file.status())) {
    return absl::NotFoundError(absl::StrCat(file.status().message(), " (not a finished run?)"));
  }
  if (!file.ok()) return file.status();
  const nlohmann::json& results = *file;
  Run run;
  run.dir = dir;
  try {
    run.config = results.at("config");
    run.seed = run.config.at("seed").get<uint64_t>();
    for (const auto& m : results.at("metrics")) {
      SizeRow row;
      row.size = m.at("size").get<int64_t>();
      row.error = Number(m, "error");
      row.nll = Number(m, "nll");
      row.cnll = Number(m, "cnll");
      row.brier = Number(m, "brier");
      row.ece = Number(m, "ece");
      row.dee = Number(m, "dee");
      if (row.size < 1) return absl::DataLossError(absl::StrCat(path, ": metrics with size ", row.size));
      run.metrics.push_back(row);
    }
    for (const auto& e : results.value("history", nlohmann::json::array())) {
      run.history.push_back({e.at("member").get<int64_t>(), e.at("phase").get<std::string>(),
                             e.at("epoch").get<int64_t>(), e.at("lr").get<double>(), Number(e, "loss")});
    }
    run.train_seconds = results.value("train_seconds", 0.0);
    if (results.contains("cost") && results.at("cost").is_object()) {
      const nlohmann::json& cost = results.at("cost");
      run.parameters = Number(cost, "parameters");
      run.train_flops_per_image = Number(cost, "train_flops_per_image");
      run.predict_seconds = Number(cost, "predict_seconds");
    }
    run.ood = results.value("ood", nlohmann::json());
    run.shift = results.value("shift", nlohmann::json());
    run.pools_runs = PoolsOtherRuns(results);
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": not a results.json of the driver: ", e.what()));
  }
  return run;
}

void MeasureDeeAgainst(const std::vector<std::pair<double, double>>& reference, std::vector<Run>& runs) {
  for (auto& run : runs) {
    for (auto& row : run.metrics) {
      row.dee = row.cnll ? std::optional<double>(DeepEnsembleEquivalent(reference, *row.cnll)) : std::nullopt;
    }
  }
}

absl::StatusOr<std::vector<RunGroup>> GroupBySetting(std::vector<Run> runs) {
  std::vector<RunGroup> groups;
  std::map<std::string, size_t> index;  // setting -> group
  for (auto& run : runs) {
    nlohmann::json setting = run.config;
    for (const auto& key : RunLocalKeys()) setting.erase(key);
    if (setting.contains("method_args") && setting["method_args"].is_string()) {
      setting["method_args"] = ShortArgs(setting["method_args"].get<std::string>());
    }
    if (setting.contains("params") && setting["params"].contains("method")) {
      for (auto& [key, value] : setting["params"]["method"].items()) {
        if (NamesRuns(key) && value.is_string()) value = RunFolders(value.get<std::string>());
      }
    }
    for (const auto& [key, value] : KeysAddedLater()) {
      if (!setting.contains(key)) setting[key] = value;
    }
    // The validation split's seed (val_seed; by default the run's seed) is a
    // seed too: runs that hold out one split for all seeds, so that their
    // members combine into one deep ensemble, are seeds of the run that holds
    // out its own.
    if (setting.contains("params") && setting["params"].contains("dataset")) {
      setting["params"]["dataset"].erase("val_seed");
    }
    if (setting.contains("dataset_args") && setting["dataset_args"].is_string()) {
      std::vector<std::string> args;
      for (absl::string_view arg : absl::StrSplit(setting["dataset_args"].get<std::string>(), ',', absl::SkipEmpty())) {
        if (!absl::StartsWith(arg, "val_seed=")) args.emplace_back(arg);
      }
      setting["dataset_args"] = absl::StrJoin(args, ",");
    }
    const std::string key = setting.dump();
    auto [it, inserted] = index.emplace(key, groups.size());
    if (inserted) {
      RunGroup group;
      const auto& c = run.config;
      group.method = c.value("method", "?");
      const std::string args = c.value("method_args", "");
      group.label = args.empty() ? group.method : absl::StrCat(group.method, " (", ShortArgs(args), ")");
      // A curve averaged over member orders (--eval_orders) says so.
      const int64_t orders = c.value("eval_orders", int64_t{1});
      if (orders > 1) absl::StrAppend(&group.label, ", mean of ", orders, " member orders");
      group.model = c.value("model", "?");
      group.dataset = c.value("dataset", "?");
      group.epochs = run.pools_runs ? 0 : c.value("epochs", int64_t{0});
      groups.push_back(std::move(group));
    }
    RunGroup& group = groups[it->second];
    for (const auto& other : group.runs) {
      if (other.seed == run.seed) {
        return absl::InvalidArgumentError(absl::StrCat(run.dir, " and ", other.dir, " are the same setting with seed ",
                                                       run.seed, " (the same run twice?)"));
      }
    }
    group.runs.push_back(std::move(run));
  }
  return groups;
}

std::string DistinctLabel(const std::vector<RunGroup>& groups, size_t g) {
  const RunGroup& mine = groups[g];
  bool model = false, dataset = false, epochs = false;
  for (const RunGroup& other : groups) {
    if (&other == &mine || other.label != mine.label) continue;
    model |= other.model != mine.model;
    dataset |= other.dataset != mine.dataset;
    epochs |= other.epochs != mine.epochs;
  }
  std::string label = mine.label;
  if (model) absl::StrAppend(&label, ", ", mine.model);
  if (dataset) absl::StrAppend(&label, ", ", mine.dataset);
  if (epochs) absl::StrAppend(&label, ", ", mine.epochs ? absl::StrCat(mine.epochs, " epochs") : "pooled");
  return label;
}

std::vector<SizeSummary> Summarize(const RunGroup& group) {
  std::map<int64_t, std::array<std::vector<double>, 6>> values;  // size -> error, nll, cnll, brier, ece, dee
  for (const auto& run : group.runs) {
    for (const auto& row : run.metrics) {
      auto& v = values[row.size];
      Accumulate(row.error, v[0]);
      Accumulate(row.nll, v[1]);
      Accumulate(row.cnll, v[2]);
      Accumulate(row.brier, v[3]);
      Accumulate(row.ece, v[4]);
      Accumulate(row.dee, v[5]);
    }
  }
  std::vector<SizeSummary> summaries;
  for (const auto& [size, v] : values) {
    summaries.push_back({size, StatOf(v[0]), StatOf(v[1]), StatOf(v[2]), StatOf(v[3]), StatOf(v[4]), StatOf(v[5])});
  }
  return summaries;
}

CostSummary SummarizeCost(const RunGroup& group) {
  std::array<std::vector<double>, 3> values;
  for (const auto& run : group.runs) {
    Accumulate(run.parameters, values[0]);
    Accumulate(run.train_flops_per_image, values[1]);
    Accumulate(run.predict_seconds, values[2]);
  }
  return {StatOf(values[0]), StatOf(values[1]), StatOf(values[2])};
}

}  // namespace ens::report
