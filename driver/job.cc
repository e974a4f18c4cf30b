#include "driver/job.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <functional>
#include <memory>

#include <torch/types.h>
#include <torch/utils.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/atomic_file.h"
#include "core/status_macros.h"
#include "core/user_path.h"
#include "driver/evaluation.h"
#include "driver/finished_run.h"
#include "driver/results.h"
#include "driver/results_file.h"
#include "driver/run_directory.h"
#include "driver/run_setup.h"
#include "engine/cpu_threads.h"
#include "engine/message_tags.h"
#include "engine/trainer.h"
#include "ensembles/method.h"

namespace ens {
namespace {

// runs/<method>_<model>_<dataset>_<time>; without the model for a method
// that pools finished runs (each with its own).
std::string DefaultOutDir(const RunConfig& config, const Method& method) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", std::localtime(&now));
  return absl::StrCat("runs/", config.method, "_", method.UsesModelFlag() ? config.model + "_" : "", config.dataset,
                      "_", stamp);
}

// What results.json records of the method, for readers that must know what
// its members are (--dee_reference wants independently trained ones).
nlohmann::json CapabilitiesOf(const Method& method) {
  return {{"independent_members_on_shared_data", method.IndependentMembersOnSharedData()},
          {"members_exchangeable", method.MembersExchangeable()},
          {"takes_user_schedule", method.TakesUserSchedule()},
          {"uses_model_flag", method.UsesModelFlag()}};
}

// What defines the training of a run (a resumed run must match it), with the
// device the flag resolved to.
nlohmann::json TrainingIdentity(const RunConfig& c, const Components& components, torch::Device device) {
  nlohmann::json identity = TrainingIdentityOf(ConfigToJson(c, components.params));
  identity["device"] = device.str();
  return identity;
}

// The deep-ensemble curve for DEE, read before any training starts.
absl::StatusOr<std::vector<std::pair<double, double>>> DeeReferenceOf(const RunConfig& config) {
  if (config.dee_reference.empty()) return std::vector<std::pair<double, double>>{};
  return ReadDeeReference(UserPath(config.dee_reference));
}

// What can be checked from the flags alone, before any data is read: the
// flags, the components and their parameters, the combinations, --eval_sizes
// against the ensemble the method will return.
absl::StatusOr<Components> CheckTrainingFlags(const RunConfig& config) {
  ENS_RETURN_IF_ERROR(CheckCommonFlags(config));
  ENS_ASSIGN_OR_RETURN(Components components, ResolveComponents(config));
  if (config.members_together > 1 && !components.method->TrainsMembersTogether()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--members_together: method '", config.method, "' does not train independent members on shared data (",
        absl::StrJoin(MethodsThat([](const Method& m) { return m.TrainsMembersTogether(); }), ", "), " do)"));
  }
  if (!config.eval_sizes.empty()) {
    TrainContext plan;
    plan.members = config.members;
    plan.epochs = config.epochs;
    plan.batch_size = config.batch_size;
    const int64_t members = components.method->PlannedMembers(plan);
    ENS_RETURN_IF_ERROR(ParseEvalSizes(config.eval_sizes, members).status());
  }
  if (config.resume && config.out_dir.empty()) return absl::InvalidArgumentError("--resume needs --out_dir");
  return components;
}

// The runs a method builds on (weights_from=, teacher_from=, runs=, ...) must
// be finished runs: checked before --overwrite may clear anything (not under
// --dry_run, whose plan may name runs that earlier steps will make).
absl::Status CheckRunsNamed(const Components& components) {
  for (const auto& [key, value] : components.params.at("method")) {
    if (!NamesRuns(key)) continue;
    for (absl::string_view run : absl::StrSplit(value, ':', absl::SkipEmpty())) {
      const std::string file = ResultsJsonPath(UserPath(std::string(run)));
      if (access(file.c_str(), R_OK) != 0) {
        return absl::InvalidArgumentError(absl::StrCat("--method_args=", key, "=", value, ": ", file,
                                                       ": cannot open (not a finished run?)"));
      }
    }
  }
  return absl::OkStatus();
}

