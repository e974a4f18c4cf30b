#include "driver/job.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <limits>
#include <memory>
#include <sstream>

#include <torch/cuda.h>
#include <torch/torch.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/atomic_file.h"
#include "core/cpu_threads.h"
#include "core/evaluator.h"
#include "core/message_tags.h"
#include "core/status_macros.h"
#include "core/trainer.h"
#include "datasets/batches.h"
#include "driver/results.h"
#include "driver/results_file.h"
#include "driver/run_directory.h"
#include "core/user_path.h"
#include "ensembles/method.h"

namespace ens {
namespace {

absl::StatusOr<torch::Device> ResolveDevice(const std::string& name) {
  // A CPU run never touches the CUDA runtime.
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name != "auto" && name != "cuda") {
    return absl::InvalidArgumentError(absl::StrCat("--device='", name, "' must be cpu, cuda or auto"));
  }
  const bool cuda = torch::cuda::is_available();
  if (name == "auto") return cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  if (!cuda) {
    return absl::FailedPreconditionError(
        "--device=cuda: no CUDA device is available (this LibTorch has no CUDA support or no GPU is visible)");
  }
  return torch::Device(torch::kCUDA);
}

// The run's device, with cuDNN's algorithm search as --cudnn_benchmark says;
// a rank of a distributed job takes GPU LOCAL_RANK (modulo the count).
absl::StatusOr<torch::Device> DeviceFor(const RunConfig& config, int local_rank = 0) {
  ENS_ASSIGN_OR_RETURN(torch::Device device, ResolveDevice(config.device));
  if (device.is_cuda()) {
    at::globalContext().setBenchmarkCuDNN(config.cudnn_benchmark);
    if (local_rank > 0) {
      device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank % torch::cuda::device_count()));
    }
  }
  return device;
}

absl::StatusOr<std::vector<int64_t>> ParseEvalSizes(const std::string& text, int64_t ensemble_size) {
  std::vector<int64_t> sizes;
  if (text.empty()) {
    for (int64_t k = 1; k <= ensemble_size; ++k) sizes.push_back(k);
    return sizes;
  }
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    int64_t k = 0;
    if (!absl::SimpleAtoi(part, &k) || k < 1 || k > ensemble_size || (!sizes.empty() && k <= sizes.back())) {
      return absl::InvalidArgumentError(absl::StrCat("--eval_sizes: '", part,
                                                     "' must be ascending integers in [1, ", ensemble_size,
                                                     "] (the ensemble size)"));
    }
    sizes.push_back(k);
  }
  return sizes;
}

std::string DefaultOutDir(const RunConfig& config) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", std::localtime(&now));
  return absl::StrCat("runs/", config.method, "_", config.model, "_", config.dataset, "_", stamp);
}

// Resolves every component and parses every argument list before any work.
struct Components {
  std::unique_ptr<Method> method;
  Params model_params;
  std::map<std::string, std::map<std::string, std::string>> params;
};

absl::StatusOr<Components> ResolveComponents(const RunConfig& config) {
  Components c;
  ENS_ASSIGN_OR_RETURN(const auto* method_entry, MethodRegistry().Find(config.method));
  ENS_ASSIGN_OR_RETURN(Params method_params, Params::Parse(method_entry->schema, config.method_args,
                                                           absl::StrCat("method '", config.method, "'")));
  ENS_ASSIGN_OR_RETURN(c.method, method_entry->factory(method_params));
  if (config.eval_orders > 1 && !c.method->MembersExchangeable()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--eval_orders=", config.eval_orders, ": method '", config.method,
        "' makes its members in a sequence (its curve over sizes follows it); averaging over orders is for "
        "independently trained members and i.i.d. draws"));
  }
  ENS_ASSIGN_OR_RETURN(const auto* model_entry, ModelRegistry().Find(config.model));
  ENS_ASSIGN_OR_RETURN(c.model_params, Params::Parse(model_entry->schema, config.model_args,
                                                     absl::StrCat("model '", config.model, "'")));
  ENS_ASSIGN_OR_RETURN(const auto* dataset_entry, DatasetRegistry().Find(config.dataset));
  ENS_ASSIGN_OR_RETURN(Params dataset_params, Params::Parse(dataset_entry->schema, config.dataset_args,
                                                            absl::StrCat("dataset '", config.dataset, "'")));
  c.params["method"] = method_params.AsStrings();
  c.params["model"] = c.model_params.AsStrings();
  c.params["dataset"] = dataset_params.AsStrings();
  if (!config.schedule.empty()) {
    if (!c.method->TakesUserSchedule()) {
      return absl::InvalidArgumentError(absl::StrCat("method '", config.method,
                                                     "' sets its own schedule; use --method_args instead of --schedule"));
    }
    ENS_ASSIGN_OR_RETURN(const auto* schedule_entry, ScheduleRegistry().Find(config.schedule));
    ENS_ASSIGN_OR_RETURN(Params schedule_params, Params::Parse(schedule_entry->schema, config.schedule_args,
                                                               absl::StrCat("schedule '", config.schedule, "'")));
    c.params["schedule"] = schedule_params.AsStrings();
  } else if (!config.schedule_args.empty()) {
    return absl::InvalidArgumentError("--schedule_args needs --schedule");
  }
  return c;
}

