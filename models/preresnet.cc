// PreResNet (He et al. 2016, "Identity Mappings"), CIFAR variant as in the
// SWA / FGE official code: conv3x3(16); three stages (16, 32, 64 planes x
// width; strides 1, 2, 2) of pre-activation blocks — basic blocks
// ((depth-2)/6 per stage) below depth 44, bottleneck blocks ((depth-2)/9 per
// stage, expansion 4) from 44 on; BN-ReLU, global average pooling, fc.
// The projection shortcut (1x1 conv, no BN) sees the block's raw input.
// Optional dropout before each block's last convolution (as WRN places it),
// for MC dropout.
#include <torch/nn/functional/activation.h>
#include <torch/nn/modules/batchnorm.h>

#include "absl/strings/str_cat.h"
#include "models/dropout.h"
#include "models/model.h"

namespace ens {
namespace {

class PreActBlock : public torch::nn::Module {
 public:
  // Basic: 3x3 (stride) - 3x3. Bottleneck: 1x1 - 3x3 (stride) - 1x1 (x4).
  PreActBlock(int64_t in, int64_t planes, int64_t stride, bool bottleneck, double dropout, LayerFactory& layers) {
    const int64_t out = bottleneck ? planes * 4 : planes;
    std::vector<std::tuple<int64_t, int64_t, int64_t, int64_t>> convs;  // in, out, kernel, stride
    if (bottleneck) {
      convs = {{in, planes, 1, 1}, {planes, planes, 3, stride}, {planes, out, 1, 1}};
    } else {
      convs = {{in, planes, 3, stride}, {planes, planes, 3, 1}};
    }
    for (size_t i = 0; i < convs.size(); ++i) {
      const auto [c_in, c_out, kernel, s] = convs[i];
      norms_.push_back(RegisterLayer(*this, absl::StrCat("bn", i + 1), layers.BatchNorm2d(c_in)));
      convs_.push_back(RegisterLayer(*this, absl::StrCat("conv", i + 1),
                                     layers.Conv2d(c_in, c_out, kernel, s, kernel / 2, false)));
    }
    dropout_ = register_module("dropout", Dropout(dropout));
    if (stride != 1 || in != out) {
      shortcut_ = RegisterLayer(*this, "shortcut", layers.Conv2d(in, out, 1, stride, 0, false));
    }
  }

  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor residual = shortcut_.is_empty() ? x : shortcut_.forward(x);
    torch::Tensor h = x;
    for (size_t i = 0; i < convs_.size(); ++i) {
      h = torch::relu(norms_[i].forward(h));
      if (i + 1 == convs_.size()) h = dropout_->forward(h);
      h = convs_[i].forward(h);
    }
    return h + residual;
  }

 private:
  std::vector<torch::nn::AnyModule> norms_;
  std::vector<torch::nn::AnyModule> convs_;
  Dropout dropout_{nullptr};
  torch::nn::AnyModule shortcut_;
};

class PreResNet : public Network {
 public:
  PreResNet(const ModelSpec& spec, int64_t depth, double width, double dropout, LayerFactory& layers) {
    const bool bottleneck = depth >= 44;
    const int64_t blocks = bottleneck ? (depth - 2) / 9 : (depth - 2) / 6;
    const int64_t base = std::max<int64_t>(1, static_cast<int64_t>(16 * width));
    conv_ = RegisterLayer(*this, "conv", layers.Conv2d(spec.in_channels, base, 3, 1, 1, false));
    int64_t in = base;
    for (int64_t stage = 0; stage < 3; ++stage) {
      const int64_t planes = base << stage;
      for (int64_t b = 0; b < blocks; ++b) {
        const int64_t stride = (stage > 0 && b == 0) ? 2 : 1;
        blocks_.push_back(register_module(absl::StrCat("stage", stage + 1, "_block", b + 1),
                                          std::make_shared<PreActBlock>(in, planes, stride, bottleneck, dropout, layers)));
        in = bottleneck ? planes * 4 : planes;
      }
    }
    bn_ = RegisterLayer(*this, "bn", layers.BatchNorm2d(in));
    fc_ = RegisterLayer(*this, "fc", layers.Linear(in, spec.num_classes, true));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    torch::Tensor h = conv_.forward(x);
    for (auto& block : blocks_) h = block->forward(h);
    h = torch::relu(bn_.forward(h)).mean({2, 3});
    return fc_.forward(h);
  }

 private:
  torch::nn::AnyModule conv_, fc_;
  std::vector<std::shared_ptr<PreActBlock>> blocks_;
  torch::nn::AnyModule bn_;
};

void RegisterPreResNet(int64_t depth, const char* name, const char* description) {
  RegisterOrDie(ModelRegistry(), name, description,
                ParamSchema()
                    .Double("width", 1.0, "multiplier of the plane counts (16, 32, 64)").Min(0.01).Max(16)
                    .Double("dropout", 0.0, "dropout before each block's last convolution").Min(0).Max(0.99),
                __FILE__, __LINE__,
                [depth](const Params& p, const ModelSpec& spec, LayerFactory& layers)
                    -> absl::StatusOr<std::shared_ptr<Network>> {
                  return std::make_shared<PreResNet>(spec, depth, p.Double("width"), p.Double("dropout"), layers);
                });
}

const bool registered = [] {
  RegisterPreResNet(20, "preresnet20", "CIFAR pre-activation ResNet-20, basic blocks (~0.27 M params)");
  RegisterPreResNet(56, "preresnet56", "CIFAR pre-activation ResNet-56, bottleneck blocks as the SWA code");
  RegisterPreResNet(110, "preresnet110", "CIFAR pre-activation ResNet-110, bottleneck blocks as the SWA code");
  RegisterPreResNet(164, "preresnet164", "CIFAR pre-activation ResNet-164, bottleneck blocks (~1.7 M params)");
  return true;
}();

}  // namespace
}  // namespace ens
