#include "driver/run_setup.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include "absl/strings/numbers.h"
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

}  // namespace ens
