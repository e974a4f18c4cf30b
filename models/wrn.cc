// Wide ResNet (Zagoruyko & Komodakis 2016), CIFAR variant: conv3x3(16), three
// groups of (depth-4)/6 pre-activation blocks of widths 16k, 32k, 64k
// (strides 1, 2, 2), each BN-ReLU-conv3x3-BN-ReLU-dropout-conv3x3 with a 1x1
// projection where the shape changes; BN-ReLU, average pooling, fc.
#include <torch/nn/functional/activation.h>
#include <torch/nn/modules/batchnorm.h>

#include "absl/strings/str_cat.h"
#include "models/dropout.h"
#include "models/model.h"

namespace ens {
namespace {

class WideBlock : public torch::nn::Module {
 public:
  WideBlock(int64_t in, int64_t out, int64_t stride, double dropout, LayerFactory& layers) {
    bn1_ = RegisterLayer(*this, "bn1", layers.BatchNorm2d(in));
    conv1_ = RegisterLayer(*this, "conv1", layers.Conv2d(in, out, 3, stride, 1, false));
    bn2_ = RegisterLayer(*this, "bn2", layers.BatchNorm2d(out));
    dropout_ = register_module("dropout", Dropout(dropout));
    conv2_ = RegisterLayer(*this, "conv2", layers.Conv2d(out, out, 3, 1, 1, false));
    if (stride != 1 || in != out) {
      shortcut_ = RegisterLayer(*this, "shortcut", layers.Conv2d(in, out, 1, stride, 0, false));
    }
  }

  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor h = torch::relu(bn1_.forward(x));
    // The official code projects the activated input when the shape changes.
    const torch::Tensor residual = shortcut_.is_empty() ? x : shortcut_.forward(h);
    torch::Tensor y = conv1_.forward(h);
    y = conv2_.forward(dropout_->forward(torch::relu(bn2_.forward(y))));
    return y + residual;
  }

 private:
  torch::nn::AnyModule bn1_, bn2_;
  Dropout dropout_{nullptr};
  torch::nn::AnyModule conv1_, conv2_, shortcut_;
};

class WideResNet : public Network {
 public:
  WideResNet(const ModelSpec& spec, int64_t depth, int64_t widen, double dropout, LayerFactory& layers) {
    const int64_t blocks = (depth - 4) / 6;
    conv_ = RegisterLayer(*this, "conv", layers.Conv2d(spec.in_channels, 16, 3, 1, 1, false));
    int64_t in = 16;
    for (int64_t group = 0; group < 3; ++group) {
      const int64_t out = (16 << group) * widen;
      for (int64_t b = 0; b < blocks; ++b) {
        const int64_t stride = (group > 0 && b == 0) ? 2 : 1;
        blocks_.push_back(register_module(absl::StrCat("group", group + 1, "_block", b + 1),
                                          std::make_shared<WideBlock>(in, out, stride, dropout, layers)));
        in = out;
      }
    }
    bn_ = RegisterLayer(*this, "bn", layers.BatchNorm2d(in));
    fc_ = RegisterLayer(*this, "fc", layers.Linear(in, spec.num_classes, true));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    torch::Tensor h = conv_.forward(x);
    for (auto& block : blocks_) h = block->forward(h);
    return fc_.forward(torch::relu(bn_.forward(h)).mean({2, 3}));
  }

 private:
  torch::nn::AnyModule conv_, fc_;
  std::vector<std::shared_ptr<WideBlock>> blocks_;
  torch::nn::AnyModule bn_;
};

void RegisterWrn(const char* name, int64_t depth, int64_t widen, const char* description) {
  RegisterOrDie(ModelRegistry(), name, description,
                ParamSchema()
                    .Int("depth", depth, "depth, 6n + 4").Min(10)
                    .Int("widen", widen, "width multiplier k").Min(1)
                    .Double("dropout", 0.0, "dropout between the convolutions of each block").Min(0).Max(0.99),
                __FILE__, __LINE__,
                [name](const Params& p, const ModelSpec& spec, LayerFactory& layers)
                    -> absl::StatusOr<std::shared_ptr<Network>> {
                  const int64_t d = p.Int("depth");
                  if ((d - 4) % 6 != 0) {
                    return absl::InvalidArgumentError(absl::StrCat("model '", name, "': depth=", d, " is not 6n + 4"));
                  }
                  return std::make_shared<WideResNet>(spec, d, p.Int("widen"), p.Double("dropout"), layers);
                });
}

const bool registered = [] {
  RegisterWrn("wrn28_10", 28, 10, "Wide ResNet 28-10 (~36.5 M params)");
  RegisterWrn("wrn16_4", 16, 4, "Wide ResNet 16-4 (~2.7 M params)");
  return true;
}();

}  // namespace
}  // namespace ens