absl::Status CheckCommonFlags(const RunConfig& config) {
  if (config.members < 1) return absl::InvalidArgumentError(absl::StrCat("--members=", config.members, " must be >= 1"));
  if (config.epochs < 1) return absl::InvalidArgumentError(absl::StrCat("--epochs=", config.epochs, " must be >= 1"));
  if (config.batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--batch_size=", config.batch_size, " must be >= 1"));
  }
  if (!(config.lr > 0)) return absl::InvalidArgumentError(absl::StrCat("--lr=", config.lr, " must be > 0"));
  if (config.momentum < 0 || config.momentum >= 1) {
    return absl::InvalidArgumentError(absl::StrCat("--momentum=", config.momentum, " must be in [0, 1)"));
  }
  if (config.weight_decay < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--weight_decay=", config.weight_decay, " must be >= 0"));
  }
  if (config.on_divergence != "fail" && config.on_divergence != "skip_member") {
    return absl::InvalidArgumentError(
        absl::StrCat("--on_divergence='", config.on_divergence, "' must be fail or skip_member"));
  }
  if (config.eval_batch_size < 1 || config.cnll_splits < 1 || config.eval_orders < 1) {
    return absl::InvalidArgumentError("--eval_batch_size, --cnll_splits and --eval_orders must be >= 1");
  }
  if (config.autocast != "off" && config.autocast != "bf16") {
    return absl::InvalidArgumentError(absl::StrCat("--autocast='", config.autocast, "' must be off or bf16"));
  }
  if (config.members_together < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--members_together=", config.members_together, " must be >= 1"));
  }
  return absl::OkStatus();
}

ModelSpec SpecOf(const Dataset& data) { return {data.channels(), data.image_size(), data.num_classes}; }

// What evaluating an ensemble needs: the options, the batch maker, and the
// context the ensemble predicts its members in (networks of the run's
// architecture; BatchNorm recomputation reads the training split).
struct EvalSetup {
  EvalOptions options;
  std::unique_ptr<BatchMaker> batches;
  std::unique_ptr<MemberContext> context;
};

absl::StatusOr<EvalSetup> SetUpEvaluation(const RunConfig& config, const Ensemble& ensemble, const Dataset& data,
                                          torch::Device device, const Params& model_params) {
  EvalSetup setup;
  EvalOptions& options = setup.options;
  ENS_ASSIGN_OR_RETURN(options.sizes, ParseEvalSizes(config.eval_sizes, ensemble.size()));
  options.cnll_splits = config.cnll_splits;
  options.orders = config.eval_orders;
  options.seed = config.seed;
  setup.batches = std::make_unique<BatchMaker>(data, device, config.channels_last);
  const BatchMaker* batches = setup.batches.get();
  const int64_t batch_size = config.batch_size;
  setup.context = std::make_unique<MemberContext>(
      data.test, *batches, config.eval_batch_size,
      NetworksOf(ModelMakerOf(config.model, model_params, SpecOf(data)), device, config.channels_last),
      [&data, batches, batch_size](Network& member) { return RecomputeBatchNorm(member, data, *batches, batch_size); });
  return setup;
}

// Distributed evaluation: member i's predictions come from the rank that
// holds it (member-parallel: the one that trained it; otherwise i mod W).
int RankOfMember(int64_t member, const std::vector<int>& member_ranks, const Distributed& dist) {
  return member < static_cast<int64_t>(member_ranks.size()) ? member_ranks[member]
                                                            : static_cast<int>(member % dist.world_size());
}

// Rank > 0: computes its members' test predictions and sends them to rank 0.
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

