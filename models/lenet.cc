// lenet: the classic MNIST-example CNN of PyTorch's examples repository:
// conv 3x3 (32) - ReLU - conv 3x3 (64) - ReLU - max-pool 2 - dropout -
// fc 128 - ReLU - dropout - fc classes. Width scales the channel counts.
#include <torch/nn/functional/activation.h>

#include "absl/strings/str_cat.h"
#include "models/dropout.h"
#include "models/max_pool.h"
#include "models/model.h"

namespace ens {
namespace {

class LeNet : public Network {
 public:
  LeNet(const ModelSpec& spec, double width, double dropout, double fc_dropout, LayerFactory& layers) {
    const int64_t c1 = std::max<int64_t>(1, static_cast<int64_t>(32 * width));
    const int64_t c2 = std::max<int64_t>(1, static_cast<int64_t>(64 * width));
    const int64_t hidden = std::max<int64_t>(1, static_cast<int64_t>(128 * width));
    const int64_t side = (spec.image_size - 4) / 2;  // two valid 3x3 convs, then 2x2 pooling
    conv1_ = RegisterLayer(*this, "conv1", layers.Conv2d(spec.in_channels, c1, 3, 1, 0, true));
    conv2_ = RegisterLayer(*this, "conv2", layers.Conv2d(c1, c2, 3, 1, 0, true));
    dropout1_ = register_module("dropout1", Dropout(dropout));
    fc1_ = RegisterLayer(*this, "fc1", layers.Linear(c2 * side * side, hidden, true));
    dropout2_ = register_module("dropout2", Dropout(fc_dropout));
    fc2_ = RegisterLayer(*this, "fc2", layers.Linear(hidden, spec.num_classes, true));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    torch::Tensor h = torch::relu(conv1_.forward(x));
    // Pooling before the ReLU: the same values and gradients as ReLU then
    // pooling (max and ReLU commute), with the ReLU on a quarter of the data.
    h = torch::relu(MaxPool2x2(conv2_.forward(h)));
    h = dropout1_->forward(h).flatten(1);
    h = dropout2_->forward(torch::relu(fc1_.forward(h)));
    return fc2_.forward(h);
  }

 private:
  torch::nn::AnyModule conv1_, conv2_, fc1_, fc2_;
  Dropout dropout1_{nullptr}, dropout2_{nullptr};
};

ENS_REGISTER(ModelRegistry(), "lenet",
             "PyTorch's MNIST-example CNN: conv32, conv64, max-pool, dropout, fc128, fc",
             ParamSchema()
                 .Double("width", 1.0, "multiplier of the channel and unit counts").Min(0.01).Max(16)
                 .Double("dropout", 0.25, "dropout after the pooling").Min(0).Max(0.99)
                 .Double("fc_dropout", 0.5, "dropout after fc1").Min(0).Max(0.99),
             [](const Params& p, const ModelSpec& spec, LayerFactory& layers)
                 -> absl::StatusOr<std::shared_ptr<Network>> {
               if (spec.image_size < 6) {
                 return absl::InvalidArgumentError(absl::StrCat(
                     "model 'lenet' needs images of at least 6x6, got ", spec.image_size));
               }
               return std::make_shared<LeNet>(spec, p.Double("width"), p.Double("dropout"),
                                              p.Double("fc_dropout"), layers);
             });

}  // namespace
}  // namespace ens
