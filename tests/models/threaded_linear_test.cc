// ens::ThreadedLinearForward gives LibTorch's linear values and gradients (up
// to float rounding) with its products split across two and three threads:
// with and without bias, odd row counts, an input that needs no gradient,
// what it leaves to LibTorch (small products, 3-D inputs, autocast), a
// second derivative, inference mode, and the module's parameters.
#include <ATen/Context.h>
#include <gtest/gtest.h>
#include <torch/autograd.h>
#include <torch/nn/functional/linear.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "core/autocast.h"
#include "models/threaded_linear.h"

namespace ens {
namespace {

class ThreadedLinearTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    saved_threads_ = torch::get_num_threads();
    torch::set_num_threads(GetParam());
  }
  void TearDown() override { torch::set_num_threads(saved_threads_); }

 private:
  int saved_threads_ = 1;
};

struct Grads {
  torch::Tensor y, x, weight, bias;
};

Grads Run(bool ours, const torch::Tensor& x0, const torch::Tensor& w0, const torch::Tensor& b0, bool x_grad,
          const torch::Tensor& upstream) {
  const torch::Tensor x = x0.detach().clone().requires_grad_(x_grad);
  const torch::Tensor w = w0.detach().clone().requires_grad_(true);
  const torch::Tensor b = b0.defined() ? b0.detach().clone().requires_grad_(true) : torch::Tensor();
  const torch::Tensor y = ours ? ThreadedLinearForward(x, w, b) : torch::nn::functional::linear(x, w, b);
  y.backward(upstream);
  return {y.detach(), x_grad ? x.grad() : torch::Tensor(), w.grad(), b.defined() ? b.grad() : torch::Tensor()};
}

// Equal up to float rounding: a block of rows is its own BLAS call, whose
// kernels may order a sum differently (seen: 3e-7 of the largest entry).
void ExpectClose(const torch::Tensor& ours, const torch::Tensor& theirs, const std::string& what) {
  const double scale = theirs.abs().max().item<double>();
  EXPECT_TRUE(torch::allclose(ours, theirs, /*rtol=*/1e-5, /*atol=*/1e-5 * scale))
      << what << ": largest difference " << (ours - theirs).abs().max().item<double>() << " of " << scale;
}

void ExpectLikeLibTorch(const std::vector<int64_t>& x_shape, int64_t out, bool bias, bool x_grad,
                          const std::string& what) {
  torch::manual_seed(7);
  const torch::Tensor x = torch::randn(x_shape);
  const torch::Tensor w = torch::randn({out, x_shape.back()}) / 30;
  const torch::Tensor b = bias ? torch::randn({out}) : torch::Tensor();
  std::vector<int64_t> y_shape = x_shape;
  y_shape.back() = out;
  const torch::Tensor upstream = torch::randn(y_shape);
  const Grads ours = Run(true, x, w, b, x_grad, upstream);
  const Grads theirs = Run(false, x, w, b, x_grad, upstream);
  ASSERT_EQ(ours.y.sizes(), theirs.y.sizes()) << what;
  ExpectClose(ours.y, theirs.y, what + ": output");
  ExpectClose(ours.weight, theirs.weight, what + ": weight gradient");
  ASSERT_EQ(ours.x.defined(), x_grad) << what;
  if (x_grad) {
    ExpectClose(ours.x, theirs.x, what + ": input gradient");
  }
  ASSERT_EQ(ours.bias.defined(), bias) << what;
  if (bias) {
    ExpectClose(ours.bias, theirs.bias, what + ": bias gradient");
  }
}

TEST(ThreadedLinearBuildTest, SplitsProducts) {
  // Fails when threaded_linear.cc is built without -fopenmp.
  EXPECT_TRUE(ThreadedLinearSplits());
}

TEST_P(ThreadedLinearTest, LeNetFc1LikeLibTorch) {
  ExpectLikeLibTorch({128, 9216}, 128, /*bias=*/true, /*x_grad=*/true, "lenet fc1");
}

TEST_P(ThreadedLinearTest, OddRowsWithoutBiasLikeLibTorch) {
  ExpectLikeLibTorch({131, 3000}, 77, /*bias=*/false, /*x_grad=*/true, "odd rows, no bias");
}

TEST_P(ThreadedLinearTest, InputWithoutGradientLikeLibTorch) {
  ExpectLikeLibTorch({96, 4096}, 100, /*bias=*/true, /*x_grad=*/false, "first layer");
}

TEST_P(ThreadedLinearTest, ThreeDimensionalInputLikeLibTorch) {
  ExpectLikeLibTorch({4, 33, 2048}, 96, /*bias=*/true, /*x_grad=*/true, "3-D input");
}