// Evaluates `ensemble`, writes predictions/ and results.json, prints the table.
// With `dist` (rank 0), other ranks' members' predictions are received.
absl::Status EvaluateAndReport(const RunConfig& config, const std::string& out_dir, const Ensemble& ensemble,
                               const Dataset& data, torch::Device device, const Params& model_params,
                               std::vector<std::pair<double, double>> dee_reference, RunResults* results,
                               ProgressReporter* progress, const Distributed* dist = nullptr,
                               const std::vector<int>& member_ranks = {}) {
  ENS_ASSIGN_OR_RETURN(EvalSetup setup, SetUpEvaluation(config, ensemble, data, device, model_params));
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
  const auto start = std::chrono::steady_clock::now();
  ENS_ASSIGN_OR_RETURN(results->metrics, EvaluateEnsemble(ensemble, *setup.context, options, progress));
  results->eval_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  results->ensemble_size = ensemble.size();
  results->combination = ensemble.combination().ToJson();
  ENS_RETURN_IF_ERROR(
      WriteFileAtomically(absl::StrCat(out_dir, "/results.json"), ResultsToJson(*results).dump(2) + "\n"));
  std::printf("%s", FormatMetricsTable(absl::StrCat(config.method, " / ", config.model, " / ", config.dataset,
                                                    " (", ensemble.size(), " members, ", results->device,
                                                    config.eval_orders > 1
                                                        ? absl::StrCat("; each size the mean of ", config.eval_orders,
                                                                       " member orders")
                                                        : "",
                                                    ")"),
                                       results->metrics)
                        .c_str());
  std::printf("results: %s/results.json\n", out_dir.c_str());
  return absl::OkStatus();
}

// What defines the training of a run (a resumed run must match it): every
// component with its parsed parameters, the budget, optimiser, seed, device.
nlohmann::json TrainingIdentity(const RunConfig& c, const Components& components, torch::Device device) {
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [component, values] : components.params) params[component] = values;
  return {{"method", c.method},     {"model", c.model},       {"dataset", c.dataset},
          {"schedule", c.schedule}, {"params", params},       {"members", c.members},
          {"epochs", c.epochs},     {"batch_size", c.batch_size}, {"lr", c.lr},
          {"momentum", c.momentum}, {"nesterov", c.nesterov}, {"weight_decay", c.weight_decay},
          {"seed", c.seed},         {"device", device.str()}, {"on_divergence", c.on_divergence},
          {"channels_last", c.channels_last}, {"autocast", c.autocast}, {"members_together", c.members_together}};
}

// The deep-ensemble curve for DEE, read before any training starts.
absl::StatusOr<std::vector<std::pair<double, double>>> DeeReferenceOf(const RunConfig& config) {
  if (config.dee_reference.empty()) return std::vector<std::pair<double, double>>{};
  return ReadDeeReference(UserPath(config.dee_reference));
}

}  // namespace

absl::Status PrintLearningRates(const RunConfig& config, std::FILE* out) {
  if (config.schedule.empty()) return absl::InvalidArgumentError("--print_lr needs --schedule");
  ENS_RETURN_IF_ERROR(CheckCommonFlags(config));
  int64_t per_epoch = config.iters_per_epoch;
  if (per_epoch < 0) return absl::InvalidArgumentError("--iters_per_epoch must be >= 0");
  if (per_epoch == 0) {
    ENS_ASSIGN_OR_RETURN(const Dataset data, MakeDataset(config.dataset, config.dataset_args, {config.seed}));
    per_epoch = IterationsPerEpoch(data.train.size(), config.batch_size);
  }
  const int64_t total = config.epochs * per_epoch;
  ENS_ASSIGN_OR_RETURN(auto schedule,
                       MakeSchedule(config.schedule, config.schedule_args, ScheduleContext{total, per_epoch, config.lr}));
  std::fprintf(out, "iteration,lr\n");
  for (int64_t t = 1; t <= total; ++t) std::fprintf(out, "%lld,%.10g\n", static_cast<long long>(t), schedule->LearningRate(t));
  return absl::OkStatus();
}