// --dry_run: also what needs the machine but no data: the device's name, the
// DEE reference, and --out_dir (free, and holding what --resume / --overwrite
// expect).
absl::Status DryRun(const RunConfig& config, const Components& components) {
  // --device=cuda checked on a machine without a GPU (a job prepared for
  // another host): the run says; the identity is the one ResolveDevice gives there.
  absl::StatusOr<torch::Device> device = ResolveDevice(config.device);
  if (!device.ok() && config.device != "cuda") return device.status();
  ENS_RETURN_IF_ERROR(DeeReferenceOf(config).status());
  if (!config.out_dir.empty()) {
    const std::string out_dir = UserPath(config.out_dir);
    ENS_RETURN_IF_ERROR(CheckRunDirectoryFree(out_dir));
    ENS_RETURN_IF_ERROR(CheckRunDirectory(out_dir, config.resume, config.overwrite,
                                          TrainingIdentity(config, components,
                                                           device.ok() ? *device : torch::Device(torch::kCUDA)))
                            .status());
  }
  std::printf("ok: method %s, model %s, dataset %s, %lld members, %lld epochs, device %s (not run: --dry_run)\n",
              config.method.c_str(),
              components.method->UsesModelFlag() ? config.model.c_str() : "each pooled run's own",
              config.dataset.c_str(),
              static_cast<long long>(config.members), static_cast<long long>(config.epochs), config.device.c_str());
  return absl::OkStatus();
}

// Takes `dir` for this process and refuses what it holds (a finished run
// without --overwrite, ...), changing nothing in it yet.
absl::Status TakeRunDirectory(const std::string& dir, const RunConfig& config, const nlohmann::json& identity,
                              RunDirectoryLock* lock) {
  ENS_RETURN_IF_ERROR(MakeDirectories(dir));
  ENS_ASSIGN_OR_RETURN(*lock, LockRunDirectory(dir));
  return CheckRunDirectory(dir, config.resume, config.overwrite, identity).status();
}

// The out-of-distribution and shifted sets, built before any training (bad
// sets fail here); none when not asked for.
absl::StatusOr<std::unique_ptr<EvaluationSets>> EvaluationSetsFor(const RunConfig& config,
                                                                  const RobustnessRequest& request,
                                                                  const Dataset& data, torch::Device device,
                                                                  ProgressReporter& progress) {
  if (request.empty()) return std::unique_ptr<EvaluationSets>();
  const auto start = std::chrono::steady_clock::now();
  EvaluationSetsContext context;
  context.seed = config.seed;
  context.device = device;
  ENS_ASSIGN_OR_RETURN(EvaluationSets sets, BuildEvaluationSets(request, data, context));
  const std::string shifted =
      request.corruptions.empty()
          ? ""
          : absl::StrCat(", ", request.corruptions.size(), " corruptions x ", request.severities.size(), " severities");
  progress.Message(absl::StrCat(
      "evaluation sets: ", sets.segments.size() - 1, " beside the test set (", request.ood.size(),
      " out of distribution", shifted, "), ", sets.split.size(), " images, made in ",
      absl::StrFormat("%.1f", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()),
      " s"));
  return std::make_unique<EvaluationSets>(std::move(sets));
}

}  // namespace

