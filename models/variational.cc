#include "models/variational.h"

#include <cmath>

#include <torch/nn/functional/linear.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

namespace ens {

void VariationalLayer::Init(const torch::Tensor& weight, const torch::Tensor& bias, double init_rho) {
  weight_mu = register_parameter("weight_mu", weight.detach().clone());
  weight_rho = register_parameter("weight_rho", torch::full_like(weight, init_rho));
  if (bias.defined()) {
    bias_mu = register_parameter("bias_mu", bias.detach().clone());
    bias_rho = register_parameter("bias_rho", torch::full_like(bias, init_rho));
  }
}

torch::Tensor VariationalLayer::WeightVariance() const { return torch::softplus(weight_rho).pow(2); }

torch::Tensor VariationalLayer::BiasVariance() const {
  return bias_rho.defined() ? torch::softplus(bias_rho).pow(2) : torch::Tensor();
}

torch::Tensor VariationalLayer::Sample(const torch::Tensor& mean, const torch::Tensor& variance) const {
  if (!is_training()) return mean;
  // The floor keeps the square root differentiable where the variance is 0.
  return mean + torch::sqrt(variance + 1e-16) * torch::randn_like(mean);
}

torch::Tensor VariationalLayer::Kl(double prior_variance) const {
  auto kl = [&](const torch::Tensor& mu, const torch::Tensor& rho) {
    const torch::Tensor sigma = torch::softplus(rho);
    return (0.5 * std::log(prior_variance) - torch::log(sigma) +
            (sigma.pow(2) + mu.pow(2)) / (2 * prior_variance) - 0.5)
        .sum();
  };
  torch::Tensor total = kl(weight_mu, weight_rho);
  if (bias_mu.defined()) total = total + kl(bias_mu, bias_rho);
  return total;
}

VariationalLinearImpl::VariationalLinearImpl(int64_t in_features, int64_t out_features, bool bias,
                                             double init_rho) {
  // LibTorch's own Linear initialises the means, as for a deterministic net.
  torch::nn::Linear init(torch::nn::LinearOptions(in_features, out_features).bias(bias));
  Init(init->weight, bias ? init->bias : torch::Tensor(), init_rho);
}

torch::Tensor VariationalLinearImpl::forward(const torch::Tensor& x) {
  const torch::Tensor mean = torch::nn::functional::linear(x, weight_mu, bias_mu);
  if (!is_training()) return mean;
  const torch::Tensor variance = torch::nn::functional::linear(x.pow(2), WeightVariance(), BiasVariance());
  return Sample(mean, variance);
}

VariationalConv2dImpl::VariationalConv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel,
                                             int64_t stride, int64_t padding, bool bias, double init_rho)
    : stride_(stride), padding_(padding) {
  torch::nn::Conv2d init(torch::nn::Conv2dOptions(in_channels, out_channels, kernel).bias(bias));
  Init(init->weight, bias ? init->bias : torch::Tensor(), init_rho);
}

torch::Tensor VariationalConv2dImpl::forward(const torch::Tensor& x) {
  // Stride, padding and dilation per dimension, as torch::nn::Conv2d passes
  // them (and as LibTorch's FLOP estimate reads them: engine/flops.h).
  const std::vector<int64_t> stride = {stride_, stride_}, padding = {padding_, padding_}, dilation = {1, 1};
  const torch::Tensor mean = torch::conv2d(x, weight_mu, bias_mu, stride, padding, dilation);
  if (!is_training()) return mean;
  const torch::Tensor variance =
      torch::conv2d(x.pow(2), WeightVariance(), BiasVariance(), stride, padding, dilation);
  return Sample(mean, variance);
}

torch::nn::AnyModule VariationalLayers::Linear(int64_t in_features, int64_t out_features, bool bias) {
  return torch::nn::AnyModule(VariationalLinear(in_features, out_features, bias, init_rho_));
}

torch::nn::AnyModule VariationalLayers::Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel,
                                               int64_t stride, int64_t padding, bool bias) {
  return torch::nn::AnyModule(VariationalConv2d(in_channels, out_channels, kernel, stride, padding, bias, init_rho_));
}

torch::Tensor TotalKl(const torch::nn::Module& net, double prior_variance) {
  torch::Tensor total;
  for (const auto& module : net.modules(/*include_self=*/true)) {
    if (const auto* layer = dynamic_cast<const VariationalLayer*>(module.get())) {
      const torch::Tensor kl = layer->Kl(prior_variance);
      total = total.defined() ? total + kl : kl;
    }
  }
  return total.defined() ? total : torch::zeros({});
}

void SetVariationalSampling(torch::nn::Module& net, bool sample) {
  for (const auto& module : net.modules(/*include_self=*/true)) {
    if (auto* layer = dynamic_cast<VariationalLayer*>(module.get())) layer->train(sample);
  }
}

namespace {

ENS_REGISTER(LayerKindRegistry(), "variational",
             "mean-field Gaussian Linear / Conv2d (local reparameterisation)", ParamSchema(),
             []() -> LayerFactory& {
               static auto* layers = new VariationalLayers();
               return *layers;
             });

}  // namespace
}  // namespace ens
