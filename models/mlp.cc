// mlp: flatten, `depth` hidden Linear + ReLU (+ dropout) layers, a Linear
// classifier.
#include <torch/nn/functional/activation.h>

#include "absl/strings/str_cat.h"
#include "models/dropout.h"
#include "models/model.h"

namespace ens {
namespace {

class Mlp : public Network {
 public:
  Mlp(const ModelSpec& spec, int64_t width, int64_t depth, double dropout, LayerFactory& layers) {
    int64_t in = spec.in_channels * spec.image_size * spec.image_size;
    for (int64_t i = 0; i < depth; ++i) {
      hidden_.push_back(RegisterLayer(*this, absl::StrCat("fc", i + 1), layers.Linear(in, width, true)));
      in = width;
    }
    dropout_ = register_module("dropout", Dropout(dropout));
    out_ = RegisterLayer(*this, "out", layers.Linear(in, spec.num_classes, true));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    torch::Tensor h = x.flatten(1);
    for (auto& layer : hidden_) h = dropout_->forward(torch::relu(layer.forward(h)));
    return out_.forward(h);
  }

 private:
  std::vector<torch::nn::AnyModule> hidden_;
  Dropout dropout_{nullptr};
  torch::nn::AnyModule out_;
};

ENS_REGISTER(ModelRegistry(), "mlp", "multi-layer perceptron on flattened pixels",
             ParamSchema()
                 .Int("width", 512, "hidden units per layer").Min(1)
                 .Int("depth", 2, "hidden layers").Min(0).Max(64)
                 .Double("dropout", 0.0, "dropout after each hidden layer").Min(0).Max(0.99),
             [](const Params& p, const ModelSpec& spec, LayerFactory& layers)
                 -> absl::StatusOr<std::shared_ptr<Network>> {
               return std::make_shared<Mlp>(spec, p.Int("width"), p.Int("depth"), p.Double("dropout"), layers);
             });

}  // namespace
}  // namespace ens
