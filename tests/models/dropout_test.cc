// ens::Dropout: the counter-based mask keeps the right share of elements, is
// a function of the key only (not of the thread count), scales by 1/(1-p),
// and its gradient applies the same mask; the module follows train/eval.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/nn/functional/loss.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "models/dropout.h"
#include "models/model.h"

namespace ens {
namespace {

TEST(CounterDropoutTest, KeepsOneMinusPOfTheElementsScaled) {
  const torch::Tensor x = torch::ones({1000, 1001});  // an odd count: the last output's high half unused
  for (double p : {0.1, 0.25, 0.5, 0.9}) {
    const torch::Tensor out = CounterDropout(x, p, 12345);
    const torch::Tensor kept = out != 0;
    const double share = kept.to(torch::kDouble).mean().item<double>();
    const double sd = std::sqrt(p * (1 - p) / x.numel());
    EXPECT_NEAR(share, 1 - p, 6 * sd) << "p " << p;
    EXPECT_TRUE(torch::allclose(out.masked_select(kept), torch::full({1}, 1 / (1 - p)))) << "p " << p;
  }
}

TEST(CounterDropoutTest, TheMaskIsAFunctionOfTheKeyOnly) {
  const torch::Tensor x = torch::randn({64, 32, 12, 12});
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  const torch::Tensor one_thread = CounterDropout(x, 0.25, 7);
  at::set_num_threads(4);
  const torch::Tensor four_threads = CounterDropout(x, 0.25, 7);
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one_thread, four_threads));
  EXPECT_TRUE(torch::equal(one_thread, CounterDropout(x, 0.25, 7)));
  EXPECT_FALSE(torch::equal(one_thread, CounterDropout(x, 0.25, 8)));
  // The two halves of one 64-bit output are independent: about half of the
  // pairs have one element kept and one dropped.
  const torch::Tensor kept = (CounterDropout(torch::ones({4096}), 0.5, 3) != 0).view({2048, 2}).sum(1);
  EXPECT_NEAR((kept == 1).sum().item<int64_t>(), 1024, 150);
}

TEST(CounterDropoutTest, GradientAppliesTheSameMask) {
  for (bool channels_last : {false, true}) {
    torch::Tensor x = torch::randn({8, 16, 5, 5});
    if (channels_last) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    x.requires_grad_(true);
    const torch::Tensor out = CounterDropout(x, 0.3, 99);
    const torch::Tensor upstream = torch::randn({8, 16, 5, 5});
    out.backward(upstream);
    const torch::Tensor kept = out.detach() != 0;
    // out = x * mask / (1 - p), so d out / d x = mask / (1 - p) elementwise.
    EXPECT_TRUE(torch::allclose(x.grad(), upstream * kept.to(torch::kFloat) / 0.7)) << channels_last;
    EXPECT_TRUE(torch::allclose(out.detach(), x.detach() * kept.to(torch::kFloat) / 0.7)) << channels_last;
  }
}

TEST(DropoutModuleTest, TrainsWithAFreshMaskEachCallAndIsTheIdentityInEval) {
  Dropout dropout(0.5);
  const torch::Tensor x = torch::randn({100, 100});
  torch::manual_seed(1);
  const torch::Tensor first = dropout->forward(x);
  const torch::Tensor second = dropout->forward(x);
  EXPECT_FALSE(torch::equal(first, second));
  torch::manual_seed(1);
  EXPECT_TRUE(torch::equal(first, dropout->forward(x)));  // reproducible from the global seed
  dropout->eval();
  EXPECT_TRUE(torch::equal(dropout->forward(x), x));
  dropout->train();
  EXPECT_TRUE(torch::equal(Dropout(0.0)->forward(x), x));
  EXPECT_THROW(Dropout(1.0), c10::Error);
}

// lenet pools before its ReLU: the same function and gradients as the
// MNIST example's ReLU-then-pool, computed here from lenet's own parameters.
TEST(LenetOrderTest, PoolThenReluEqualsReluThenPool) {
  auto made = MakeModel("lenet", "dropout=0,fc_dropout=0", ModelSpec{1, 28, 10}, StandardLayers());
  ASSERT_TRUE(made.ok()) << made.status();
  Network& net = **made;
  auto params = net.named_parameters();
  const torch::Tensor x = torch::randn({16, 1, 28, 28});
  const torch::Tensor target = torch::randint(0, 10, {16});
  torch::nn::functional::cross_entropy(net.forward(x), target).backward();
  std::vector<torch::Tensor> ours;
  for (const auto& p : params) ours.push_back(p.value().grad().clone());

  std::vector<torch::Tensor> leaves;
  for (const auto& p : params) leaves.push_back(p.value().detach().clone().requires_grad_(true));
  auto by_name = [&](const std::string& name) {
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i].key() == name) return leaves[i];
    }
    ADD_FAILURE() << "no parameter " << name;
    return torch::Tensor();
  };
  torch::Tensor h = torch::relu(torch::conv2d(x, by_name("conv1.weight"), by_name("conv1.bias")));
  h = torch::max_pool2d(torch::relu(torch::conv2d(h, by_name("conv2.weight"), by_name("conv2.bias"))), 2);
  h = torch::relu(torch::linear(h.flatten(1), by_name("fc1.weight"), by_name("fc1.bias")));
  const torch::Tensor reference = torch::linear(h, by_name("fc2.weight"), by_name("fc2.bias"));
  EXPECT_TRUE(torch::equal(reference, net.forward(x)));
  torch::nn::functional::cross_entropy(reference, target).backward();
  for (size_t i = 0; i < leaves.size(); ++i) {
    EXPECT_TRUE(torch::equal(leaves[i].grad(), ours[i])) << params[i].key();
  }
}

}  // namespace
}  // namespace ens
