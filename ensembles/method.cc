#include "ensembles/method.h"

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/user_path.h"
#include "models/batched.h"

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

namespace {

// Members [first, first + size) trained together as one BatchedNetwork.
absl::StatusOr<std::vector<StateDict>> TrainMembersTogether(
    const TrainContext& context, int64_t first, int64_t size, int64_t count, int64_t epochs,
    const std::function<absl::StatusOr<std::unique_ptr<Schedule>>()>& make_schedule) {
  std::vector<std::shared_ptr<Network>> nets;
  std::vector<uint64_t> seeds;
  for (int64_t m = first; m < first + size; ++m) {
    seeds.push_back(DeriveSeed(context.seed, static_cast<uint64_t>(m)));
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, context.NewModel(seeds.back()));
    nets.push_back(std::move(net));
  }
  const int64_t side = context.data->image_size();
  absl::StatusOr<std::shared_ptr<BatchedNetwork>> together =
      BatchedNetwork::Pack(context.make_model, nets, {context.data->channels(), side, side});
  if (!together.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--members_together: ", together.status().message()));
  }
  ENS_ASSIGN_OR_RETURN(std::unique_ptr<Schedule> schedule, make_schedule());
  // One progress epoch (and one history record) covers the group's members.
  if (context.progress) context.progress->Skip((size - 1) * epochs);
  TrainerOptions options =
      context.TrainerOptionsFor(first, seeds[0], absl::StrCat("members ", first + 1, "-", first + size, "/", count));
  options.member_data_seeds = seeds;
  Trainer trainer(*together, *context.data, options);
  ENS_RETURN_IF_ERROR(trainer.Run(*schedule, epochs, {}, "train"));
  std::vector<StateDict> members;
  for (int64_t k = 0; k < size; ++k) {
    ENS_RETURN_IF_ERROR((*together)->Unpack(k, *nets[k]));
    members.push_back(CaptureState(*nets[k]));
  }
  return members;
}

}  // namespace

absl::StatusOr<std::vector<StateDict>> TrainIndependentMembers(
    const TrainContext& context, int64_t count, int64_t epochs,
    const std::function<absl::StatusOr<std::unique_ptr<Schedule>>()>& make_schedule, const MemberData& member_data) {
  const int64_t group = std::max<int64_t>(1, context.members_together);
  if (group > 1 && member_data) {
    return absl::InvalidArgumentError(
        "--members_together: this method trains each member on its own data; use --members_together=1");
  }
  std::vector<StateDict> members;
  for (int64_t first = 0; first < count; first += group) {
    const int64_t size = std::min(group, count - first);
    if (size > 1) {
      absl::StatusOr<std::vector<StateDict>> trained =
          TrainMembersTogether(context, first, size, count, epochs, make_schedule);
      if (trained.ok()) {
        for (auto& member : *trained) members.push_back(std::move(member));
        continue;
      }
      if (!(context.skip_diverged_members && IsDivergence(trained.status()))) return trained.status();
      // One member's non-finite loss is the group's: find it alone.
      if (context.progress) {
        context.progress->Message(absl::StrCat("members ", first + 1, "-", first + size, " diverged together (",
                                               trained.status().message(), "); training them one at a time"));
        context.progress->Skip(-(size - 1) * epochs);  // their epochs are planned one by one again
      }
    }
    for (int64_t m = first; m < first + size; ++m) {
      const uint64_t member_seed = DeriveSeed(context.seed, static_cast<uint64_t>(m));
      ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, context.NewModel(member_seed));
      ENS_ASSIGN_OR_RETURN(std::unique_ptr<Schedule> schedule, make_schedule());
      Dataset own_data;
      if (member_data) {
        ENS_ASSIGN_OR_RETURN(own_data, member_data(m, member_seed));
      }
      Trainer trainer(net, member_data ? own_data : *context.data,
                      context.TrainerOptionsFor(m, member_seed, absl::StrCat("member ", m + 1, "/", count)));
      absl::Status trained = trainer.Run(*schedule, epochs, {}, "train");
      if (context.skip_diverged_members && IsDivergence(trained)) {
        if (context.progress) context.progress->Message(absl::StrCat("skipped (--on_divergence=skip_member): ",
                                                                     trained.message()));
        continue;
      }
      ENS_RETURN_IF_ERROR(trained);
      members.push_back(CaptureState(*net));
    }
  }
  if (members.empty()) {
    return absl::InternalError(absl::StrCat("training diverged: all ", count, " members; lower --lr"));
  }
  return members;
}

absl::StatusOr<std::shared_ptr<Network>> TrainOrLoadOneNetwork(
    const TrainContext& context, const std::string& method, const std::string& weights_from,
    const std::function<absl::Status(const Network&)>& check) {
  const uint64_t seed = DeriveSeed(context.seed, 0);
  ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, context.NewModel(seed));
  if (check) ENS_RETURN_IF_ERROR(check(*net));
  if (weights_from.empty()) {
    ENS_ASSIGN_OR_RETURN(auto schedule, context.UserSchedule("step", "", context.epochs));
    Trainer trainer(net, *context.data, context.TrainerOptionsFor(0, seed, method));
    ENS_RETURN_IF_ERROR(trainer.Run(*schedule, context.epochs, {}, "train"));
    return net;
  }
  ENS_ASSIGN_OR_RETURN(std::unique_ptr<Ensemble> trained,
                       LoadEnsemble(absl::StrCat(UserPath(weights_from), "/members")));
  if (trained->LayerKind() != "standard") {
    return absl::InvalidArgumentError(absl::StrCat("method '", method, "': weights_from=", weights_from, " holds '",
                                                   trained->LayerKind(), "' layers"));
  }
  absl::Status loaded = trained->PrepareMember(0, *net);
  if (!loaded.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("method '", method, "': weights_from=", weights_from, ": ",
                                                   loaded.message(), " (another --model?)"));
  }
  return net;
}

}  // namespace ens