absl::Status RunTraining(const RunConfig& config, const Distributed* dist) {
  ENS_ASSIGN_OR_RETURN(Components components, CheckTrainingFlags(config));
  ENS_ASSIGN_OR_RETURN(const RobustnessRequest robustness, ParseRobustnessFlags(config.robustness));
  if (dist && !robustness.empty()) {
    return absl::InvalidArgumentError("--ood / --shift: a distributed run evaluates its test set only; evaluate "
                                      "its members on these sets afterwards with --eval_only");
  }
  if (config.dry_run) return DryRun(config, components);
  const bool rank_zero = dist == nullptr || dist->rank() == 0;
  const absl::StatusOr<torch::Device> found = DeviceFor(config, dist ? dist->local_rank() : 0);
  absl::StatusOr<std::vector<std::pair<double, double>>> reference =  // rank 0 evaluates
      rank_zero ? DeeReferenceOf(config) : std::vector<std::pair<double, double>>{};
  // Until training, every step that can fail on one rank alone is agreed on:
  // a rank that stopped by itself would leave the others waiting.
  const auto agreed = [dist](const std::string& step, const absl::Status& mine) {
    return dist ? dist->Agree(step, mine) : mine;
  };
  ENS_RETURN_IF_ERROR(agreed("choosing the device, reading --dee_reference and the runs named",
                             !found.ok()       ? found.status()
                             : !reference.ok() ? reference.status()
                             : rank_zero       ? CheckRunsNamed(components)
                                               : absl::OkStatus()));
  const torch::Device device = *found;
  std::vector<std::pair<double, double>> dee_reference = *std::move(reference);
  std::string out_dir = UserPath(config.out_dir.empty() ? DefaultOutDir(config, *components.method) : config.out_dir);
  nlohmann::json identity = TrainingIdentity(config, components, device);
  nlohmann::json state_identity;  // rank r > 0: the identity with its rank
  RunDirectoryLock lock;  // this process's directory, held until the job returns
  // Where this process keeps its checkpoints: rank r > 0 in out_dir/rank_<r>.
  std::string state_dir = out_dir;
  // The directories are taken (locked, their contents checked) first, and
  // cleared (--overwrite) only once the dataset, the evaluation sets and the
  // plan are made: a wrong flag must not cost the finished run there.
  if (dist) {
    identity["device"] = device.type() == torch::kCUDA ? "cuda" : "cpu";  // ranks differ in GPU index
    identity["world_size"] = dist->world_size();
    ENS_ASSIGN_OR_RETURN(std::vector<std::string> identities, dist->AllGatherText("identity", identity.dump()));
    const nlohmann::json rank_zero_identity = nlohmann::json::parse(identities[0]);
    for (int r = 1; r < dist->world_size(); ++r) {
      const std::string difference = FirstDifference(nlohmann::json::parse(identities[r]), rank_zero_identity,
                                                     absl::StrCat("on rank ", r), "on rank 0");
      if (!difference.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("distributed: every rank must run the same job, but ", difference));
      }
    }
    ENS_ASSIGN_OR_RETURN(std::vector<std::string> out_dirs, dist->AllGatherText("out_dir", out_dir));
    out_dir = out_dirs[0];  // rank 0's (a default one carries a time stamp)
    if (!rank_zero) state_dir = absl::StrCat(out_dir, "/rank_", dist->rank());
    state_identity = identity;
    state_identity["rank"] = dist->rank();
  }
  // `step` (taking, preparing) on this process's directory: rank 0's
  // --out_dir first (the other ranks' lie in it), then the others'.
  const auto on_directories = [&](const std::string& step,
                                  const std::function<absl::Status(const std::string&, const nlohmann::json&)>& op) {
    if (!dist) return op(out_dir, identity);
    ENS_RETURN_IF_ERROR(dist->Agree(absl::StrCat(step, " --out_dir"), rank_zero ? op(out_dir, identity)
                                                                                  : absl::OkStatus()));
    return dist->Agree(absl::StrCat(step, " the ranks' directories"),
                       rank_zero ? absl::OkStatus() : op(state_dir, state_identity));
  };
  ENS_RETURN_IF_ERROR(on_directories("taking", [&](const std::string& dir, const nlohmann::json& id) {
    return TakeRunDirectory(dir, config, id, &lock);
  }));
  absl::StatusOr<Dataset> loaded = MakeDataset(config.dataset, config.dataset_args, {config.seed});
  ENS_RETURN_IF_ERROR(agreed("loading the dataset", loaded.status()));
  ENS_ASSIGN_OR_RETURN(const Dataset data, std::move(loaded));
  ProgressReporter progress(stderr, isatty(2) != 0);
  progress.Message(absl::StrCat("dataset ", data.name, ": ", data.train.size(), " train / ", data.val.size(),
                                " val / ", data.test.size(), " test, ", data.channels(), "x", data.image_size(), "x",
                                data.image_size(), ", ", data.num_classes, " classes; device ", device.str(),
                                "; threads ", torch::get_num_threads()));
  if (device.is_cpu()) {
    for (const std::string& line : {BlasRestartNote(), BlasKernelWarning()}) {
      if (!line.empty()) progress.Message(line);
    }
  }
  ENS_ASSIGN_OR_RETURN(const std::unique_ptr<EvaluationSets> sets,
                       EvaluationSetsFor(config, robustness, data, device, progress));
  RunResults results;
  results.config = config;
  results.component_params = components.params;
  results.method_capabilities = CapabilitiesOf(*components.method);
  results.device = device.str();
  results.world_size = dist ? dist->world_size() : 1;

  TrainContext context;
  context.data = &data;
  context.device = device;
  context.seed = config.seed;
  context.members = config.members;
  context.epochs = config.epochs;
  context.batch_size = config.batch_size;
  context.lr = config.lr;
  context.optimizer = {config.momentum, config.nesterov, config.weight_decay};
  const Params& model_params = components.model_params;
  context.make_model = ModelMakerOf(config.model, model_params, SpecOf(data));
  context.schedule = config.schedule;
  context.schedule_args = config.schedule_args;
  context.progress = &progress;
  context.history = &results.history;
  Checkpointer checkpointer(CheckpointDir(state_dir));
  context.checkpointer = &checkpointer;
  context.skip_diverged_members = config.on_divergence == "skip_member";
  context.channels_last = config.channels_last;
  context.bf16_autocast = config.autocast == "bf16";
  context.members_together = config.members_together;
  std::vector<int> member_ranks;  // member-parallel: which rank holds each member
  context.distributed = dist;
  context.member_ranks = &member_ranks;
  // The plan's checks that need the data (the method's epochs, the model on
  // this data, room for a checkpoint and a member) also come before the
  // directory is cleared.
  int64_t planned = 0, parameters = 0;
  const bool uses_model = components.method->UsesModelFlag();
  const absl::Status plan = [&]() -> absl::Status {
    ENS_ASSIGN_OR_RETURN(planned, components.method->PlannedEpochs(context));
    if (!uses_model) return absl::OkStatus();  // the pooled runs' members are already trained
    ENS_ASSIGN_OR_RETURN(auto probe, context.make_model(StandardLayers()));
    parameters = CountParameters(*probe);
    // float32 weights: a checkpoint (weights + momentum) and a saved member.
    return CheckFreeSpace(out_dir, 3 * 4 * static_cast<uint64_t>(parameters), "a checkpoint and a member");
  }();
  ENS_RETURN_IF_ERROR(agreed("planning the training", plan));
  ENS_RETURN_IF_ERROR(on_directories("preparing", [&](const std::string& dir, const nlohmann::json& id) {
    return PrepareRunDirectory(dir, config.resume, config.overwrite, id);
  }));
  progress.Plan(planned);
  progress.Message(absl::StrCat("method ", config.method, ", ",
                                uses_model ? absl::StrCat("model ", config.model, " (", parameters, " parameters)")
                                           : "each pooled run's own model",
                                ", ", planned, " epochs of training planned",
                                config.resume ? ", resuming from checkpoints/" : ""));

  const auto start = std::chrono::steady_clock::now();
  ENS_ASSIGN_OR_RETURN(std::unique_ptr<Ensemble> ensemble, components.method->Train(context));
  results.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // A resumed run's training time is also that of the epochs it restored.
  for (const EpochRecord& epoch : results.history) {
    if (epoch.restored) results.train_seconds += epoch.seconds;
  }
  if (!rank_zero) {
    ENS_RETURN_IF_ERROR(ServePredictions(config, *ensemble, data, device, model_params, member_ranks, *dist));
    // Rank 0 says when results.json is written; until then a resume needs
    // this rank's checkpoints.
    torch::Tensor done = torch::zeros({1}, torch::kLong);
    ENS_RETURN_IF_ERROR(dist->Recv(done, 0, kRunDoneTag));
    return RemoveDirectory(state_dir);
  }
  ENS_RETURN_IF_ERROR(ensemble->Save(absl::StrCat(out_dir, "/members")));
  ENS_RETURN_IF_ERROR(EvaluateAndReport(config, out_dir, *ensemble, data, device, model_params,
                                        std::move(dee_reference), &results, &progress, sets.get(), dist,
                                        member_ranks));
  // The run is complete (members/, results.json): its checkpoints go.
  ENS_RETURN_IF_ERROR(RemoveCheckpoints(out_dir));
  for (int r = 1; dist && r < dist->world_size(); ++r) {
    ENS_RETURN_IF_ERROR(dist->Send(torch::ones({1}, torch::kLong), r, kRunDoneTag));
  }
  return absl::OkStatus();
}

