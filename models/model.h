// Networks, built by name from a spec that comes from the dataset.
//
//   ModelSpec spec{/*in_channels=*/1, /*image_size=*/28, /*num_classes=*/10};
//   ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net,
//                        MakeModel("lenet", "dropout=0.25", spec, StandardLayers()));
//   torch::Tensor logits = net->forward(images);   // [N, num_classes]
//
// Architectures create their Linear and Conv2d layers through a LayerFactory,
// so a method can swap the layer kind (variational layers, factor capture,
// members batched together) without copying an architecture.
#ifndef ENSEMBLES_MODELS_MODEL_H_
#define ENSEMBLES_MODELS_MODEL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/any.h>
#include <torch/types.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/params.h"
#include "core/registry.h"

namespace ens {

struct ModelSpec {
  int64_t in_channels = 1;
  int64_t image_size = 28;  // square images
  int64_t num_classes = 10;
};

// A classifier: forward returns logits [N, num_classes].
class Network : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
};

// Makes the parameterised and normalisation layers of an architecture.
class LayerFactory {
 public:
  virtual ~LayerFactory() = default;
  virtual torch::nn::AnyModule Linear(int64_t in_features, int64_t out_features, bool bias);
  virtual torch::nn::AnyModule Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel,
                                      int64_t stride, int64_t padding, bool bias);
  // BatchNorm2d over `features` channels: a torch::nn::BatchNorm2d, or a
  // module holding one (members batched together keep one set of statistics
  // per member). Register it with RegisterLayer.
  virtual torch::nn::AnyModule BatchNorm2d(int64_t features);
};

// torch::nn::Linear (as ThreadedLinear, models/threaded_linear.h: its CPU
// products split across threads) and Conv2d with LibTorch's default
// initialisation.
LayerFactory& StandardLayers();

// Layer kinds by name ("standard", "variational", ...): an ensemble states
// the kind its members were trained with, and the evaluator builds the
// architecture with it.
using LayerKindFactory = std::function<LayerFactory&()>;
Registry<LayerKindFactory>& LayerKindRegistry();

// Registers a factory-made layer as a submodule of `owner` under `name` and
// returns it, ready for `.forward(x)`.
torch::nn::AnyModule RegisterLayer(torch::nn::Module& owner, const std::string& name,
                                   torch::nn::AnyModule layer);

using ModelFactory = std::function<absl::StatusOr<std::shared_ptr<Network>>(
    const Params& params, const ModelSpec& spec, LayerFactory& layers)>;

Registry<ModelFactory>& ModelRegistry();

absl::StatusOr<std::shared_ptr<Network>> MakeModel(absl::string_view name, absl::string_view args,
                                                   const ModelSpec& spec, LayerFactory& layers);

// A freshly initialised network (from LibTorch's current seed) of a run's
// architecture, its Linear / Conv2d layers made by `layers`: what training
// and evaluation build their networks with.
using ModelMaker = std::function<absl::StatusOr<std::shared_ptr<Network>>(LayerFactory& layers)>;

// The ModelMaker of registered model `name` with parsed `params` for `spec`.
ModelMaker ModelMakerOf(const std::string& name, const Params& params, const ModelSpec& spec);

// Number of trainable scalars.
int64_t CountParameters(const torch::nn::Module& net);

// Puts every 4-D parameter and buffer (convolution weights) in the NHWC
// memory layout; with channels-last inputs, oneDNN / cuDNN convolutions skip
// their layout conversions (--channels_last). Values are unchanged.
void ToChannelsLast(torch::nn::Module& net);

// True when some Dropout module has p > 0 (what MC dropout needs).
bool HasDropout(const torch::nn::Module& net);

}  // namespace ens

#endif  // ENSEMBLES_MODELS_MODEL_H_
