#include "driver/inspect.h"

#include <sstream>

#include <torch/types.h>
#include <torch/utils.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"
#include "driver/run_setup.h"
#include "engine/trainer.h"

namespace ens {

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
}  // namespace ens
