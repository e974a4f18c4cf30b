#include "models/batched.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/ordered_dict.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/error_text.h"
#include "core/status_macros.h"

namespace ens {
namespace {

// K Linear layers: weight [K*out, in], bias [K*out]; input [n, K*in].
class BatchedLinearImpl : public torch::nn::Module {
 public:
  BatchedLinearImpl(int64_t members, int64_t in, int64_t out, bool bias) : members_(members), in_(in), out_(out) {
    // torch::nn::Linear's default initialisation, per member block.
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    weight_ = register_parameter("weight", torch::empty({members * out, in}).uniform_(-bound, bound));
    if (bias) bias_ = register_parameter("bias", torch::empty({members * out}).uniform_(-bound, bound));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    const int64_t n = x.size(0);
    const torch::Tensor blocks = x.reshape({n, members_, in_}).transpose(0, 1);       // [K, n, in]
    const torch::Tensor weights = weight_.view({members_, out_, in_}).transpose(1, 2);  // [K, in, out]
    const torch::Tensor y = bias_.defined()
                                ? torch::baddbmm(bias_.view({members_, 1, out_}), blocks, weights)
                                : torch::bmm(blocks, weights);  // [K, n, out]
    return y.transpose(0, 1).reshape({n, members_ * out_});
  }

 private:
  int64_t members_, in_, out_;
  torch::Tensor weight_, bias_;
};
TORCH_MODULE(BatchedLinear);

std::string Shape(const torch::Tensor& t) { return absl::StrCat("[", absl::StrJoin(t.sizes(), ", "), "]"); }

// dst <- the members' tensors of the same name, concatenated along dim 0
// (0-d counters: member 0's).
absl::Status PackTensors(const torch::OrderedDict<std::string, torch::Tensor>& dst,
                         const std::vector<torch::OrderedDict<std::string, torch::Tensor>>& members) {
  for (const auto& item : dst) {
    std::vector<torch::Tensor> parts;
    for (const auto& member : members) {
      const torch::Tensor* part = member.find(item.key());
      if (part == nullptr) return absl::InternalError(absl::StrCat("a member has no '", item.key(), "'"));
      parts.push_back(*part);
    }
    if (item.value().dim() == 0) {
      item.value().copy_(parts[0]);
      continue;
    }
    const torch::Tensor packed = torch::cat(parts, 0);
    if (!packed.sizes().equals(item.value().sizes())) {
      return absl::InvalidArgumentError(absl::StrCat("'", item.key(), "' is ", Shape(parts[0]), " in a member but ",
                                                     Shape(item.value()), " for ", members.size(),
                                                     " members together"));
    }
    item.value().copy_(packed);
  }
  return absl::OkStatus();
}

torch::Device DeviceOf(const torch::nn::Module& net) {
  const auto params = net.parameters();
  return params.empty() ? torch::Device(torch::kCPU) : params[0].device();
}

}  // namespace

torch::nn::AnyModule BatchedLayers::Linear(int64_t in_features, int64_t out_features, bool bias) {
  return torch::nn::AnyModule(BatchedLinear(members_, in_features, out_features, bias));
}

torch::nn::AnyModule BatchedLayers::Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
                                           int64_t padding, bool bias) {
  return torch::nn::AnyModule(
      torch::nn::Conv2d(torch::nn::Conv2dOptions(members_ * in_channels, members_ * out_channels, kernel)
                            .stride(stride)
                            .padding(padding)
                            .bias(bias)
                            .groups(members_)));
}

torch::nn::AnyModule BatchedLayers::BatchNorm2d(int64_t features) {
  return torch::nn::AnyModule(torch::nn::BatchNorm2d(members_ * features));
}

BatchedNetwork::BatchedNetwork(std::shared_ptr<Network> together, int64_t members)
    : together_(register_module("together", std::move(together))), members_(members) {}

