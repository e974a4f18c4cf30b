// Mean-field Gaussian layers for variational inference (Blundell et al. 2015;
// Kingma et al. 2015): every weight and bias has a mean mu and a standard
// deviation sigma = softplus(rho). In training mode (and for test-time
// sampling) the layer draws its pre-activations with the local
// reparameterisation trick,
//   out = x * mu  +  sqrt(x^2 * sigma^2) (.) eps,   eps ~ N(0, 1) per output,
// which is the exact distribution of x * W for W ~ q, at the noise of one
// draw per example; in eval mode it returns the mean x * mu.
//
// The "variational" layer kind makes them for any architecture through the
// LayerFactory: no architecture is copied.
#ifndef ENSEMBLES_MODELS_VARIATIONAL_H_
#define ENSEMBLES_MODELS_VARIATIONAL_H_

#include <cstdint>

#include <torch/nn/module.h>
#include <torch/types.h>

#include "models/model.h"

namespace ens {

// The parameters shared by both layer shapes.
class VariationalLayer : public torch::nn::Module {
 public:
  // KL(q || N(0, prior_variance)) summed over the layer's weights and biases,
  // in closed form: sum log(sigma_p / sigma) + (sigma^2 + mu^2) / (2 sigma_p^2) - 1/2.
  torch::Tensor Kl(double prior_variance) const;

  torch::Tensor weight_mu, weight_rho, bias_mu, bias_rho;  // bias_* undefined without bias

 protected:
  // Takes the deterministic layer's initialised weight (and bias) as the means.
  void Init(const torch::Tensor& weight, const torch::Tensor& bias, double init_rho);
  torch::Tensor WeightVariance() const;
  torch::Tensor BiasVariance() const;
  // mean + sqrt(variance) * eps in training mode, mean otherwise.
  torch::Tensor Sample(const torch::Tensor& mean, const torch::Tensor& variance) const;
};

class VariationalLinearImpl : public VariationalLayer {
 public:
  VariationalLinearImpl(int64_t in_features, int64_t out_features, bool bias, double init_rho);
  torch::Tensor forward(const torch::Tensor& x);
};
TORCH_MODULE(VariationalLinear);

class VariationalConv2dImpl : public VariationalLayer {
 public:
  VariationalConv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride, int64_t padding,
                        bool bias, double init_rho);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t stride_, padding_;
};
TORCH_MODULE(VariationalConv2d);

class VariationalLayers : public LayerFactory {
 public:
  // sigma starts at softplus(init_rho) (-5: about 0.0067).
  explicit VariationalLayers(double init_rho = -5.0) : init_rho_(init_rho) {}
  torch::nn::AnyModule Linear(int64_t in_features, int64_t out_features, bool bias) override;
  torch::nn::AnyModule Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
                              int64_t padding, bool bias) override;

 private:
  double init_rho_;
};

// Sum of Kl over every variational layer of `net`.
torch::Tensor TotalKl(const torch::nn::Module& net, double prior_variance);

// Sets the variational layers of `net` to sample (true) or to use their means.
void SetVariationalSampling(torch::nn::Module& net, bool sample);

}  // namespace ens

#endif  // ENSEMBLES_MODELS_VARIATIONAL_H_
