// ResNet-20 and ResNet-110 for CIFAR (He et al. 2016; ResNet-110 as in
// Snapshot Ensembles): conv3x3(16)-BN-ReLU, three stages of (depth - 2) / 6
// post-activation basic blocks (16, 32, 64 channels; strides 1, 2, 2),
// average pooling, fc. Where a block changes shape, its shortcut is the
// paper's parameter-free option A (stride-2 subsampling, zero-padded
// channels) or, with shortcut=projection, a 1x1 convolution and BatchNorm
// (option B, as torchvision's and torch-uncertainty's ResNets).
#include <torch/nn/functional/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "models/dropout.h"
#include "models/model.h"

namespace ens {
namespace {

class BasicBlock : public torch::nn::Module {
 public:
  BasicBlock(int64_t in, int64_t out, int64_t stride, double dropout, bool projection, LayerFactory& layers)
      : stride_(stride), pad_(out - in) {
    conv1_ = RegisterLayer(*this, "conv1", layers.Conv2d(in, out, 3, stride, 1, false));
    bn1_ = RegisterLayer(*this, "bn1", layers.BatchNorm2d(out));
    dropout_ = register_module("dropout", Dropout(dropout));
    conv2_ = RegisterLayer(*this, "conv2", layers.Conv2d(out, out, 3, 1, 1, false));
    bn2_ = RegisterLayer(*this, "bn2", layers.BatchNorm2d(out));
    if (projection && (stride != 1 || in != out)) {
      shortcut_conv_ = RegisterLayer(*this, "shortcut_conv", layers.Conv2d(in, out, 1, stride, 0, false));
      shortcut_bn_ = RegisterLayer(*this, "shortcut_bn", layers.BatchNorm2d(out));
    }
  }

  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor h = dropout_->forward(torch::relu(bn1_.forward(conv1_.forward(x))));
    h = bn2_.forward(conv2_.forward(h));
    if (!shortcut_conv_.is_empty()) return torch::relu(h + shortcut_bn_.forward(shortcut_conv_.forward(x)));
    torch::Tensor residual = x;
    if (stride_ != 1) residual = residual.slice(2, 0, residual.size(2), stride_).slice(3, 0, residual.size(3), stride_);
    if (pad_ > 0) residual = torch::constant_pad_nd(residual, {0, 0, 0, 0, pad_ / 2, pad_ - pad_ / 2}, 0);
    return torch::relu(h + residual);
  }

 private:
  int64_t stride_, pad_;
  torch::nn::AnyModule conv1_, conv2_, shortcut_conv_;
  torch::nn::AnyModule bn1_, bn2_, shortcut_bn_;
  Dropout dropout_{nullptr};
};

class ResNet : public Network {
 public:
  ResNet(const ModelSpec& spec, int64_t depth, double dropout, bool projection, LayerFactory& layers) {
    const int64_t blocks = (depth - 2) / 6;
    conv_ = RegisterLayer(*this, "conv", layers.Conv2d(spec.in_channels, 16, 3, 1, 1, false));
    bn_ = RegisterLayer(*this, "bn", layers.BatchNorm2d(16));
    int64_t in = 16;
    for (int64_t stage = 0; stage < 3; ++stage) {
      const int64_t out = 16 << stage;
      for (int64_t b = 0; b < blocks; ++b) {
        const int64_t stride = (stage > 0 && b == 0) ? 2 : 1;
        blocks_.push_back(register_module(absl::StrCat("stage", stage + 1, "_block", b + 1),
                                          std::make_shared<BasicBlock>(in, out, stride, dropout, projection, layers)));
        in = out;
      }
    }
    fc_ = RegisterLayer(*this, "fc", layers.Linear(in, spec.num_classes, true));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    torch::Tensor h = torch::relu(bn_.forward(conv_.forward(x)));
    for (auto& block : blocks_) h = block->forward(h);
    return fc_.forward(h.mean({2, 3}));
  }

 private:
  torch::nn::AnyModule conv_, fc_;
  torch::nn::AnyModule bn_;
  std::vector<std::shared_ptr<BasicBlock>> blocks_;
};

ParamSchema ResNetSchema() {
  return ParamSchema()
      .Double("dropout", 0.0, "dropout between the convolutions of each block").Min(0).Max(0.99)
      .String("shortcut", "zero_pad", "where a block changes shape: the paper's option A, or a 1x1 convolution "
              "and BatchNorm").Choices({"zero_pad", "projection"});
}

template <int64_t kDepth>
absl::StatusOr<std::shared_ptr<Network>> MakeResNet(const Params& p, const ModelSpec& spec, LayerFactory& layers) {
  return std::make_shared<ResNet>(spec, kDepth, p.Double("dropout"), p.String("shortcut") == "projection", layers);
}

ENS_REGISTER(ModelRegistry(), "resnet20", "CIFAR ResNet-20 (~0.27 M params)", ResNetSchema(), MakeResNet<20>);
ENS_REGISTER(ModelRegistry(), "resnet110", "CIFAR ResNet-110 (~1.7 M params)", ResNetSchema(), MakeResNet<110>);

}  // namespace
}  // namespace ens
