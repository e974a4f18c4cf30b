// TrainIndependentMembers: the members of a deep ensemble and its relatives,
// one at a time, several together as one batched network, or spread over
// the processes of a distributed run and gathered on rank 0.
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "engine/message_tags.h"
#include "ensembles/method.h"
#include "models/batched.h"

namespace ens {

namespace {

// "member 3/5", "members 1-2/5", "members 1,4/5".
std::string MembersLabel(const std::vector<int64_t>& members, int64_t count) {
  std::vector<std::string> numbers;
  for (int64_t m : members) numbers.push_back(absl::StrCat(m + 1));
  const bool contiguous = members.back() - members.front() + 1 == static_cast<int64_t>(members.size());
  if (members.size() == 1) return absl::StrCat("member ", numbers[0], "/", count);
  if (contiguous) return absl::StrCat("members ", numbers.front(), "-", numbers.back(), "/", count);
  return absl::StrCat("members ", absl::StrJoin(numbers, ","), "/", count);
}

// `members` trained together as one BatchedNetwork.
absl::StatusOr<std::vector<StateDict>> TrainMembersTogether(
    const TrainContext& context, const std::vector<int64_t>& members, int64_t count, int64_t epochs,
    const std::function<absl::StatusOr<std::unique_ptr<Schedule>>()>& make_schedule) {
  std::vector<std::shared_ptr<Network>> nets;
  std::vector<uint64_t> seeds;
  for (int64_t m : members) {
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
  const int64_t size = static_cast<int64_t>(members.size());
  // One progress epoch (and one history record) covers the group's members.
  if (context.progress) context.progress->Skip((size - 1) * epochs);
  TrainerOptions options = context.TrainerOptionsFor(members[0], seeds[0], MembersLabel(members, count));
  options.member_data_seeds = seeds;
  Trainer trainer(*together, *context.data, options);
  ENS_RETURN_IF_ERROR(trainer.Run(*schedule, epochs, {}, "train"));
  std::vector<StateDict> trained;
  for (int64_t k = 0; k < size; ++k) {
    ENS_RETURN_IF_ERROR((*together)->Unpack(k, *nets[k]));
    trained.push_back(CaptureState(*nets[k]));
  }
  return trained;
}

// Trains `members` (all, or this rank's) and returns them as (member, weights)
// in order, without the ones skipped for divergence.
absl::StatusOr<std::vector<std::pair<int64_t, StateDict>>> TrainTheseMembers(
    const TrainContext& context, const std::vector<int64_t>& members, int64_t count, int64_t epochs,
    const std::function<absl::StatusOr<std::unique_ptr<Schedule>>()>& make_schedule, const MemberData& member_data) {
  const size_t group = static_cast<size_t>(std::max<int64_t>(1, context.members_together));
  std::vector<std::pair<int64_t, StateDict>> trained;
  for (size_t first = 0; first < members.size(); first += group) {
    const std::vector<int64_t> these(members.begin() + first, members.begin() + std::min(members.size(), first + group));
    const int64_t size = static_cast<int64_t>(these.size());
    if (size > 1) {
      absl::StatusOr<std::vector<StateDict>> together =
          TrainMembersTogether(context, these, count, epochs, make_schedule);
      if (together.ok()) {
        for (int64_t k = 0; k < size; ++k) trained.emplace_back(these[k], std::move((*together)[k]));
        continue;
      }
      if (!(context.skip_diverged_members && IsDivergence(together.status()))) return together.status();
      // One member's non-finite loss is the group's: find it alone.
      if (context.progress) {
        context.progress->Message(absl::StrCat(MembersLabel(these, count), " diverged together (",
                                               together.status().message(), "); training them one at a time"));
        context.progress->Skip(-(size - 1) * epochs);  // their epochs are planned one by one again
      }
    }
    for (int64_t m : these) {
      const uint64_t member_seed = DeriveSeed(context.seed, static_cast<uint64_t>(m));
      ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, context.NewModel(member_seed));
      ENS_ASSIGN_OR_RETURN(std::unique_ptr<Schedule> schedule, make_schedule());
      Dataset own_data;
      if (member_data) {
        ENS_ASSIGN_OR_RETURN(own_data, member_data(m, member_seed));
      }
      Trainer trainer(net, member_data ? own_data : *context.data,
                      context.TrainerOptionsFor(m, member_seed, MembersLabel({m}, count)));
      absl::Status status = trainer.Run(*schedule, epochs, {}, "train");
      if (context.skip_diverged_members && IsDivergence(status)) {
        if (context.progress) context.progress->Message(absl::StrCat("skipped (--on_divergence=skip_member): ",
                                                                     status.message()));
        continue;
      }
      ENS_RETURN_IF_ERROR(status);
      trained.emplace_back(m, CaptureState(*net));
    }
  }
  return trained;
}

// Member-parallel: rank 0 collects every rank's members and history, orders
// them as one process would have, and tells every rank the final order.
absl::StatusOr<std::vector<StateDict>> GatherMembers(const TrainContext& context, int64_t count,
                                                     absl::StatusOr<std::vector<std::pair<int64_t, StateDict>>> mine,
                                                     size_t history_before) {
  const Distributed& dist = *context.distributed;
  std::vector<EpochRecord> new_history;
  if (context.history) {
    new_history.assign(context.history->begin() + history_before, context.history->end());
    context.history->resize(history_before);
  }
  std::vector<std::pair<int64_t, StateDict>> all;
  if (dist.rank() != 0) {
    nlohmann::json header = {{"error", mine.ok() ? "" : std::string(mine.status().message())}};
    header["members"] = nlohmann::json::array();
    header["history"] = nlohmann::json::array();
    std::vector<torch::Tensor> flat;
    if (mine.ok()) {
      std::vector<StateDict> states;
      for (auto& [m, state] : *mine) {
        header["members"].push_back(m);
        states.push_back(state);
      }
      for (const auto& record : new_history) header["history"].push_back(EpochRecordToJson(record));
      AppendStateList(states, flat);
    }
    ENS_RETURN_IF_ERROR(dist.SendBytes(header.dump(), 0, kMembersHeaderTag));
    if (!mine.ok()) return mine.status();
    ENS_RETURN_IF_ERROR(dist.SendTensors(flat, 0, kMembersWeightsTag));
    all = std::move(*mine);  // kept for evaluation here
  } else {
    ENS_RETURN_IF_ERROR(mine.status());
    all = std::move(*mine);
    // The received weights' names and shapes (a network of the architecture).
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> probe, context.make_model(StandardLayers()));
    for (int r = 1; r < dist.world_size(); ++r) {
      ENS_ASSIGN_OR_RETURN(std::string text, dist.RecvBytes(r, kMembersHeaderTag));
      const nlohmann::json header = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (header.is_discarded() || !header.contains("error")) {
        return absl::DataLossError(absl::StrCat("distributed: rank ", r, " sent an unreadable member list"));
      }
      if (!header["error"].get<std::string>().empty()) {
        return absl::AbortedError(absl::StrCat("rank ", r, " of ", dist.world_size(), " failed: ",
                                               header["error"].get<std::string>()));
      }
      ENS_ASSIGN_OR_RETURN(std::vector<torch::Tensor> flat, dist.RecvTensors(r, kMembersWeightsTag));
      size_t offset = 0;
      ENS_ASSIGN_OR_RETURN(std::vector<StateDict> states, ReadStateList(flat, offset, *probe));
      const auto& indices = header["members"];
      if (indices.size() != states.size()) {
        return absl::DataLossError(absl::StrCat("distributed: rank ", r, " sent ", states.size(),
                                                " members for a list of ", indices.size()));
      }
      for (size_t k = 0; k < states.size(); ++k) all.emplace_back(indices[k].get<int64_t>(), std::move(states[k]));
      for (const auto& record : header["history"]) new_history.push_back(EpochRecordFromJson(record));
    }
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::stable_sort(new_history.begin(), new_history.end(),
                     [](const EpochRecord& a, const EpochRecord& b) { return a.member < b.member; });
    if (context.history) context.history->insert(context.history->end(), new_history.begin(), new_history.end());
  }
  // The final order (diverged members left out), from rank 0 to everyone
  // (point to point: a rank with fewer members may wait long for it).
  std::string order_text;
  if (dist.rank() == 0) {
    nlohmann::json order = nlohmann::json::array();
    for (const auto& entry : all) order.push_back(entry.first);
    order_text = order.dump();
    for (int r = 1; r < dist.world_size(); ++r) ENS_RETURN_IF_ERROR(dist.SendBytes(order_text, r, kMemberOrderTag));
  } else {
    ENS_ASSIGN_OR_RETURN(order_text, dist.RecvBytes(0, kMemberOrderTag));
  }
  const nlohmann::json final_order = nlohmann::json::parse(order_text, nullptr, false);
  if (final_order.is_discarded() || !final_order.is_array()) {
    return absl::DataLossError("distributed: rank 0 sent an unreadable member order");
  }
  if (final_order.empty()) {
    return DivergenceError(absl::StrCat("training diverged: all ", count, " members; lower --lr"));
  }
  std::vector<StateDict> members(final_order.size());
  if (context.member_ranks) context.member_ranks->assign(final_order.size(), 0);
  for (size_t j = 0; j < final_order.size(); ++j) {
    const int64_t m = final_order[j].get<int64_t>();
    if (context.member_ranks) (*context.member_ranks)[j] = static_cast<int>(m % dist.world_size());
    for (auto& entry : all) {
      if (entry.first == m) members[j] = std::move(entry.second);
    }
  }
  return members;
}

}  // namespace