absl::Status DescribeModel(const RunConfig& config, const std::string& input_shape, int64_t num_classes,
                           std::FILE* out) {
  std::vector<int64_t> shape;
  bool valid = true;
  for (absl::string_view part : absl::StrSplit(input_shape, 'x')) {
    int64_t value = 0;
    valid &= absl::SimpleAtoi(part, &value) && value >= 1;
    shape.push_back(value);
  }
  if (!valid || shape.size() != 3 || shape[1] != shape[2]) {
    return absl::InvalidArgumentError(
        absl::StrCat("--input_shape='", input_shape, "' must be CxHxW with H = W, e.g. 3x32x32"));
  }
  if (num_classes < 2) return absl::InvalidArgumentError("--num_classes must be >= 2");
  ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net,
                       MakeModel(config.model, config.model_args, ModelSpec{shape[0], shape[1], num_classes},
                                 StandardLayers()));
  std::fprintf(out, "%s (%s) for %s input, %lld classes\n", config.model.c_str(), config.model_args.c_str(),
               input_shape.c_str(), static_cast<long long>(num_classes));
  for (const auto& child : net->named_children()) {
    std::ostringstream text;
    child.value()->pretty_print(text);
    std::string description = text.str();
    constexpr absl::string_view kAnonymous = "(anonymous namespace)::";
    const size_t anonymous = description.find(kAnonymous.data());
    if (anonymous != std::string::npos) description = description.substr(anonymous + kAnonymous.size());
    std::fprintf(out, "  %-22s %-48s %12lld\n", child.key().c_str(), description.c_str(),
                 static_cast<long long>(CountParameters(*child.value())));
  }
  torch::NoGradGuard no_grad;
  net->eval();
  const torch::Tensor logits = net->forward(torch::zeros({1, shape[0], shape[1], shape[2]}));
  std::fprintf(out, "output: [%lld, %lld]\n", static_cast<long long>(logits.size(0)),
               static_cast<long long>(logits.size(1)));
  std::fprintf(out, "parameters: %lld\n", static_cast<long long>(CountParameters(*net)));
  return absl::OkStatus();
}

