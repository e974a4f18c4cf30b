// CountFlops counts what runs: convolutions (grouped too) and matrix
// products at 2 FLOPs per multiply-add, the rows of our threaded linear
// layer's split included.
#include "engine/flops.h"

#include <gtest/gtest.h>
#include <torch/nn.h>
#include <torch/types.h>

#include "core/autocast.h"
#include "models/threaded_linear.h"

namespace ens {
namespace {

TEST(CountFlopsTest, ConvolutionsAndLinearLayersAtTwoPerMultiplyAdd) {
  torch::nn::Conv2d dense(torch::nn::Conv2dOptions(3, 16, 3).padding(1).bias(false));
  torch::nn::Conv2d grouped(torch::nn::Conv2dOptions(16, 16, 3).padding(1).groups(4).bias(false));
  torch::nn::Linear linear(16 * 8 * 8, 10);
  const torch::Tensor x = torch::randn({5, 3, 8, 8});
  torch::NoGradGuard no_grad;
  const auto flops = CountFlops([&] { linear->forward(grouped->forward(dense->forward(x)).flatten(1)); });
  ASSERT_TRUE(flops.has_value());
  const double per_image = 2.0 * (16 * 3 * 9 * 64) + 2.0 * (16 * 4 * 9 * 64) + 2.0 * (1024 * 10);
  EXPECT_EQ(*flops, 5 * per_image);
}

TEST(CountFlopsTest, CountsTheThreadedLinearLayersRowsOnEveryThread) {
  const int threads = torch::get_num_threads();
  torch::set_num_threads(2);
  ThreadedLinear layer(torch::nn::LinearOptions(512, 256));
  const torch::Tensor x = torch::randn({64, 512});
  torch::NoGradGuard no_grad;
  const auto flops = CountFlops([&] { layer->forward(x); });
  torch::set_num_threads(threads);
  ASSERT_TRUE(flops.has_value());
  EXPECT_EQ(*flops, 64 * 2.0 * 512 * 256);
}

TEST(CountFlopsTest, AutocastCountsEachConvolutionOnce) {
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 8, 3).padding(1).bias(false));
  const torch::Tensor x = torch::randn({2, 3, 6, 6});
  torch::NoGradGuard no_grad;
  const auto plain = CountFlops([&] { conv->forward(x); });
  std::optional<double> cast;
  {
    Bf16AutocastGuard autocast(torch::kCPU, /*enabled=*/true);
    cast = CountFlops([&] { conv->forward(x); });
  }
  ASSERT_TRUE(plain.has_value() && cast.has_value());
  EXPECT_EQ(*plain, 2.0 * 2 * 8 * 3 * 9 * 36);
  EXPECT_EQ(*cast, *plain);
}

TEST(CountFlopsTest, ElementwiseOperationsOnePerElement) {
  const torch::Tensor a = torch::randn({7, 11}), b = torch::randn({7, 11});
  const auto flops = CountFlops([&] { (a * b).add(a); });
  ASSERT_TRUE(flops.has_value());
  EXPECT_EQ(*flops, 2 * 77.0);
}

TEST(CountFlopsTest, InsideAnotherCountTheWorkRunsUncounted) {
  const torch::Tensor a = torch::randn({8, 8});
  std::optional<double> inner = 1;
  int runs = 0;
  const auto outer = CountFlops([&] {
    inner = CountFlops([&] {
      ++runs;
      torch::mm(a, a);
    });
  });
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(inner.has_value());
  ASSERT_TRUE(outer.has_value());
  EXPECT_EQ(*outer, 2.0 * 8 * 8 * 8);
}

TEST(CountFlopsTest, AnExceptionLeavesNoProfilerBehind) {
  const torch::Tensor a = torch::randn({2, 3});
  EXPECT_ANY_THROW(CountFlops([&] { torch::mm(a, a); }));
  const auto flops = CountFlops([&] { torch::mm(a, a.t()); });
  ASSERT_TRUE(flops.has_value());
  EXPECT_EQ(*flops, 2.0 * 2 * 3 * 2);
}

TEST(CountFlopsTest, AnOperatorLibTorchCannotEstimateMakesNoCountAndNoWarning) {
  // One stride, padding, dilation for both dimensions: LibTorch's estimate wants two.
  const torch::Tensor x = torch::randn({1, 2, 5, 5}), w = torch::randn({3, 2, 3, 3});
  testing::internal::CaptureStderr();
  const auto flops = CountFlops([&] { torch::conv2d(x, w, {}, 1, 1); });
  const std::string printed = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(flops.has_value());
  EXPECT_EQ(printed.find("flops"), std::string::npos) << printed;
  const auto counted = CountFlops([&] { torch::conv2d(x, w, {}, {1, 1}, {1, 1}, {1, 1}); });
  ASSERT_TRUE(counted.has_value());
  EXPECT_EQ(*counted, 2.0 * 3 * 2 * 9 * 25);
}

}  // namespace
}  // namespace ens
