// The corruptions on real Fashion-MNIST test images: every registered one
// keeps the shape and [0, 1], is a function of (images, severity, seed), and
// moves images further at severity 5 than at 1; the ones with closed forms
// match them (noise scale, contrast, brightness, pixelate's blocks, the
// exact turn and roll, JPEG's quality); bad parameters and severities are
// one-line errors.
#include <cmath>
#include <string>

#include <gtest/gtest.h>
#include <torch/types.h>

#include "datasets/idx_reader.h"
#include "shift/corruption.h"

namespace ens {
namespace {

// 64 real test images as float [0, 1].
torch::Tensor Images() {
  static const torch::Tensor images = [] {
    auto read = ReadIdxImages("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
    EXPECT_TRUE(read.ok()) << read.status();
    return read.ok() ? read->slice(0, 0, 64).to(torch::kFloat) / 255.0 : torch::Tensor();
  }();
  return images;
}

Corruption Make(const std::string& name, const std::string& args = "") {
  auto made = MakeCorruption(name, args);
  EXPECT_TRUE(made.ok()) << made.status();
  return made.ok() ? *made : Corruption([](const torch::Tensor& x, int, uint64_t) { return x; });
}

double MeanChange(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().mean().item<double>(); }

TEST(CorruptionTest, EveryCorruptionIsAPureFunctionThatGrowsWithSeverity) {
  const torch::Tensor x = Images();
  ASSERT_GE(CorruptionRegistry().Entries().size(), 16u);
  for (const auto* entry : CorruptionRegistry().Entries()) {
    SCOPED_TRACE(entry->name);
    const Corruption corrupt = Make(entry->name);
    const torch::Tensor mild = corrupt(x, 1, 5), harsh = corrupt(x, 5, 5);
    EXPECT_EQ(mild.sizes(), x.sizes());
    EXPECT_EQ(mild.scalar_type(), torch::kFloat);
    EXPECT_GE(harsh.min().item<double>(), 0.0);
    EXPECT_LE(harsh.max().item<double>(), 1.0);
    EXPECT_TRUE(torch::equal(harsh, corrupt(x, 5, 5)));  // the same seed, the same images
    // Not monotone in pixels: CIFAR-10-C's elastic constants trade the affine
    // jitter (largest at 1) for the displacement field (largest at 5), and
    // Ovadia's roll by 26 of 28 pixels is a roll by -2 (as large as 1's 2).
    if (entry->name != "elastic" && entry->name != "translation") {
      EXPECT_GT(MeanChange(harsh, x), MeanChange(mild, x));
    }
    EXPECT_GT(MeanChange(harsh, x), 0.005);
    EXPECT_GT(MeanChange(mild, x), 0.0005);
  }
}

TEST(CorruptionTest, RandomCorruptionsFollowTheirSeed) {
  const torch::Tensor x = Images();
  for (const char* name : {"gaussian_noise", "shot_noise", "impulse_noise", "speckle_noise", "glass_blur", "fog",
                           "elastic"}) {
    SCOPED_TRACE(name);
    const Corruption corrupt = Make(name);
    EXPECT_FALSE(torch::equal(corrupt(x, 3, 1), corrupt(x, 3, 2)));
  }
}

TEST(CorruptionTest, GaussianNoiseHasItsDeviation) {
  const torch::Tensor x = torch::full({200, 1, 28, 28}, 0.5);
  const torch::Tensor noise = Make("gaussian_noise")(x, 3, 0) - x;  // c = 0.08, never clipped here
  EXPECT_NEAR(noise.std().item<double>(), 0.08, 0.002);
  EXPECT_NEAR(noise.mean().item<double>(), 0.0, 0.001);
}

TEST(CorruptionTest, ImpulseNoiseReplacesItsFraction) {
  const torch::Tensor x = torch::full({200, 1, 28, 28}, 0.5);
  const torch::Tensor y = Make("impulse_noise")(x, 5, 0);  // c = 0.07
  EXPECT_NEAR(y.ne(0.5).to(torch::kDouble).mean().item<double>(), 0.07, 0.003);
  EXPECT_NEAR(y.eq(1).to(torch::kDouble).mean().item<double>(), 0.035, 0.003);
}

TEST(CorruptionTest, ContrastAndBrightnessAreTheirFormulas) {
  const torch::Tensor x = Images();
  const torch::Tensor mean = x.mean({2, 3}, true);
  EXPECT_TRUE(torch::allclose(Make("contrast")(x, 2, 0), ((x - mean) * 0.5 + mean).clamp(0, 1), 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(Make("brightness")(x, 5, 0), (x + 0.3).clamp(0, 1), 1e-6, 1e-6));
  // Colour: hue and saturation kept, so the channels keep their ratios.
  const torch::Tensor rgb = torch::tensor({0.2f, 0.4f, 0.1f}).view({1, 3, 1, 1});
  const torch::Tensor brighter = Make("brightness")(rgb, 1, 0);  // V 0.4 -> 0.45
  EXPECT_TRUE(torch::allclose(brighter, rgb * (0.45 / 0.4), 1e-6, 1e-6));
}

TEST(CorruptionTest, RotationAndTranslationMovePixelsExactly) {
  const torch::Tensor x = Images();
  // 180 degrees about the centre: the image upside down and mirrored.
  EXPECT_TRUE(torch::allclose(Make("rotation")(x, 5, 0), x.flip({2, 3}), 1e-5, 1e-5));
  EXPECT_TRUE(torch::equal(Make("translation")(x, 1, 0), torch::roll(x, {2}, {3})));
  // 90 degrees counter-clockwise on screen: the top row becomes the left column, reversed.
  const torch::Tensor turned = Make("rotation", "degrees=90:90:90:90:90")(x, 1, 0);
  EXPECT_TRUE(torch::allclose(turned, torch::rot90(x, 1, {2, 3}), 1e-5, 1e-5));
}

TEST(CorruptionTest, PixelateAveragesBlocks) {
  // c = 0.5 on 4x4: 2x2 block means (PIL's BOX, rounded half up), then each block repeated.
  torch::Tensor x = torch::tensor({0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 151},
                                  torch::kFloat).view({1, 1, 4, 4}) / 255.0;
  const torch::Tensor y = Make("pixelate", "c=0.5:0.5:0.5:0.5:0.5")(x, 1, 0) * 255;
  // Horizontal pass rounds first: rows (5, 25), (45, 65), (85, 105), (125, 145.5 -> 146).
  const torch::Tensor expected = torch::tensor({25, 25, 45, 45, 25, 25, 45, 45, 105, 105, 126, 126, 105, 105, 126, 126},
                                               torch::kFloat).view({1, 1, 4, 4});
  EXPECT_TRUE(torch::allclose(y, expected, 0, 1e-3)) << y;
}

TEST(CorruptionTest, JpegLosesMoreAtLowerQuality) {
  const torch::Tensor x = Images();
  const Corruption jpeg = Make("jpeg");
  const double q80 = MeanChange(jpeg(x, 1, 0), x), q40 = MeanChange(jpeg(x, 5, 0), x);
  EXPECT_GT(q80, 0.002);
  EXPECT_GT(q40, q80 * 1.3);
  const torch::Tensor rgb = x.slice(0, 0, 4).expand({4, 3, 28, 28}).contiguous();
  EXPECT_EQ(jpeg(rgb, 3, 0).sizes(), rgb.sizes());
}

TEST(CorruptionTest, BlursKeepTheMeanAndSmooth) {
  const torch::Tensor x = Images();
  for (const char* name : {"gaussian_blur", "defocus_blur"}) {
    SCOPED_TRACE(name);
    const torch::Tensor y = Make(name)(x, 5, 0);
    // Smoother: smaller differences between neighbours.
    const auto roughness = [](const torch::Tensor& t) {
      return (t.slice(3, 1) - t.slice(3, 0, -1)).abs().mean().item<double>();
    };
    EXPECT_LT(roughness(y), 0.8 * roughness(x));
    EXPECT_NEAR(y.mean().item<double>(), x.mean().item<double>(), 0.01);
  }
}

TEST(CorruptionTest, BadParametersAndSeveritiesAreOneLineErrors) {
  auto unknown = MakeCorruption("gausian_noise", "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("gaussian_noise"), std::string::npos) << unknown.status();
  auto short_list = MakeCorruption("gaussian_noise", "c=0.1:0.2");
  ASSERT_FALSE(short_list.ok());
  EXPECT_NE(short_list.status().message().find("one per severity"), std::string::npos) << short_list.status();
  auto severity = ParseSeverities("1:6");
  ASSERT_FALSE(severity.ok());
  EXPECT_NE(severity.status().message().find("1..5"), std::string::npos) << severity.status();
  EXPECT_FALSE(ParseSeverities("2:2").ok());
  auto fine = ParseSeverities("5:1:3");
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(*fine, (std::vector<int>{5, 1, 3}));
}

}  // namespace
}  // namespace ens
