#include "ensembles/method.h"

#include <torch/types.h>
#include <torch/utils.h>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace ens {

Registry<MethodFactory>& MethodRegistry() {
  static auto* registry = new Registry<MethodFactory>("method", "--method");
  return *registry;
}

absl::StatusOr<std::unique_ptr<Method>> MakeMethod(absl::string_view name, absl::string_view args) {
  ENS_ASSIGN_OR_RETURN(const auto* entry, MethodRegistry().Find(name));
  ENS_ASSIGN_OR_RETURN(Params params, Params::Parse(entry->schema, args, absl::StrCat("method '", name, "'")));
  return entry->factory(params);
}

std::vector<std::string> MethodsThat(const std::function<bool(const Method&)>& capability) {
  std::vector<std::string> names;
  for (const auto* entry : MethodRegistry().Entries()) {
    auto made = MakeMethod(entry->name, "");
    if (made.ok() && capability(**made)) names.push_back(entry->name);
  }
  return names;
}

int64_t TrainContext::iterations_per_epoch() const {
  return IterationsPerEpoch(data->train.size(), batch_size);
}

absl::StatusOr<std::shared_ptr<Network>> TrainContext::NewModel(uint64_t init_seed, LayerFactory& layers) const {
  torch::manual_seed(init_seed);
  ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, make_model(layers));
  net->to(device);
  return net;
}

TrainerOptions TrainContext::TrainerOptionsFor(int64_t member, uint64_t data_seed, const std::string& label) const {
  TrainerOptions options;
  options.device = device;
  options.batch_size = batch_size;
  options.optimizer = optimizer;
  options.data_seed = data_seed;
  options.member = member;
  options.label = label;
  options.progress = progress;
  options.history = history;
  options.checkpointer = checkpointer;
  options.channels_last = channels_last;
  options.bf16_autocast = bf16_autocast;
  options.data_parallel = distributed;
  return options;
}

absl::Status CollectAtIterations::RestoreState(const std::vector<torch::Tensor>& state, const Network& net) {
  size_t offset = 0;
  ENS_ASSIGN_OR_RETURN(collected_, ReadStateList(state, offset, net));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Schedule>> TrainContext::NamedSchedule(const std::string& name,
                                                                      const std::string& args,
                                                                      int64_t epochs) const {
  const int64_t per_epoch = iterations_per_epoch();
  return MakeSchedule(name, args, ScheduleContext{epochs * per_epoch, per_epoch, lr});
}

absl::StatusOr<std::unique_ptr<Schedule>> TrainContext::UserSchedule(const std::string& default_name,
                                                                     const std::string& default_args,
                                                                     int64_t epochs) const {
  if (schedule.empty()) return NamedSchedule(default_name, default_args, epochs);
  return NamedSchedule(schedule, schedule_args, epochs);
}

}  // namespace ens
