#include "engine/member_context.h"

#include <algorithm>
#include <utility>
#include <vector>

#include <torch/types.h>
#include <torch/utils.h>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace ens {

NetworkSource NetworksOf(ModelMaker make_model, torch::Device device, bool channels_last) {
  return [make_model = std::move(make_model), device,
          channels_last](LayerFactory& layers) -> absl::StatusOr<std::shared_ptr<Network>> {
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, make_model(layers));
    net->to(device);
    if (channels_last) ToChannelsLast(*net);
    return net;
  };
}

MemberContext::MemberContext(const Split& split, const BatchMaker& batches, int64_t batch_size,
                             NetworkSource networks, BatchNormRecompute recompute_batchnorm)
    : split_(split),
      batches_(&batches),
      batch_size_(batch_size),
      built_(std::make_shared<std::map<std::string, std::shared_ptr<Network>>>()),
      networks_(std::move(networks)),
      recompute_batchnorm_(std::move(recompute_batchnorm)) {}

absl::StatusOr<Network*> MemberContext::NetworkOf(const std::string& layer_kind) {
  if (auto found = built_->find(key_prefix_ + layer_kind); found != built_->end()) return found->second.get();
  ENS_ASSIGN_OR_RETURN(const auto* layers, LayerKindRegistry().Find(layer_kind));
  ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, NetworkWith(layer_kind, layers->factory()));
  return net.get();
}

absl::StatusOr<std::shared_ptr<Network>> MemberContext::NetworkWith(const std::string& key, LayerFactory& layers) {
  auto found = built_->find(key_prefix_ + key);
  if (found == built_->end()) {
    if (!networks_) return absl::FailedPreconditionError("this evaluation was given no way to build networks");
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, networks_(layers));
    found = built_->emplace(key_prefix_ + key, std::move(net)).first;
  }
  return found->second;
}

absl::Status MemberContext::RecomputeBatchNorm(Network& net) const {
  if (!recompute_batchnorm_) {
    return absl::FailedPreconditionError("this ensemble's members need BatchNorm statistics recomputed, "
                                         "but the evaluation was given no training data to do it");
  }
  return recompute_batchnorm_(net, *batches_);
}

torch::Tensor MemberContext::Predict(Network& net, const InputView& view) const {
  return PredictLogProbs(net, split_, *batches_, batch_size_, view);
}

torch::Tensor MemberContext::PredictMembers(Network& net, int64_t members) const {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  const int64_t n = split_.size();
  for (int64_t begin = 0; begin < n; begin += batch_size_) {
    const int64_t end = std::min(begin + batch_size_, n);
    const torch::Tensor logits = net.forward(batches_->Normalize(split_.images.slice(0, begin, end)));
    parts.push_back(torch::log_softmax(logits.to(torch::kFloat), 1).view({members, end - begin, -1}).cpu());
  }
  return torch::cat(parts, 1);
}

MemberContext MemberContext::OnSplit(const Split& split) const {
  MemberContext other(split, *batches_, batch_size_, networks_, recompute_batchnorm_);
  other.owned_batches_ = owned_batches_;
  other.key_prefix_ = key_prefix_;
  other.built_ = built_;
  return other;
}

MemberContext MemberContext::WithInputs(const std::string& key, NetworkSource networks,
                                        std::shared_ptr<const BatchMaker> batches) const {
  MemberContext other(split_, *batches, batch_size_, std::move(networks), recompute_batchnorm_);
  other.owned_batches_ = std::move(batches);
  other.key_prefix_ = absl::StrCat(key_prefix_, key, "/");
  other.built_ = built_;
  return other;
}

torch::Tensor PredictLogProbs(Network& net, const Split& split, const BatchMaker& batches, int64_t batch_size,
                              const InputView& view) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  const int64_t n = split.size();
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    const int64_t end = std::min(begin + batch_size, n);
    const torch::Tensor inputs = batches.Normalize(split.images.slice(0, begin, end));
    const torch::Tensor logits = net.forward(view ? view(inputs, begin, end) : inputs);
    parts.push_back(torch::log_softmax(logits.to(torch::kFloat), 1).cpu());
  }
  return torch::cat(parts, 0);
}

}  // namespace ens
