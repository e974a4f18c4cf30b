#include "models/model.h"

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "models/dropout.h"
#include "models/threaded_linear.h"

namespace ens {

torch::nn::AnyModule LayerFactory::Linear(int64_t in_features, int64_t out_features, bool bias) {
  return torch::nn::AnyModule(ThreadedLinear(torch::nn::LinearOptions(in_features, out_features).bias(bias)));
}

torch::nn::AnyModule LayerFactory::Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel,
                                          int64_t stride, int64_t padding, bool bias) {
  return torch::nn::AnyModule(torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, kernel)
                                                    .stride(stride)
                                                    .padding(padding)
                                                    .bias(bias)));
}

torch::nn::AnyModule LayerFactory::BatchNorm2d(int64_t features) {
  return torch::nn::AnyModule(torch::nn::BatchNorm2d(features));
}

LayerFactory& StandardLayers() {
  static auto* layers = new LayerFactory();
  return *layers;
}

torch::nn::AnyModule RegisterLayer(torch::nn::Module& owner, const std::string& name,
                                   torch::nn::AnyModule layer) {
  owner.register_module(name, layer.ptr());
  return layer;
}

Registry<LayerKindFactory>& LayerKindRegistry() {
  static auto* registry = new Registry<LayerKindFactory>("layer kind", "the ensemble's layer kind");
  return *registry;
}

namespace {
ENS_REGISTER(LayerKindRegistry(), "standard", "torch::nn::Linear and Conv2d", ParamSchema(), StandardLayers);
}  // namespace

Registry<ModelFactory>& ModelRegistry() {
  static auto* registry = new Registry<ModelFactory>("model", "--model");
  return *registry;
}

absl::StatusOr<std::shared_ptr<Network>> MakeModel(absl::string_view name, absl::string_view args,
                                                   const ModelSpec& spec, LayerFactory& layers) {
  ENS_ASSIGN_OR_RETURN(const auto* entry, ModelRegistry().Find(name));
  ENS_ASSIGN_OR_RETURN(Params params, Params::Parse(entry->schema, args, absl::StrCat("model '", name, "'")));
  return entry->factory(params, spec, layers);
}

ModelMaker ModelMakerOf(const std::string& name, const Params& params, const ModelSpec& spec) {
  return [name, params, spec](LayerFactory& layers) -> absl::StatusOr<std::shared_ptr<Network>> {
    ENS_ASSIGN_OR_RETURN(const auto* entry, ModelRegistry().Find(name));
    return entry->factory(params, spec, layers);
  };
}

// Not contiguous(ChannelsLast): that keeps a tensor whose layout is ambiguous
// (a stem convolution's [16, 1, 3, 3] weight is contiguous in both layouts)
// in NCHW strides, and LibTorch then runs that convolution, and the first
// block behind it, in NCHW. to(memory_format) copies it to NHWC strides, as
// PyTorch's Module.to(memory_format=...) does.
void ToChannelsLast(torch::nn::Module& net) {
  torch::NoGradGuard no_grad;
  const auto to_nhwc = [](torch::Tensor& tensor) {
    if (tensor.dim() != 4) return;
    tensor.set_data(tensor.to(tensor.options(), /*non_blocking=*/false, /*copy=*/false,
                              torch::MemoryFormat::ChannelsLast));
  };
  for (auto& tensor : net.parameters()) to_nhwc(tensor);
  for (auto& tensor : net.buffers()) to_nhwc(tensor);
}

int64_t CountParameters(const torch::nn::Module& net) {
  int64_t count = 0;
  for (const auto& p : net.parameters()) count += p.numel();
  return count;
}

bool HasDropout(const torch::nn::Module& net) {
  for (const auto& module : net.modules(/*include_self=*/true)) {
    if (const auto* dropout = dynamic_cast<const DropoutImpl*>(module.get())) {
      if (dropout->p() > 0) return true;
    }
  }
  return false;
}

}  // namespace ens
