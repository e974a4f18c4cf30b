#include "datasets/batches.h"

#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

namespace ens {
namespace {

Dataset Tiny() {
  Dataset data;
  data.train.images = torch::arange(2 * 2 * 4 * 4, torch::kLong).remainder(256).to(torch::kByte).view({2, 2, 4, 4});
  data.train.labels = torch::zeros({2}, torch::kLong);
  data.mean = {0.5, 0.25};
  data.std = {0.5, 0.25};
  return data;
}

TEST(BatchesTest, NormalizesPerChannel) {
  const Dataset data = Tiny();
  BatchMaker maker(data, torch::kCPU);
  const torch::Tensor x = maker.Normalize(data.train.images);
  const torch::Tensor pixels = data.train.images.to(torch::kFloat) / 255;
  EXPECT_TRUE(x.select(1, 0).allclose((pixels.select(1, 0) - 0.5) / 0.5));
  EXPECT_TRUE(x.select(1, 1).allclose((pixels.select(1, 1) - 0.25) / 0.25));
}

TEST(BatchesTest, CropIsAShiftedWindowOfThePaddedImage) {
  const Dataset data = Tiny();
  BatchMaker maker(data, torch::kCPU);
  const torch::Tensor x = maker.Normalize(data.train.images);
  torch::manual_seed(0);
  const torch::Tensor out = maker.Augment(x, Augmentation{1, false});
  ASSERT_EQ(out.sizes(), x.sizes());
  const torch::Tensor padded = torch::constant_pad_nd(x, {1, 1, 1, 1}, 0);
  for (int64_t i = 0; i < 2; ++i) {
    bool found = false;
    for (int64_t dy = 0; dy <= 2; ++dy)
      for (int64_t dx = 0; dx <= 2; ++dx)
        found |= out[i].equal(padded[i].slice(1, dy, dy + 4).slice(2, dx, dx + 4));
    EXPECT_TRUE(found) << "example " << i;
  }
}

TEST(BatchesTest, FlipMirrorsOrKeeps) {
  const Dataset data = Tiny();
  BatchMaker maker(data, torch::kCPU);
  const torch::Tensor x = maker.Normalize(data.train.images);
  const torch::Tensor out = maker.Augment(x, Augmentation{0, true});
  for (int64_t i = 0; i < 2; ++i) EXPECT_TRUE(out[i].equal(x[i]) || out[i].equal(x[i].flip({2})));
  EXPECT_TRUE(maker.Augment(x, Augmentation{}).equal(x));
}

}  // namespace
}  // namespace ens
