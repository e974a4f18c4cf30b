// DenseNet for CIFAR (Huang et al. 2017), growth rate k: an initial conv3x3,
// three dense blocks joined by transitions (BN-ReLU-conv1x1-avgpool 2), then
// BN-ReLU, average pooling, fc. Each layer adds k feature maps:
//   densenet40      BN-ReLU-conv3x3(k), 12 layers per block, 16 initial maps
//   densenet_bc100  BN-ReLU-conv1x1(4k)-BN-ReLU-conv3x3(k), 16 layers per
//                   block, 2k initial maps, transitions halve the maps
#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/pooling.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "models/dropout.h"
#include "models/model.h"

namespace ens {
namespace {

// BN-ReLU-conv units applied in sequence (a dense layer or a transition).
class ConvUnits : public torch::nn::Module {
 public:
  void Add(int64_t in, int64_t out, int64_t kernel, LayerFactory& layers) {
    const std::string i = std::to_string(convs_.size() + 1);
    norms_.push_back(RegisterLayer(*this, "bn" + i, layers.BatchNorm2d(in)));
    convs_.push_back(RegisterLayer(*this, "conv" + i, layers.Conv2d(in, out, kernel, 1, kernel / 2, false)));
  }
  void SetDropout(double p) { dropout_ = register_module("dropout", Dropout(p)); }

  torch::Tensor forward(torch::Tensor h) {
    for (size_t i = 0; i < convs_.size(); ++i) {
      h = convs_[i].forward(torch::relu(norms_[i].forward(h)));
      if (dropout_) h = dropout_->forward(h);
    }
    return h;
  }

 private:
  std::vector<torch::nn::AnyModule> norms_;
  std::vector<torch::nn::AnyModule> convs_;
  Dropout dropout_{nullptr};
};

class DenseNet : public Network {
 public:
  DenseNet(const ModelSpec& spec, int64_t depth, int64_t growth, bool bc, double dropout, LayerFactory& layers) {
    const int64_t per_block = bc ? (depth - 4) / 6 : (depth - 4) / 3;
    int64_t channels = bc ? 2 * growth : 16;
    conv_ = RegisterLayer(*this, "conv", layers.Conv2d(spec.in_channels, channels, 3, 1, 1, false));
    for (int64_t block = 0; block < 3; ++block) {
      std::vector<std::shared_ptr<ConvUnits>> dense;
      for (int64_t l = 0; l < per_block; ++l) {
        auto unit = std::make_shared<ConvUnits>();
        if (bc) {
          unit->Add(channels, 4 * growth, 1, layers);
          unit->Add(4 * growth, growth, 3, layers);
        } else {
          unit->Add(channels, growth, 3, layers);
        }
        if (dropout > 0) unit->SetDropout(dropout);
        dense.push_back(register_module(absl::StrCat("block", block + 1, "_layer", l + 1), unit));
        channels += growth;
      }
      blocks_.push_back(dense);
      if (block < 2) {
        const int64_t out = bc ? channels / 2 : channels;
        auto transition = std::make_shared<ConvUnits>();
        transition->Add(channels, out, 1, layers);
        if (dropout > 0) transition->SetDropout(dropout);
        transitions_.push_back(register_module(absl::StrCat("transition", block + 1), transition));
        channels = out;
      }
    }
    bn_ = RegisterLayer(*this, "bn", layers.BatchNorm2d(channels));
    fc_ = RegisterLayer(*this, "fc", layers.Linear(channels, spec.num_classes, true));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    torch::Tensor h = conv_.forward(x);
    for (size_t b = 0; b < blocks_.size(); ++b) {
      for (auto& layer : blocks_[b]) h = torch::cat({h, layer->forward(h)}, 1);
      if (b < transitions_.size()) h = torch::avg_pool2d(transitions_[b]->forward(h), 2);
    }
    return fc_.forward(torch::relu(bn_.forward(h)).mean({2, 3}));
  }

 private:
  torch::nn::AnyModule conv_, fc_;
  std::vector<std::vector<std::shared_ptr<ConvUnits>>> blocks_;
  std::vector<std::shared_ptr<ConvUnits>> transitions_;
  torch::nn::AnyModule bn_;
};

void RegisterDenseNet(const char* name, int64_t depth, bool bc, const char* description) {
  RegisterOrDie(ModelRegistry(), name, description,
                ParamSchema()
                    .Int("growth", 12, "growth rate k").Min(1)
                    .Double("dropout", 0.0, "dropout after each convolution (the paper: 0.2 without augmentation)")
                    .Min(0).Max(0.99),
                __FILE__, __LINE__,
                [depth, bc](const Params& p, const ModelSpec& spec, LayerFactory& layers)
                    -> absl::StatusOr<std::shared_ptr<Network>> {
                  return std::make_shared<DenseNet>(spec, depth, p.Int("growth"), bc, p.Double("dropout"), layers);
                });
}

const bool registered = [] {
  RegisterDenseNet("densenet40", 40, false, "DenseNet-40 (k = 12, ~1.0 M params)");
  RegisterDenseNet("densenet_bc100", 100, true, "DenseNet-BC-100 (k = 12, ~0.8 M params)");
  return true;
}();

}  // namespace
}  // namespace ens
