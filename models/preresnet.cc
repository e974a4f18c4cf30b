// PreResNet (He et al. 2016, "Identity Mappings"), CIFAR variant as in the
// SWA / FGE official code: conv3x3(16), three stages of (depth-2)/6 basic
// pre-activation blocks (16, 32, 64 channels x width; strides 1, 2, 2),
// BN-ReLU, global average pooling, fc. Optional dropout between the two
// convolutions of each block (as WRN places it), for MC dropout.
#include <torch/nn/functional/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/dropout.h>

#include "absl/strings/str_cat.h"
#include "models/model.h"

namespace ens {
namespace {

class PreActBlock : public torch::nn::Module {
 public:
  PreActBlock(int64_t in, int64_t out, int64_t stride, double dropout, LayerFactory& layers) {
    bn1_ = register_module("bn1", torch::nn::BatchNorm2d(in));
    conv1_ = RegisterLayer(*this, "conv1", layers.Conv2d(in, out, 3, stride, 1, false));
    bn2_ = register_module("bn2", torch::nn::BatchNorm2d(out));
    dropout_ = register_module("dropout", torch::nn::Dropout(dropout));
    conv2_ = RegisterLayer(*this, "conv2", layers.Conv2d(out, out, 3, 1, 1, false));
    if (stride != 1 || in != out) {
      shortcut_ = RegisterLayer(*this, "shortcut", layers.Conv2d(in, out, 1, stride, 0, false));
    }
  }

  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor h = torch::relu(bn1_->forward(x));
    torch::Tensor residual = shortcut_.is_empty() ? x : shortcut_.forward(h);
    h = conv1_.forward(h);
    h = conv2_.forward(dropout_->forward(torch::relu(bn2_->forward(h))));
    return h + residual;
  }

 private:
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::AnyModule conv1_, conv2_, shortcut_;
};

class PreResNet : public Network {
 public:
  PreResNet(const ModelSpec& spec, int64_t depth, double width, double dropout, LayerFactory& layers) {
    const int64_t blocks = (depth - 2) / 6;
    const int64_t base = std::max<int64_t>(1, static_cast<int64_t>(16 * width));
    conv_ = RegisterLayer(*this, "conv", layers.Conv2d(spec.in_channels, base, 3, 1, 1, false));
    int64_t in = base;
    for (int64_t stage = 0; stage < 3; ++stage) {
      const int64_t out = base << stage;
      for (int64_t b = 0; b < blocks; ++b) {
        const int64_t stride = (stage > 0 && b == 0) ? 2 : 1;
        blocks_.push_back(register_module(absl::StrCat("stage", stage + 1, "_block", b + 1),
                                          std::make_shared<PreActBlock>(in, out, stride, dropout, layers)));
        in = out;
      }
    }
    bn_ = register_module("bn", torch::nn::BatchNorm2d(in));
    fc_ = RegisterLayer(*this, "fc", layers.Linear(in, spec.num_classes, true));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    torch::Tensor h = conv_.forward(x);
    for (auto& block : blocks_) h = block->forward(h);
    h = torch::relu(bn_->forward(h)).mean({2, 3});
    return fc_.forward(h);
  }

 private:
  torch::nn::AnyModule conv_, fc_;
  std::vector<std::shared_ptr<PreActBlock>> blocks_;
  torch::nn::BatchNorm2d bn_{nullptr};
};

ENS_REGISTER(ModelRegistry(), "preresnet20", "CIFAR-style pre-activation ResNet, depth 20 (~0.27 M params)",
             ParamSchema()
                 .Double("width", 1.0, "multiplier of the channel counts (16, 32, 64)").Min(0.01).Max(16)
                 .Double("dropout", 0.0, "dropout between the convolutions of each block").Min(0).Max(0.99),
             [](const Params& p, const ModelSpec& spec, LayerFactory& layers)
                 -> absl::StatusOr<std::shared_ptr<Network>> {
               return std::make_shared<PreResNet>(spec, 20, p.Double("width"), p.Double("dropout"), layers);
             });

}  // namespace
}  // namespace ens