absl::StatusOr<std::vector<StateDict>> TrainIndependentMembers(
    const TrainContext& context, int64_t count, int64_t epochs,
    const std::function<absl::StatusOr<std::unique_ptr<Schedule>>()>& make_schedule, const MemberData& member_data) {
  if (context.members_together > 1 && member_data) {
    return absl::InvalidArgumentError(
        "--members_together: this method trains each member on its own data; use --members_together=1");
  }
  // Several processes share the members (one member: they share its batches).
  const bool member_parallel = context.distributed != nullptr && count > 1;
  TrainContext local = context;
  std::vector<int64_t> mine;
  for (int64_t m = 0; m < count; ++m) {
    if (!member_parallel || m % context.distributed->world_size() == context.distributed->rank()) mine.push_back(m);
  }
  if (member_parallel) {
    local.distributed = nullptr;  // each member trains in one process
    // This rank's progress and ETA cover its own members.
    if (context.progress) context.progress->Skip((count - static_cast<int64_t>(mine.size())) * epochs);
  }
  const size_t history_before = context.history ? context.history->size() : 0;
  auto trained = TrainTheseMembers(local, mine, count, epochs, make_schedule, member_data);
  if (member_parallel) return GatherMembers(context, count, std::move(trained), history_before);
  ENS_RETURN_IF_ERROR(trained.status());
  if (trained->empty()) {
    return DivergenceError(absl::StrCat("training diverged: all ", count, " members; lower --lr"));
  }
  std::vector<StateDict> members;
  for (auto& entry : *trained) members.push_back(std::move(entry.second));
  return members;
}

}  // namespace ens