TEST_P(ThreadedLinearTest, SmallProductsLikeLibTorch) {
  ExpectLikeLibTorch({128, 128}, 10, /*bias=*/true, /*x_grad=*/true, "lenet fc2");
  ExpectLikeLibTorch({1, 9216}, 128, /*bias=*/true, /*x_grad=*/true, "one row");
}

TEST_P(ThreadedLinearTest, SecondDerivativeLikeLibTorch) {
  torch::manual_seed(8);
  const torch::Tensor x0 = torch::randn({128, 2048}), w0 = torch::randn({64, 2048}) / 30;
  std::vector<torch::Tensor> second;
  for (const bool ours : {true, false}) {
    const torch::Tensor x = x0.clone().requires_grad_(true), w = w0.clone().requires_grad_(true);
    const torch::Tensor y = ours ? ThreadedLinearForward(x, w, {}) : torch::nn::functional::linear(x, w);
    const torch::Tensor grad_x = torch::autograd::grad({y.pow(2).sum()}, {x}, {}, true, true)[0];
    grad_x.pow(2).sum().backward();
    second.push_back(w.grad());
  }
  ExpectClose(second[0], second[1], "second derivative");
}

TEST_P(ThreadedLinearTest, AutocastLikeLibTorch) {
  // Autocast is thread-local: the split's worker threads would not see it.
  torch::manual_seed(10);
  const torch::Tensor x = torch::randn({128, 9216}), w = torch::randn({128, 9216}) / 96, b = torch::randn({128});
  Bf16AutocastGuard autocast(torch::kCPU, true);
  const torch::Tensor ours = ThreadedLinearForward(x.to(torch::kBFloat16), w, b);
  const torch::Tensor theirs = torch::nn::functional::linear(x.to(torch::kBFloat16), w, b);
  EXPECT_EQ(ours.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::equal(ours, theirs));
  EXPECT_EQ(ThreadedLinearForward(x, w, b).scalar_type(), torch::kBFloat16);
}

TEST_P(ThreadedLinearTest, InferenceModeLikeLibTorch) {
  // The caller's inference mode reaches the worker threads (an out= write
  // into an inference tensor outside it is an error).
  torch::manual_seed(11);
  const torch::Tensor x = torch::randn({128, 9216}), w = torch::randn({128, 9216}) / 96, b = torch::randn({128});
  c10::InferenceMode inference;
  ExpectClose(ThreadedLinearForward(x, w, b), torch::nn::functional::linear(x, w, b), "inference mode");
}

TEST_P(ThreadedLinearTest, ModuleIsATorchLinear) {
  torch::manual_seed(9);
  ThreadedLinear layer(torch::nn::LinearOptions(9216, 128));
  const torch::nn::LinearImpl& base = *layer;
  EXPECT_EQ(base.weight.sizes(), (std::vector<int64_t>{128, 9216}));
  EXPECT_EQ(layer->named_parameters().keys(), (std::vector<std::string>{"weight", "bias"}));
  const torch::Tensor x = torch::randn({64, 9216});
  ExpectClose(layer->forward(x), torch::nn::functional::linear(x, base.weight, base.bias), "module");
}

// The layer splits only where that beats LibTorch: against MKL (PyPI's
// LibTorch 2.x) its forward is LibTorch's linear bit for bit; against
// OpenBLAS (Debian's 1.13), the split product bit for bit.
TEST_P(ThreadedLinearTest, ModuleSplitsOnlyWithoutMkl) {
  if (GetParam() < 2) GTEST_SKIP() << "one thread: the split is one product, as LibTorch's";
  torch::manual_seed(11);
  ThreadedLinear layer(torch::nn::LinearOptions(9216, 128));
  const torch::Tensor x = torch::randn({64, 9216});
  torch::NoGradGuard no_grad;
  const torch::Tensor split = ThreadedLinearForward(x, layer->weight, layer->bias);
  const torch::Tensor libtorch = torch::nn::functional::linear(x, layer->weight, layer->bias);
  if (torch::equal(split, libtorch)) {
    GTEST_SKIP() << "the split and LibTorch's product agree bit for bit here: which one ran cannot be seen";
  }
  EXPECT_EQ(ThreadedLinearPaysOff(), !at::globalContext().hasMKL());
  EXPECT_TRUE(torch::equal(layer->forward(x), ThreadedLinearPaysOff() ? split : libtorch));
}

INSTANTIATE_TEST_SUITE_P(Threads, ThreadedLinearTest, ::testing::Values(1, 2, 3));

}  // namespace
}  // namespace ens
