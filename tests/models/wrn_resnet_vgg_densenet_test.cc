// Parameter counts of the reference architectures against the published
// figures (10 classes, 32x32x3 input), within 3%, and one forward pass each.
// DenseNet-BC-100 is listed as "0.8 M" in the paper; its exact count in the
// reference implementations is 769,162, which is what we compare against.
#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "models/model.h"

namespace ens {
namespace {

struct Published {
  const char* name;
  double parameters;
};

class PublishedCountsTest : public ::testing::TestWithParam<Published> {};

TEST_P(PublishedCountsTest, WithinThreePercent) {
  auto net = MakeModel(GetParam().name, "", ModelSpec{3, 32, 10}, StandardLayers());
  ASSERT_TRUE(net.ok()) << net.status();
  const double count = static_cast<double>(CountParameters(**net));
  EXPECT_NEAR(count / GetParam().parameters, 1.0, 0.03) << GetParam().name << " has " << count;
}

INSTANTIATE_TEST_SUITE_P(
    Reference, PublishedCountsTest,
    ::testing::Values(Published{"wrn28_10", 36.5e6}, Published{"wrn16_4", 2.75e6}, Published{"preresnet164", 1.7e6},
                      Published{"resnet110", 1.7e6}, Published{"densenet_bc100", 0.769e6},
                      Published{"densenet40", 1.0e6}, Published{"vgg16", 15.25e6}, Published{"preresnet20", 0.27e6},
                      Published{"resnet20", 0.27e6}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ArchitecturesTest, ForwardShapes) {
  torch::NoGradGuard no_grad;
  for (const char* name : {"preresnet56", "preresnet110", "resnet110", "wrn16_4", "densenet40", "densenet_bc100", "vgg16"}) {
    auto net = MakeModel(name, "", ModelSpec{3, 32, 100}, StandardLayers());
    ASSERT_TRUE(net.ok()) << name;
    (*net)->eval();
    EXPECT_EQ((*net)->forward(torch::randn({2, 3, 32, 32})).sizes(), (std::vector<int64_t>{2, 100})) << name;
  }
}

// shortcut=projection is torch-uncertainty's ResNet-20 (resnet(arch=20,
// style="cifar")): its count for 1x28x28 images and 10 classes, 272,186,
// printed by that package's model; option A has no shortcut parameters.
TEST(ArchitecturesTest, ResNet20ShortcutsAsTorchUncertainty) {
  const ModelSpec spec{1, 28, 10};
  auto projection = MakeModel("resnet20", "shortcut=projection", spec, StandardLayers());
  auto zero_pad = MakeModel("resnet20", "", spec, StandardLayers());
  ASSERT_TRUE(projection.ok()) << projection.status();
  ASSERT_TRUE(zero_pad.ok()) << zero_pad.status();
  EXPECT_EQ(CountParameters(**projection), 272186);
  // Two projections: 16->32 and 32->64 (1x1 weights, BatchNorm weight and bias).
  EXPECT_EQ(CountParameters(**projection) - CountParameters(**zero_pad), 16 * 32 + 2 * 32 + 32 * 64 + 2 * 64);
  torch::NoGradGuard no_grad;
  (*projection)->eval();
  EXPECT_EQ((*projection)->forward(torch::randn({2, 1, 28, 28})).sizes(), (std::vector<int64_t>{2, 10}));
  EXPECT_FALSE(MakeModel("resnet20", "shortcut=option_b", spec, StandardLayers()).ok());
}

TEST(ArchitecturesTest, DropoutWhereThePapersPutIt) {
  EXPECT_TRUE(HasDropout(**MakeModel("vgg16", "", ModelSpec{3, 32, 10}, StandardLayers())));
  EXPECT_TRUE(HasDropout(**MakeModel("wrn16_4", "dropout=0.3", ModelSpec{3, 32, 10}, StandardLayers())));
  EXPECT_TRUE(HasDropout(**MakeModel("densenet40", "dropout=0.2", ModelSpec{3, 32, 10}, StandardLayers())));
  EXPECT_TRUE(HasDropout(**MakeModel("resnet110", "dropout=0.2", ModelSpec{3, 32, 10}, StandardLayers())));
  EXPECT_FALSE(MakeModel("wrn28_10", "depth=27", ModelSpec{3, 32, 10}, StandardLayers()).ok());
  EXPECT_FALSE(MakeModel("vgg16", "", ModelSpec{1, 28, 10}, StandardLayers()).ok());
}

}  // namespace
}  // namespace ens
