#include "models/variational.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "engine/flops.h"

namespace ens {
namespace {

TEST(VariationalLayerTest, KlEqualsItsClosedFormAndAMonteCarloEstimate) {
  VariationalLinear layer(3, 2, /*bias=*/true, /*init_rho=*/-1.0);
  {
    torch::NoGradGuard no_grad;
    layer->weight_mu.copy_(torch::tensor({{0.5, -1.0, 0.0}, {2.0, 0.1, -0.3}}));
    layer->weight_rho.copy_(torch::tensor({{-1.0, 0.0, 1.0}, {-2.0, 0.5, -0.5}}));
    layer->bias_mu.copy_(torch::tensor({0.2, -0.7}));
    layer->bias_rho.copy_(torch::tensor({0.3, -3.0}));
  }
  const double prior_variance = 0.5;
  // By hand, in double: KL(N(m, s^2) || N(0, v)) = log(sqrt(v) / s) + (s^2 + m^2) / (2 v) - 1/2.
  const torch::Tensor mu = torch::cat({layer->weight_mu.reshape(-1), layer->bias_mu}).to(torch::kDouble);
  const torch::Tensor rho = torch::cat({layer->weight_rho.reshape(-1), layer->bias_rho}).to(torch::kDouble);
  double expected = 0;
  for (int64_t i = 0; i < mu.size(0); ++i) {
    const double m = mu[i].item<double>();
    const double s = std::log1p(std::exp(rho[i].item<double>()));
    expected += std::log(std::sqrt(prior_variance) / s) + (s * s + m * m) / (2 * prior_variance) - 0.5;
  }
  EXPECT_NEAR(layer->Kl(prior_variance).item<double>(), expected, 1e-4);

  // E_q[log q(w) - log p(w)] from draws: an estimate that shares no formula.
  torch::manual_seed(3);
  const int64_t draws = 200000;
  const torch::Tensor sigma = torch::log1p(torch::exp(rho));
  const torch::Tensor w = mu + sigma * torch::randn({draws, mu.size(0)}, torch::kDouble);
  auto log_normal = [](const torch::Tensor& x, const torch::Tensor& mean, const torch::Tensor& sd) {
    return -0.5 * ((x - mean) / sd).pow(2) - torch::log(sd) - 0.5 * std::log(2 * M_PI);
  };
  const torch::Tensor log_q = log_normal(w, mu, sigma).sum(1);
  const torch::Tensor log_p =
      log_normal(w, torch::zeros_like(mu), torch::full_like(mu, std::sqrt(prior_variance))).sum(1);
  const torch::Tensor difference = log_q - log_p;
  const double standard_error = difference.std().item<double>() / std::sqrt(static_cast<double>(draws));
  EXPECT_NEAR(difference.mean().item<double>(), expected, 5 * standard_error);
}

// The local reparameterisation: pre-activations have mean x mu + b and
// variance x^2 sigma^2 + sigma_b^2; eval mode returns the mean.
TEST(VariationalLayerTest, LinearDrawsHaveTheMomentsOfTheWeightDistribution) {
  torch::manual_seed(1);
  VariationalLinear layer(3, 2, true, -1.5);
  const torch::Tensor x = torch::tensor({{1.0, -2.0, 0.5}}).repeat({100000, 1});
  layer->train();
  const torch::Tensor out = layer->forward(x).detach().to(torch::kDouble);
  const torch::Tensor w_mu = layer->weight_mu.detach().to(torch::kDouble);
  const torch::Tensor w_var = torch::softplus(layer->weight_rho.detach()).pow(2).to(torch::kDouble);
  const torch::Tensor b_var = torch::softplus(layer->bias_rho.detach()).pow(2).to(torch::kDouble);
  const torch::Tensor x0 = x[0].to(torch::kDouble);
  const torch::Tensor mean = torch::mv(w_mu, x0) + layer->bias_mu.detach().to(torch::kDouble);
  const torch::Tensor variance = torch::mv(w_var, x0.pow(2)) + b_var;
  EXPECT_TRUE(torch::allclose(out.mean(0), mean, 0, 0.02)) << out.mean(0) << mean;
  EXPECT_TRUE(torch::allclose(out.var(0), variance, 0.02, 0)) << out.var(0) << variance;
  layer->eval();
  EXPECT_TRUE(torch::allclose(layer->forward(x.slice(0, 0, 1)).to(torch::kDouble)[0], mean, 1e-5, 1e-6));
}

// Every architecture takes the variational kind through the layer factory.
TEST(VariationalLayerTest, ArchitecturesBuildWithVariationalLayers) {
  VariationalLayers layers;
  for (const char* model : {"mlp", "lenet", "preresnet20"}) {
    auto net = MakeModel(model, "", ModelSpec{3, 32, 10}, layers);
    ASSERT_TRUE(net.ok()) << model << ": " << net.status();
    EXPECT_GT(TotalKl(**net, 1.0).item<double>(), 0) << model;
    (*net)->train();
    torch::Tensor logits;
    // Its FLOPs are counted (training cost in results.json): every operator's
    // arguments in the form LibTorch's estimate reads.
    const auto flops = CountFlops([&] { logits = (*net)->forward(torch::rand({2, 3, 32, 32})); });
    EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 10})) << model;
    ASSERT_TRUE(flops.has_value()) << model;
    EXPECT_GT(*flops, 0) << model;
  }
}

}  // namespace
}  // namespace ens