absl::Status RunTraining(const RunConfig& config, const Distributed* dist) {
  ENS_RETURN_IF_ERROR(CheckCommonFlags(config));
  ENS_ASSIGN_OR_RETURN(Components components, ResolveComponents(config));
  if (config.members_together > 1 && !components.method->TrainsMembersTogether()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--members_together: method '", config.method, "' does not train independent members on shared data (",
        absl::StrJoin(MethodsThat([](const Method& m) { return m.TrainsMembersTogether(); }), ", "), " do)"));
  }
  if (config.dry_run) {
    if (config.device != "cpu" && config.device != "cuda" && config.device != "auto") {
      return ResolveDevice(config.device).status();
    }
    if (!config.eval_sizes.empty()) {
      ENS_RETURN_IF_ERROR(ParseEvalSizes(config.eval_sizes, std::numeric_limits<int64_t>::max()).status());
    }
    std::printf("ok: method %s, model %s, dataset %s, %lld members, %lld epochs, device %s (not run: --dry_run)\n",
                config.method.c_str(), config.model.c_str(), config.dataset.c_str(),
                static_cast<long long>(config.members), static_cast<long long>(config.epochs), config.device.c_str());
    return absl::OkStatus();
  }
  ENS_ASSIGN_OR_RETURN(const torch::Device device, DeviceFor(config, dist ? dist->local_rank() : 0));
  const bool rank_zero = dist == nullptr || dist->rank() == 0;
  std::vector<std::pair<double, double>> dee_reference;  // rank 0 evaluates
  if (rank_zero) {
    ENS_ASSIGN_OR_RETURN(dee_reference, DeeReferenceOf(config));
  }
  // The form of --eval_sizes is checked now; the bound once the ensemble exists.
  if (!config.eval_sizes.empty()) {
    ENS_RETURN_IF_ERROR(ParseEvalSizes(config.eval_sizes, std::numeric_limits<int64_t>::max()).status());
  }
  if (config.resume && config.out_dir.empty()) return absl::InvalidArgumentError("--resume needs --out_dir");
  std::string out_dir = UserPath(config.out_dir.empty() ? DefaultOutDir(config) : config.out_dir);
  nlohmann::json identity = TrainingIdentity(config, components, device);
  // Where this process keeps its checkpoints: rank r > 0 in out_dir/rank_<r>.
  std::string state_dir = out_dir;
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
    // Rank 0's directory first (--overwrite clears it), then the others'.
    ENS_RETURN_IF_ERROR(dist->Agree("preparing --out_dir", rank_zero ? PrepareRunDirectory(out_dir, config.resume,
                                                                                           config.overwrite, identity)
                                                                      : absl::OkStatus()));
    identity["rank"] = dist->rank();
    ENS_RETURN_IF_ERROR(dist->Agree("preparing the ranks' directories",
                                    rank_zero ? absl::OkStatus()
                                              : PrepareRunDirectory(state_dir, config.resume, config.overwrite,
                                                                    identity)));
  } else {
    ENS_RETURN_IF_ERROR(PrepareRunDirectory(out_dir, config.resume, config.overwrite, identity));
  }
  ENS_ASSIGN_OR_RETURN(const Dataset data, MakeDataset(config.dataset, config.dataset_args, {config.seed}));
  ProgressReporter progress(stderr, isatty(2) != 0);
  progress.Message(absl::StrCat("dataset ", data.name, ": ", data.train.size(), " train / ", data.val.size(),
                                " val / ", data.test.size(), " test, ", data.channels(), "x", data.image_size(), "x",
                                data.image_size(), ", ", data.num_classes, " classes; device ", device.str(),
                                "; threads ", torch::get_num_threads()));
  if (device.is_cpu()) {
    if (const std::string warning = BlasKernelWarning(); !warning.empty()) progress.Message(warning);
  }
  RunResults results;
  results.config = config;
  results.component_params = components.params;
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
  ENS_ASSIGN_OR_RETURN(const int64_t planned, components.method->PlannedEpochs(context));
  progress.Plan(planned);
  {
    ENS_ASSIGN_OR_RETURN(auto probe, context.make_model(StandardLayers()));
    const int64_t parameters = CountParameters(*probe);
    progress.Message(absl::StrCat("method ", config.method, ", model ", config.model, " (", parameters,
                                  " parameters), ", planned, " epochs of training planned",
                                  config.resume ? ", resuming from checkpoints/" : ""));
    // float32 weights: a checkpoint (weights + momentum) and a saved member.
    ENS_RETURN_IF_ERROR(CheckFreeSpace(out_dir, 3 * 4 * static_cast<uint64_t>(parameters),
                                       "a checkpoint and a member"));
  }

  const auto start = std::chrono::steady_clock::now();
  ENS_ASSIGN_OR_RETURN(std::unique_ptr<Ensemble> ensemble, components.method->Train(context));
  results.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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
                                        std::move(dee_reference), &results, &progress, dist, member_ranks));
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
  const std::string results_path = absl::StrCat(out_dir, "/results.json");
  ENS_ASSIGN_OR_RETURN(nlohmann::json previous, ReadResultsFile(results_path));
  ENS_ASSIGN_OR_RETURN(RunConfig config, ConfigFromResults(previous, results_path));
  // Evaluation settings come from this command line; the rest from the run.
  config.eval_sizes = flags.eval_sizes;
  config.eval_batch_size = flags.eval_batch_size;
  config.cnll_splits = flags.cnll_splits;
  config.eval_orders = flags.eval_orders;
  config.dee_reference = flags.dee_reference;
  config.device = flags.device;
  config.channels_last = flags.channels_last;
  config.cudnn_benchmark = flags.cudnn_benchmark;
  config.out_dir = flags.out_dir;
  config.command_line = flags.command_line;
  ENS_RETURN_IF_ERROR(CheckCommonFlags(config));
  ENS_ASSIGN_OR_RETURN(Components components, ResolveComponents(config));
  ENS_ASSIGN_OR_RETURN(const torch::Device device, DeviceFor(config));
  ENS_ASSIGN_OR_RETURN(auto dee_reference, DeeReferenceOf(config));
  ENS_ASSIGN_OR_RETURN(const Dataset data, MakeDataset(config.dataset, config.dataset_args, {config.seed}));
  ENS_ASSIGN_OR_RETURN(std::unique_ptr<Ensemble> ensemble, LoadEnsemble(absl::StrCat(out_dir, "/members")));
  RunResults results;
  results.config = config;
  results.component_params = components.params;
  results.device = device.str();
  ProgressReporter progress(stderr, isatty(2) != 0);
  // Keep the training history and time of the original run.
  for (const auto& e : previous.value("history", nlohmann::json::array())) {
    results.history.push_back({e.value("member", int64_t{0}), e.value("phase", std::string()),
                               e.value("epoch", int64_t{0}), e.value("lr", 0.0),
                               e["loss"].is_number() ? e["loss"].get<double>() : NAN, e.value("accuracy", 0.0),
                               e.value("seconds", 0.0), e.value("images_per_sec", 0.0)});
  }
  results.train_seconds = previous.value("train_seconds", 0.0);
  results.world_size = previous.value("world_size", 1);
  return EvaluateAndReport(config, out_dir, *ensemble, data, device, components.model_params,
                           std::move(dee_reference), &results, &progress);
}

}  // namespace ens
