#include "ensembles/pooled_ensemble.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/atomic_file.h"
#include "core/status_macros.h"
#include "datasets/batches.h"
#include "engine/ensemble_io.h"

namespace ens {

std::vector<PoolMember> AllMembers(const std::vector<PoolPart>& parts) {
  std::vector<PoolMember> members;
  for (size_t p = 0; p < parts.size(); ++p) {
    for (int64_t k = 0; k < parts[p].ensemble->size(); ++k) members.push_back({static_cast<int64_t>(p), k});
  }
  return members;
}

PooledEnsemble::PooledEnsemble(std::vector<PoolPart> parts, std::vector<PoolMember> members, nlohmann::json record)
    : parts_(std::move(parts)), members_(std::move(members)), record_(std::move(record)) {
  for (const PoolMember& m : members_) ++repeats_[{m.part, m.member}];
}

namespace {

// Member contexts for one part: its architecture, its normalisation, its
// networks kept apart from the other parts'.
MemberContext PartContext(const PoolPart& part, int64_t index, const MemberContext& context) {
  const torch::Device device = context.batches().device();
  Dataset statistics;  // what a BatchMaker reads: the per-channel mean and std
  statistics.mean = part.mean;
  statistics.std = part.std;
  const std::string model = part.model, model_args = part.model_args;
  const ModelSpec spec = part.spec;
  ModelMaker make = [model, model_args, spec](LayerFactory& layers) {
    return MakeModel(model, model_args, spec, layers);
  };
  return context.WithInputs(absl::StrCat("part_", index), NetworksOf(std::move(make), device),
                            std::make_shared<const BatchMaker>(statistics, device));
}

}  // namespace

absl::StatusOr<torch::Tensor> PooledEnsemble::MemberLogProbs(int64_t i, MemberContext& context) const {
  if (i < 0 || i >= size()) return absl::OutOfRangeError(absl::StrCat("member ", i, " of ", size()));
  const PoolMember& m = members_[i];
  const std::pair<int64_t, int64_t> key{m.part, m.member};
  const bool repeated = repeats_.at(key) > 1;
  std::lock_guard<std::mutex> lock(mutex_);
  if (repeated) {
    const Split& split = context.split();
    const bool same = kept_images_.defined() && kept_images_.is_same(split.images) &&
                      kept_version_ == static_cast<int64_t>(split.images._version()) &&
                      kept_batch_size_ == context.batch_size();
    if (!same) {
      kept_.clear();
      kept_images_ = split.images;
      kept_version_ = static_cast<int64_t>(split.images._version());
      kept_batch_size_ = context.batch_size();
    }
    if (auto found = kept_.find(key); found != kept_.end()) return found->second.clone();
  }
  MemberContext part_context = PartContext(parts_[m.part], m.part, context);
  ENS_ASSIGN_OR_RETURN(torch::Tensor log_probs, parts_[m.part].ensemble->MemberLogProbs(m.member, part_context));
  if (repeated) kept_[key] = log_probs.clone();
  return log_probs;
}

std::unique_ptr<PooledEnsemble> PooledEnsemble::WithoutUnusedParts() const {
  std::map<int64_t, int64_t> renumbered;
  for (const PoolMember& m : members_) renumbered.emplace(m.part, 0);
  std::vector<PoolPart> parts;
  for (auto& [old_index, new_index] : renumbered) {
    new_index = static_cast<int64_t>(parts.size());
    parts.push_back(parts_[old_index]);
  }
  std::vector<PoolMember> members;
  for (const PoolMember& m : members_) members.push_back({renumbered.at(m.part), m.member});
  return std::make_unique<PooledEnsemble>(std::move(parts), std::move(members), record_);
}

namespace {

std::string PartDir(int64_t p) { return absl::StrFormat("part_%03d", p); }

}  // namespace

absl::Status PooledEnsemble::Save(const std::string& dir) const {
  nlohmann::json manifest;
  manifest["kind"] = "pooled";
  nlohmann::json parts = nlohmann::json::array();
  for (size_t p = 0; p < parts_.size(); ++p) {
    const PoolPart& part = parts_[p];
    const std::string part_dir = absl::StrCat(dir, "/", PartDir(static_cast<int64_t>(p)));
    ENS_RETURN_IF_ERROR(MakeDirectories(part_dir));
    ENS_RETURN_IF_ERROR(part.ensemble->Save(part_dir));
    parts.push_back({{"dir", PartDir(static_cast<int64_t>(p))},
                     {"run", part.run},
                     {"method", part.method},
                     {"model", part.model},
                     {"model_args", part.model_args},
                     {"in_channels", part.spec.in_channels},
                     {"image_size", part.spec.image_size},
                     {"num_classes", part.spec.num_classes},
                     {"mean", part.mean},
                     {"std", part.std},
                     {"members", part.ensemble->size()}});
  }
  manifest["parts"] = std::move(parts);
  nlohmann::json members = nlohmann::json::array();
  for (const PoolMember& m : members_) members.push_back({m.part, m.member});
  manifest["members"] = std::move(members);
  if (!record_.is_null()) manifest["record"] = record_;
  return WriteManifest(dir, manifest);
}

namespace {

absl::StatusOr<std::unique_ptr<Ensemble>> LoadPooled(const std::string& dir, const nlohmann::json& manifest) {
  std::vector<PoolPart> parts;
  for (const auto& entry : manifest.at("parts")) {
    PoolPart part;
    part.run = entry.at("run").get<std::string>();
    part.method = entry.at("method").get<std::string>();
    part.model = entry.at("model").get<std::string>();
    part.model_args = entry.at("model_args").get<std::string>();
    part.spec.in_channels = entry.at("in_channels").get<int64_t>();
    part.spec.image_size = entry.at("image_size").get<int64_t>();
    part.spec.num_classes = entry.at("num_classes").get<int64_t>();
    part.mean = entry.at("mean").get<std::vector<double>>();
    part.std = entry.at("std").get<std::vector<double>>();
    ENS_ASSIGN_OR_RETURN(std::unique_ptr<Ensemble> ensemble,
                         LoadEnsemble(absl::StrCat(dir, "/", entry.at("dir").get<std::string>())));
    part.ensemble = std::move(ensemble);
    parts.push_back(std::move(part));
  }
  std::vector<PoolMember> members;
  for (const auto& entry : manifest.at("members")) {
    const PoolMember m{entry.at(0).get<int64_t>(), entry.at(1).get<int64_t>()};
    if (m.part < 0 || m.part >= static_cast<int64_t>(parts.size()) || m.member < 0 ||
        m.member >= parts[m.part].ensemble->size()) {
      return absl::InvalidArgumentError(absl::StrCat("member (", m.part, ", ", m.member, ") names no part's member"));
    }
    members.push_back(m);
  }
  if (members.empty()) return absl::InvalidArgumentError("no members");
  return std::unique_ptr<Ensemble>(
      new PooledEnsemble(std::move(parts), std::move(members), manifest.value("record", nlohmann::json())));
}

}  // namespace

ENS_REGISTER(EnsembleKindRegistry(), "pooled",
             "members of finished runs, each run with its own architecture and normalisation (combine, select)",
             ParamSchema(), LoadPooled);

}  // namespace ens
