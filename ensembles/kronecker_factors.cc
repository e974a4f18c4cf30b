#include "ensembles/kronecker_factors.h"

#include <cmath>
#include <map>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/functional/fold.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "models/threaded_linear.h"

namespace ens {

// What a capturing layer records for the current batch.
class FactorCapture {
 public:
  virtual ~FactorCapture() = default;
  bool capture = false;
  torch::Tensor input, output_grad;
  // The layer's shape, for unfolding a convolution's input into patches.
  bool is_conv = false, has_bias = false;
  int64_t unfold_kernel = 1, unfold_stride = 1, unfold_padding = 0;

 protected:
  torch::Tensor Record(const torch::Tensor& x, torch::Tensor y) {
    if (capture && y.requires_grad()) {
      input = x.detach();
      y.register_hook([this](torch::Tensor grad) { output_grad = grad.detach(); });
    }
    return y;
  }
};

class CaptureLinearImpl : public ThreadedLinearImpl, public FactorCapture {
 public:
  using ThreadedLinearImpl::ThreadedLinearImpl;
  torch::Tensor forward(const torch::Tensor& x) { return Record(x, ThreadedLinearImpl::forward(x)); }
};
TORCH_MODULE(CaptureLinear);

class CaptureConv2dImpl : public torch::nn::Conv2dImpl, public FactorCapture {
 public:
  using torch::nn::Conv2dImpl::Conv2dImpl;
  torch::Tensor forward(const torch::Tensor& x) { return Record(x, torch::nn::Conv2dImpl::forward(x)); }
};
TORCH_MODULE(CaptureConv2d);

namespace {

class CaptureLayers : public LayerFactory {
 public:
  torch::nn::AnyModule Linear(int64_t in_features, int64_t out_features, bool bias) override {
    CaptureLinear layer(torch::nn::LinearOptions(in_features, out_features).bias(bias));
    layer->has_bias = bias;
    return torch::nn::AnyModule(layer);
  }
  torch::nn::AnyModule Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
                              int64_t padding, bool bias) override {
    CaptureConv2d layer(
        torch::nn::Conv2dOptions(in_channels, out_channels, kernel).stride(stride).padding(padding).bias(bias));
    layer->is_conv = true;
    layer->has_bias = bias;
    layer->unfold_kernel = kernel;
    layer->unfold_stride = stride;
    layer->unfold_padding = padding;
    return torch::nn::AnyModule(layer);
  }
};

// Rows of layer inputs, [rows, in (+1)]: the input itself, or its unfolded
// patches (one row per output position); a column of ones for the bias. On
// the layer's device, in float (double for a double network).
torch::Tensor InputRows(const FactorCapture& layer) {
  torch::Tensor rows;
  if (layer.is_conv) {
    const torch::Tensor patches = torch::nn::functional::unfold(
        layer.input, torch::nn::functional::UnfoldFuncOptions(layer.unfold_kernel)
                         .padding(layer.unfold_padding)
                         .stride(layer.unfold_stride));
    rows = patches.transpose(1, 2).reshape({-1, patches.size(1)});
  } else {
    rows = layer.input.reshape({-1, layer.input.size(-1)});
  }
  if (rows.scalar_type() != torch::kDouble) rows = rows.to(torch::kFloat);
  if (layer.has_bias) rows = torch::cat({rows, torch::ones({rows.size(0), 1}, rows.options())}, 1);
  return rows;
}

}  // namespace

LayerFactory& KfacCaptureLayers() {
  static auto* layers = new CaptureLayers();
  return *layers;
}