absl::Status RunEvalOnly(const RunConfig& flags) {
  if (flags.out_dir.empty()) return absl::InvalidArgumentError("--eval_only needs --out_dir of a finished run");
  const std::string out_dir = UserPath(flags.out_dir);
  // The run's directory is this process's while it writes results.json and
  // predictions/ again (a missing directory: ReadResultsFile names the file).
  RunDirectoryLock lock;
  if (access(out_dir.c_str(), F_OK) == 0) {
    ENS_ASSIGN_OR_RETURN(lock, LockRunDirectory(out_dir));
  }
  ENS_ASSIGN_OR_RETURN(auto dee_reference, DeeReferenceOf(flags));
  ENS_ASSIGN_OR_RETURN(const RobustnessRequest robustness, ParseRobustnessFlags(flags.robustness));
  // Evaluation settings come from this command line; the rest from the run.
  ENS_ASSIGN_OR_RETURN(FinishedRun run, OpenFinishedRun(out_dir, [&flags](RunConfig& config) {
                         config.eval_sizes = flags.eval_sizes;
                         config.eval_batch_size = flags.eval_batch_size;
                         config.cnll_splits = flags.cnll_splits;
                         config.eval_orders = flags.eval_orders;
                         config.dee_reference = flags.dee_reference;
                         config.robustness = flags.robustness;
                         config.device = flags.device;
                         config.channels_last = flags.channels_last;
                         config.cudnn_benchmark = flags.cudnn_benchmark;
                         config.out_dir = flags.out_dir;
                         config.command_line = flags.command_line;
                       }));
  RunResults results;
  results.config = run.config;
  results.component_params = run.components.params;
  results.method_capabilities = CapabilitiesOf(*run.components.method);
  // What the members are was settled when they were made: the run's record
  // stands (a combined run's parts may have moved since, or be unreadable
  // from here).
  const nlohmann::json recorded = run.results.value("method_capabilities", nlohmann::json::object());
  for (const char* key : {"independent_members_on_shared_data", "members_exchangeable"}) {
    if (recorded.is_object() && recorded.contains(key)) results.method_capabilities[key] = recorded[key];
  }
  if (flags.eval_orders > 1 && !results.method_capabilities.value("members_exchangeable", false)) {
    return absl::InvalidArgumentError(absl::StrCat("--eval_orders=", flags.eval_orders, ": ", out_dir,
                                                   "/results.json records members that are not exchangeable"));
  }
  results.device = run.device.str();
  ProgressReporter progress(stderr, isatty(2) != 0);
  ENS_ASSIGN_OR_RETURN(const std::unique_ptr<EvaluationSets> sets,
                       EvaluationSetsFor(run.config, robustness, run.data, run.device, progress));
  // Keep the training history and time of the original run.
  try {
    for (const auto& e : run.results.value("history", nlohmann::json::array())) {
      results.history.push_back(EpochRecordFromJson(e));
    }
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat(out_dir, "/results.json: unreadable history: ", e.what()));
  }
  results.train_seconds = run.results.value("train_seconds", 0.0);
  results.world_size = run.results.value("world_size", 1);
  return EvaluateAndReport(run.config, out_dir, *run.ensemble, run.data, run.device, run.components.model_params,
                           std::move(dee_reference), &results, &progress, sets.get());
}
}  // namespace ens
