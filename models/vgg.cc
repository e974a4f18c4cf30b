// VGG-16 with BatchNorm, CIFAR variant of the SWA / FGE code: 13 conv3x3-BN-
// ReLU layers (64, 64, M, 128, 128, M, 256 x3, M, 512 x3, M, 512 x3, M), then
// dropout - fc 512 - ReLU - dropout - fc 512 - ReLU - fc classes.
#include <torch/nn/functional/activation.h>
#include <torch/nn/modules/batchnorm.h>

#include "absl/strings/str_cat.h"
#include "models/dropout.h"
#include "models/max_pool.h"
#include "models/model.h"

namespace ens {
namespace {

class Vgg16 : public Network {
 public:
  Vgg16(const ModelSpec& spec, double dropout, LayerFactory& layers) {
    const std::vector<int64_t> plan = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};
    int64_t in = spec.in_channels, side = spec.image_size;
    for (int64_t c : plan) {
      if (c == 0) {
        pool_after_.back() = true;
        side /= 2;
        continue;
      }
      const std::string i = std::to_string(convs_.size() + 1);
      convs_.push_back(RegisterLayer(*this, "conv" + i, layers.Conv2d(in, c, 3, 1, 1, true)));
      norms_.push_back(RegisterLayer(*this, "bn" + i, layers.BatchNorm2d(c)));
      pool_after_.push_back(false);
      in = c;
    }
    dropout1_ = register_module("dropout1", Dropout(dropout));
    fc1_ = RegisterLayer(*this, "fc1", layers.Linear(in * side * side, 512, true));
    dropout2_ = register_module("dropout2", Dropout(dropout));
    fc2_ = RegisterLayer(*this, "fc2", layers.Linear(512, 512, true));
    fc3_ = RegisterLayer(*this, "fc3", layers.Linear(512, spec.num_classes, true));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    torch::Tensor h = x;
    for (size_t i = 0; i < convs_.size(); ++i) {
      h = torch::relu(norms_[i].forward(convs_[i].forward(h)));
      if (pool_after_[i]) h = MaxPool2x2(h);
    }
    h = h.flatten(1);
    h = torch::relu(fc1_.forward(dropout1_->forward(h)));
    h = torch::relu(fc2_.forward(dropout2_->forward(h)));
    return fc3_.forward(h);
  }

 private:
  std::vector<torch::nn::AnyModule> convs_;
  std::vector<torch::nn::AnyModule> norms_;
  std::vector<bool> pool_after_;
  Dropout dropout1_{nullptr}, dropout2_{nullptr};
  torch::nn::AnyModule fc1_, fc2_, fc3_;
};

ENS_REGISTER(ModelRegistry(), "vgg16", "VGG-16 with BatchNorm, CIFAR classifier head (~15 M params)",
             ParamSchema().Double("dropout", 0.5, "dropout in the classifier").Min(0).Max(0.99),
             [](const Params& p, const ModelSpec& spec, LayerFactory& layers)
                 -> absl::StatusOr<std::shared_ptr<Network>> {
               if (spec.image_size < 32) {
                 return absl::InvalidArgumentError(absl::StrCat(
                     "model 'vgg16' needs images of at least 32x32 (five poolings), got ", spec.image_size));
               }
               return std::make_shared<Vgg16>(spec, p.Double("dropout"), layers);
             });

}  // namespace
}  // namespace ens
