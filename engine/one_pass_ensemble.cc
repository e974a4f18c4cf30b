#include "engine/one_pass_ensemble.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "engine/ensemble_io.h"

namespace ens {

absl::StatusOr<torch::Tensor> OnePassEnsemble::MemberLogProbs(int64_t i, MemberContext& context) const {
  if (i < 0 || i >= members_) return absl::OutOfRangeError(absl::StrCat("member ", i, " of ", members_));
  std::lock_guard<std::mutex> lock(mutex_);
  const Split& split = context.split();
  const bool same = last_.defined() && last_images_.is_same(split.images) &&
                    last_version_ == static_cast<int64_t>(split.images._version()) &&
                    last_batch_size_ == context.batch_size();
  if (!same) {
    last_ = torch::Tensor();
    last_images_ = torch::Tensor();
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, Members(context));
    torch::Tensor all = context.PredictMembers(*net, members_);
    if (all.size(0) != members_) {
      return absl::InternalError(absl::StrCat(kind_, ": the network gave ", all.size(0), " members, not ", members_));
    }
    last_ = std::move(all);
    last_images_ = split.images;
    last_version_ = static_cast<int64_t>(split.images._version());
    last_batch_size_ = context.batch_size();
  }
  return last_[i].clone();
}

absl::StatusOr<std::shared_ptr<Network>> OnePassEnsemble::Loaded(MemberContext& context, const std::string& key,
                                                                LayerFactory& layers) const {
  ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, context.NetworkWith(key, layers));
  ENS_RETURN_IF_ERROR(LoadState(*net, weights_));
  net->eval();
  return net;
}

absl::Status OnePassEnsemble::Save(const std::string& dir) const {
  nlohmann::json manifest;
  manifest["kind"] = kind_;
  manifest["members"] = members_;
  manifest["settings"] = settings_;
  manifest["names"] = StateNames(weights_);
  manifest["weights"] = MemberFile(0);
  ENS_RETURN_IF_ERROR(SaveState(weights_, absl::StrCat(dir, "/", MemberFile(0))));
  return WriteManifest(dir, manifest);
}

absl::StatusOr<OnePassParts> LoadOnePassParts(const std::string& members_dir, const nlohmann::json& manifest) {
  OnePassParts parts;
  parts.members = manifest.at("members").get<int64_t>();
  if (parts.members < 1) return absl::InvalidArgumentError("members must be >= 1");
  parts.settings = manifest.at("settings");
  const auto names = manifest.at("names").get<std::vector<std::string>>();
  ENS_ASSIGN_OR_RETURN(parts.weights,
                       LoadStateFile(absl::StrCat(members_dir, "/", manifest.at("weights").get<std::string>()), names));
  return parts;
}

torch::Tensor RepeatAlong(const torch::Tensor& x, int64_t dim, int64_t times) {
  std::vector<int64_t> repeats(x.dim(), 1);
  repeats[dim] = times;
  return x.repeat(repeats);
}

}  // namespace ens
