#include "engine/member_context.h"

#include <utility>
#include <vector>

#include <torch/types.h>
#include <torch/utils.h>

#include "core/status_macros.h"

namespace ens {

NetworkSource NetworksOf(ModelMaker make_model, torch::Device device, bool channels_last) {
  return [make_model = std::move(make_model), device,
          channels_last](const std::string& layer_kind) -> absl::StatusOr<std::shared_ptr<Network>> {
    ENS_ASSIGN_OR_RETURN(const auto* layers, LayerKindRegistry().Find(layer_kind));
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, make_model(layers->factory()));
    net->to(device);
    if (channels_last) ToChannelsLast(*net);
    return net;
  };
}

MemberContext::MemberContext(const Split& split, const BatchMaker& batches, int64_t batch_size,
                             NetworkSource networks, BatchNormRecompute recompute_batchnorm)
    : split_(split),
      batches_(batches),
      batch_size_(batch_size),
      built_(std::make_shared<std::map<std::string, std::shared_ptr<Network>>>()),
      networks_(std::move(networks)),
      recompute_batchnorm_(std::move(recompute_batchnorm)) {}

absl::StatusOr<Network*> MemberContext::NetworkOf(const std::string& layer_kind) {
  auto found = built_->find(layer_kind);
  if (found == built_->end()) {
    if (!networks_) return absl::FailedPreconditionError("this evaluation was given no way to build networks");
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, networks_(layer_kind));
    found = built_->emplace(layer_kind, std::move(net)).first;
  }
  return found->second.get();
}

absl::Status MemberContext::RecomputeBatchNorm(Network& net) const {
  if (!recompute_batchnorm_) {
    return absl::FailedPreconditionError("this ensemble's members need BatchNorm statistics recomputed, "
                                         "but the evaluation was given no training data to do it");
  }
  return recompute_batchnorm_(net);
}

torch::Tensor MemberContext::Predict(Network& net, const InputView& view) const {
  return PredictLogProbs(net, split_, batches_, batch_size_, view);
}

MemberContext MemberContext::OnSplit(const Split& split) const {
  MemberContext other(split, batches_, batch_size_, networks_, recompute_batchnorm_);
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
