// ens::MaxPool2x2 gives LibTorch's max_pool2d(x, 2) values and gradients bit
// for bit: random data, ties (the first maximum wins), NaN and -inf, odd
// sides, double, non-contiguous inputs, and the fallbacks.
#include <limits>

#include <gtest/gtest.h>
#include <torch/nn/modules/conv.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "models/max_pool.h"

namespace ens {
namespace {

// Forward and backward of ours and LibTorch's on copies of `x`, compared
// with torch::equal (NaN compared by position).
void ExpectSameAsLibTorch(const torch::Tensor& x, const std::string& what) {
  const torch::Tensor a = x.detach().clone().requires_grad_(true);
  const torch::Tensor b = x.detach().clone().requires_grad_(true);
  const torch::Tensor ours = MaxPool2x2(a);
  const torch::Tensor theirs = torch::max_pool2d(b, 2);
  ASSERT_EQ(ours.sizes(), theirs.sizes()) << what;
  EXPECT_TRUE(torch::equal(ours.isnan(), theirs.isnan())) << what;
  EXPECT_TRUE(torch::equal(ours.detach().nan_to_num(0), theirs.detach().nan_to_num(0))) << what;
  const torch::Tensor upstream = torch::randn(theirs.sizes(), theirs.options());
  ours.backward(upstream);
  theirs.backward(upstream);
  EXPECT_TRUE(torch::equal(a.grad(), b.grad())) << what;
}

TEST(MaxPool2x2Test, RandomDataLikeLibTorch) {
  torch::manual_seed(1);
  ExpectSameAsLibTorch(torch::randn({4, 3, 8, 10}), "float");
  ExpectSameAsLibTorch(torch::randn({2, 5, 6, 6}, torch::kDouble), "double");
  ExpectSameAsLibTorch(torch::randn({2, 3, 7, 9}), "odd sides");
  ExpectSameAsLibTorch(torch::randn({1, 1, 2, 2}), "one window");
  ExpectSameAsLibTorch(torch::randn({2, 3, 4, 19}), "four windows a row and a tail");
}

TEST(MaxPool2x2Test, TiesGoToTheFirstMaximumInRowMajorOrder) {
  torch::manual_seed(2);
  // Three values per window on average: most windows tie.
  const torch::Tensor x = torch::randint(0, 3, {8, 4, 10, 10}).to(torch::kFloat);
  ExpectSameAsLibTorch(x, "ties");
  const torch::Tensor all_equal = torch::ones({1, 1, 2, 2}).requires_grad_(true);
  MaxPool2x2(all_equal).sum().backward();
  EXPECT_TRUE(torch::equal(all_equal.grad(), torch::tensor({1.f, 0.f, 0.f, 0.f}).view({1, 1, 2, 2})));
}

TEST(MaxPool2x2Test, NanAndInfinitiesLikeLibTorch) {
  for (const auto dtype : {torch::kFloat, torch::kDouble}) {  // the vector and the scalar paths
    torch::manual_seed(3);
    torch::Tensor x = torch::randn({2, 2, 6, 8}, dtype);
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    auto flat = x.view({-1});
    // Plane 0 is 6 x 8: element r * 8 + c lies in window (r / 2, c / 2).
    flat[0] = nan;  // window (0, 0), first
    flat[3] = nan;  // window (0, 1), second
    flat[4] = nan;  // window (0, 2): two NaNs, first and last
    flat[13] = nan;
    flat[16] = -inf;  // window (1, 0): only -inf
    flat[17] = -inf;
    flat[24] = -inf;
    flat[25] = -inf;
    flat[26] = nan;  // window (1, 1), third
    flat[40] = inf;
    ExpectSameAsLibTorch(x, std::string("nan / inf ") + c10::toString(dtype));
  }
}

TEST(MaxPool2x2Test, NonContiguousAndFallbackInputs) {
  torch::manual_seed(4);
  ExpectSameAsLibTorch(torch::randn({3, 4, 8, 8}).transpose(2, 3), "transposed");
  ExpectSameAsLibTorch(torch::randn({3, 4, 8, 8}).contiguous(torch::MemoryFormat::ChannelsLast), "channels_last");
  ExpectSameAsLibTorch(torch::randn({3, 8, 8}), "3-D");
  ExpectSameAsLibTorch(torch::randn({2, 2, 4, 4}).to(torch::kBFloat16).to(torch::kFloat), "bf16-valued");
}

TEST(MaxPool2x2Test, TrainsThroughAConvolution) {
  // The gradient reaches the weights below: the same as with LibTorch's.
  torch::manual_seed(5);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(2, 3, 3));
  const torch::Tensor x = torch::randn({4, 2, 9, 9});
  MaxPool2x2(conv(x)).pow(2).sum().backward();
  const torch::Tensor ours = conv->weight.grad().clone();
  conv->weight.mutable_grad().zero_();
  torch::max_pool2d(conv(x), 2).pow(2).sum().backward();
  EXPECT_TRUE(torch::equal(ours, conv->weight.grad()));
}

}  // namespace
}  // namespace ens