absl::StatusOr<std::vector<LayerFactors>> ComputeKroneckerFactors(Network& net, const Split& split,
                                                                  const BatchMaker& batches, int64_t batch_size,
                                                                  bool sampled_labels, uint64_t seed) {
  std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> layers;
  for (const auto& item : net.named_modules("", /*include_self=*/false)) {
    if (auto* capture = dynamic_cast<FactorCapture*>(item.value().get())) {
      capture->capture = true;
      layers.emplace_back(item.key(), item.value());
    }
  }
  if (layers.empty()) {
    return absl::InvalidArgumentError("kfac: the network has no Linear or Conv2d layer made by KfacCaptureLayers()");
  }
  std::vector<LayerFactors> factors(layers.size());
  std::vector<int64_t> a_rows(layers.size(), 0);
  // Each batch's A += R^T R and G += D^T D runs in the layers' dtype on their
  // device, into sums that go to the float64 totals every kFlushEvery batches:
  // lenet's fc1 A is 9217^2, and there one float addmm_ into a kept sum costs
  // a quarter of a float64 product into a new tensor (on the CPU; on a GPU the
  // products stay there). Rounding stays that of float sums of a few batches.
  constexpr int kFlushEvery = 16;
  std::vector<torch::Tensor> a_sum(layers.size()), g_sum(layers.size());
  const auto flush = [&] {
    for (size_t l = 0; l < layers.size(); ++l) {
      if (!a_sum[l].defined()) continue;
      const torch::Tensor a = a_sum[l].to(torch::kCPU, torch::kDouble);
      const torch::Tensor g = g_sum[l].to(torch::kCPU, torch::kDouble);
      factors[l].a = factors[l].a.defined() ? factors[l].a.add_(a) : a;
      factors[l].g = factors[l].g.defined() ? factors[l].g.add_(g) : g;
      a_sum[l].zero_();
      g_sum[l].zero_();
    }
  };
  int batch = 0;
  int64_t examples = 0;
  auto generator = at::detail::createCPUGenerator(seed);
  net.eval();
  const int64_t n = split.size();
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    const int64_t end = std::min(begin + batch_size, n);
    net.zero_grad();
    const torch::Tensor logits = net.forward(batches.Normalize(split.images.slice(0, begin, end)));
    torch::Tensor labels;
    if (sampled_labels) {
      const torch::Tensor probs = torch::softmax(logits.detach().to(torch::kCPU, torch::kDouble), 1);
      labels = torch::multinomial(probs, 1, /*replacement=*/true, generator).view({-1}).to(logits.device());
    } else {
      labels = split.labels.slice(0, begin, end).to(logits.device());
    }
    // Summed, so each example's output gradient is that of its own loss.
    torch::nll_loss(torch::log_softmax(logits, 1), labels, {}, torch::Reduction::Sum).backward();
    for (size_t l = 0; l < layers.size(); ++l) {
      auto* capture = dynamic_cast<FactorCapture*>(layers[l].second.get());
      const torch::Tensor ra = InputRows(*capture);
      // Gradients: [B, out] or [B, out, H, W] -> one row per example and position.
      const torch::Tensor g = capture->output_grad.dim() == 4
                                  ? capture->output_grad.permute({0, 2, 3, 1}).reshape({-1, capture->output_grad.size(1)})
                                  : capture->output_grad;
      const torch::Tensor gd = g.to(ra.scalar_type());
      factors[l].name = layers[l].first;
      factors[l].bias = capture->has_bias;
      if (!a_sum[l].defined()) {
        a_sum[l] = torch::zeros({ra.size(1), ra.size(1)}, ra.options());
        g_sum[l] = torch::zeros({gd.size(1), gd.size(1)}, gd.options());
      }
      a_sum[l].addmm_(ra.t(), ra);
      g_sum[l].addmm_(gd.t(), gd);
      a_rows[l] += ra.size(0);
    }
    examples += end - begin;
    if (++batch % kFlushEvery == 0) flush();
  }
  flush();
  for (size_t l = 0; l < layers.size(); ++l) {
    dynamic_cast<FactorCapture*>(layers[l].second.get())->capture = false;
    factors[l].a /= static_cast<double>(a_rows[l]);           // mean over examples and positions
    factors[l].g /= static_cast<double>(examples);            // mean over examples, summed over positions
  }
  net.zero_grad();
  return factors;
}

}  // namespace ens