absl::StatusOr<std::shared_ptr<BatchedNetwork>> BatchedNetwork::Pack(
    const ModelMaker& make, const std::vector<std::shared_ptr<Network>>& members,
    const std::vector<int64_t>& input_shape) {
  const int64_t k = static_cast<int64_t>(members.size());
  if (k < 1) return absl::InvalidArgumentError("no members to train together");
  BatchedLayers layers(k);
  ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> together, make(layers));
  const torch::Device device = DeviceOf(*members[0]);
  together->to(device);
  torch::NoGradGuard no_grad;
  std::vector<torch::OrderedDict<std::string, torch::Tensor>> params, buffers;
  for (const auto& member : members) {
    params.push_back(member->named_parameters());
    buffers.push_back(member->named_buffers());
  }
  const auto own_params = together->named_parameters();
  const auto own_buffers = together->named_buffers();
  if (own_params.size() != params[0].size() || own_buffers.size() != buffers[0].size()) {
    return absl::InvalidArgumentError("the architecture made with batched layers has other parameters");
  }
  ENS_RETURN_IF_ERROR(PackTensors(own_params, params));
  ENS_RETURN_IF_ERROR(PackTensors(own_buffers, buffers));
  std::shared_ptr<BatchedNetwork> batched(new BatchedNetwork(std::move(together), k));
  std::vector<int64_t> probe_shape = {2 * k};
  probe_shape.insert(probe_shape.end(), input_shape.begin(), input_shape.end());
  const int64_t numel = std::accumulate(probe_shape.begin(), probe_shape.end(), int64_t{1}, std::multiplies<>());
  const torch::Tensor probe =
      torch::sin(torch::arange(numel, torch::TensorOptions(device).dtype(torch::kFloat)) * 0.37).view(probe_shape);
  ENS_RETURN_IF_ERROR(batched->CheckAgainst(members, probe));
  return batched;
}

absl::Status BatchedNetwork::CheckAgainst(const std::vector<std::shared_ptr<Network>>& members,
                                          const torch::Tensor& probe) {
  // A probe batch (no generator draws: training's random streams stay as
  // they are) through the members one by one and all together, in eval mode.
  torch::NoGradGuard no_grad;
  const bool was_training = is_training();
  eval();
  std::vector<torch::Tensor> expected;
  const int64_t n = probe.size(0) / members_;
  for (int64_t m = 0; m < members_; ++m) {
    const bool member_training = members[m]->is_training();
    members[m]->eval();
    expected.push_back(members[m]->forward(probe.slice(0, m * n, (m + 1) * n)));
    members[m]->train(member_training);
  }
  const torch::Tensor reference = torch::cat(expected, 0);
  const std::string mixes =
      "this architecture mixes the members' channels (concatenated or zero-padded feature maps): trained "
      "together, ";
  torch::Tensor actual;
  try {
    actual = forward(probe);
  } catch (const std::exception& e) {  // c10::Error, or std::runtime_error from Debian's LibTorch
    train(was_training);
    return absl::InvalidArgumentError(
        absl::StrCat(mixes, "its forward fails (", ErrorText(e), "); train members one by one"));
  }
  train(was_training);
  const double scale = 1.0 + reference.abs().max().item<double>();
  const double error = (actual - reference).abs().max().item<double>();
  if (!(error <= 1e-3 * scale)) {
    return absl::InvalidArgumentError(absl::StrCat(mixes, "member outputs differ by ", error,
                                                   " from the members alone; train members one by one"));
  }
  return absl::OkStatus();
}

torch::Tensor BatchedNetwork::forward(const torch::Tensor& x) {
  // [K*n, C, ...] member-major -> [n, K*C, ...]
  const int64_t n = x.size(0) / members_;
  std::vector<int64_t> split = {members_, n};
  std::vector<int64_t> stacked = {n, members_ * x.size(1)};
  for (int64_t d = 1; d < x.dim(); ++d) split.push_back(x.size(d));
  for (int64_t d = 2; d < x.dim(); ++d) stacked.push_back(x.size(d));
  torch::Tensor h = x.reshape(split).transpose(0, 1).reshape(stacked);
  if (x.dim() == 4 && x.is_contiguous(torch::MemoryFormat::ChannelsLast) && !x.is_contiguous()) {
    h = h.contiguous(torch::MemoryFormat::ChannelsLast);
  }
  const torch::Tensor logits = together_->forward(h);  // [n, K*classes]
  const int64_t classes = logits.size(1) / members_;
  return logits.reshape({n, members_, classes}).transpose(0, 1).reshape({members_ * n, classes});
}

absl::Status BatchedNetwork::Unpack(int64_t k, Network& member) const {
  if (k < 0 || k >= members_) return absl::OutOfRangeError(absl::StrCat("member ", k, " of ", members_));
  torch::NoGradGuard no_grad;
  const auto own_params = together_->named_parameters();
  const auto own_buffers = together_->named_buffers();
  for (const auto* dict : {&own_params, &own_buffers}) {
    const auto target = dict == &own_params ? member.named_parameters() : member.named_buffers();
    for (const auto& item : target) {
      const torch::Tensor* packed = dict->find(item.key());
      if (packed == nullptr) return absl::InvalidArgumentError(absl::StrCat("no '", item.key(), "' to unpack"));
      if (item.value().dim() == 0) {
        item.value().copy_(*packed);
      } else {
        const int64_t rows = item.value().size(0);
        item.value().copy_(packed->narrow(0, k * rows, rows));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace ens
