#include "driver/run_setup.h"

#include <cmath>
#include <initializer_list>

#include <torch/cuda.h>
#include <torch/types.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"

namespace ens {

absl::StatusOr<torch::Device> ResolveDevice(const std::string& name) {
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

absl::StatusOr<torch::Device> DeviceFor(const RunConfig& config, int local_rank) {
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

absl::StatusOr<Components> ResolveComponents(const RunConfig& config) {
  Components c;
  ENS_ASSIGN_OR_RETURN(const auto* method_entry, MethodRegistry().Find(config.method));
  ENS_ASSIGN_OR_RETURN(Params method_params, Params::Parse(method_entry->schema, config.method_args,
                                                           absl::StrCat("method '", config.method, "'")));
  ENS_ASSIGN_OR_RETURN(c.method, method_entry->factory(method_params));
  if (config.eval_orders > 1 && !c.method->MembersExchangeable()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--eval_orders=", config.eval_orders, ": the members of method '", config.method,
        "' are not exchangeable (", c.method->WhyMembersNotExchangeable(),
        "); averaging over orders is for independently trained members and i.i.d. draws"));
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

namespace {

// "--flag=value must be <allowed>", or OK.
template <typename T>
absl::Status Require(bool ok, absl::string_view flag, const T& value, absl::string_view allowed) {
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("--", flag, "=", value, " must be ", allowed));
}

absl::Status RequireOneOf(absl::string_view flag, const std::string& value,
                          std::initializer_list<absl::string_view> choices) {
  for (absl::string_view choice : choices) {
    if (value == choice) return absl::OkStatus();
  }
  std::vector<absl::string_view> all(choices);
  const std::string listed = all.size() < 2 ? std::string(all.empty() ? "" : all[0])
                                            : absl::StrCat(absl::StrJoin(all.begin(), all.end() - 1, ", "), " or ",
                                                           all.back());
  return absl::InvalidArgumentError(absl::StrCat("--", flag, "='", value, "' must be ", listed));
}

}  // namespace

absl::Status CheckCommonFlags(const RunConfig& c) {
  for (const absl::Status& status : {
           Require(c.members >= 1, "members", c.members, ">= 1"),
           Require(c.epochs >= 1, "epochs", c.epochs, ">= 1"),
           Require(c.batch_size >= 1, "batch_size", c.batch_size, ">= 1"),
           Require(std::isfinite(c.lr) && c.lr > 0, "lr", c.lr, "a finite number > 0"),
           Require(c.momentum >= 0 && c.momentum < 1, "momentum", c.momentum, "in [0, 1)"),
           Require(std::isfinite(c.weight_decay) && c.weight_decay >= 0, "weight_decay", c.weight_decay,
                   "a finite number >= 0"),
           RequireOneOf("on_divergence", c.on_divergence, {"fail", "skip_member"}),
           Require(c.eval_batch_size >= 1, "eval_batch_size", c.eval_batch_size, ">= 1"),
           Require(c.cnll_splits >= 1, "cnll_splits", c.cnll_splits, ">= 1"),
           Require(c.eval_orders >= 1, "eval_orders", c.eval_orders, ">= 1"),
           RequireOneOf("autocast", c.autocast, {"off", "bf16"}),
           Require(c.members_together >= 1, "members_together", c.members_together, ">= 1"),
           Require(c.threads >= 0, "threads", c.threads, ">= 0 (0: every core)"),
           Require(c.iters_per_epoch >= 0, "iters_per_epoch", c.iters_per_epoch, ">= 0 (0: from the dataset)"),
       }) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

ModelSpec SpecOf(const Dataset& data) { return {data.channels(), data.image_size(), data.num_classes}; }

}  // namespace ens
