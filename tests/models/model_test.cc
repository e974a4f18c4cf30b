#include "models/model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>
#include <torch/utils.h>

namespace ens {
namespace {

// A layer factory that counts what architectures ask of it: proves they build
// their layers through the factory (what VI / KFAC / batched members need).
class CountingLayers : public LayerFactory {
 public:
  torch::nn::AnyModule Linear(int64_t in, int64_t out, bool bias) override {
    ++linear;
    return LayerFactory::Linear(in, out, bias);
  }
  torch::nn::AnyModule Conv2d(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, bool bias) override {
    ++conv;
    return LayerFactory::Conv2d(in, out, k, s, p, bias);
  }
  int linear = 0, conv = 0;
};

TEST(ModelTest, UnknownModelAndBadArgs) {
  auto unknown = MakeModel("lenett", "", ModelSpec{}, StandardLayers());
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), ::testing::HasSubstr("did you mean 'lenet'?"));
  auto bad = MakeModel("lenet", "dropout=1.5", ModelSpec{}, StandardLayers());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), ::testing::HasSubstr("model 'lenet': parameter 'dropout'='1.5'"));
}

TEST(ModelTest, EveryArchitectureUsesTheLayerFactory) {
  for (const char* name : {"mlp", "lenet", "preresnet20"}) {
    CountingLayers layers;
    auto net = MakeModel(name, "", ModelSpec{1, 28, 10}, layers);
    ASSERT_TRUE(net.ok()) << name;
    EXPECT_GT(layers.linear + layers.conv, 0) << name;
    int64_t from_factory = 0;
    for (const auto& module : (*net)->modules(false)) {
      from_factory += dynamic_cast<torch::nn::LinearImpl*>(module.get()) != nullptr;
      from_factory += dynamic_cast<torch::nn::Conv2dImpl*>(module.get()) != nullptr;
    }
    EXPECT_EQ(from_factory, layers.linear + layers.conv) << name;
  }
}

TEST(ModelTest, HasDropoutFollowsTheRate) {
  EXPECT_TRUE(HasDropout(**MakeModel("lenet", "", ModelSpec{}, StandardLayers())));
  EXPECT_FALSE(HasDropout(**MakeModel("lenet", "dropout=0,fc_dropout=0", ModelSpec{}, StandardLayers())));
  EXPECT_FALSE(HasDropout(**MakeModel("preresnet20", "", ModelSpec{}, StandardLayers())));
  EXPECT_TRUE(HasDropout(**MakeModel("preresnet20", "dropout=0.1", ModelSpec{}, StandardLayers())));
}

// One-channel images (Fashion-MNIST): the stem's [C, 1, 3, 3] weight is
// contiguous in both layouts, so ToChannelsLast must give it NHWC strides
// itself, or the stem convolution runs in NCHW and so does the first block.
TEST(ModelTest, ToChannelsLastGivesEveryConvolutionNhwcStrides) {
  for (const char* name : {"lenet", "preresnet20"}) {
    torch::manual_seed(0);
    auto net = *MakeModel(name, "", ModelSpec{1, 28, 10}, StandardLayers());
    net->eval();
    const torch::Tensor x = torch::randn({4, 1, 28, 28});
    const torch::Tensor expected = net->forward(x);
    ToChannelsLast(*net);
    torch::Tensor stem;
    for (const auto& p : net->parameters()) {
      if (p.dim() != 4) continue;
      EXPECT_EQ(p.stride(1), 1) << name << ": a convolution weight " << p.sizes() << " kept NCHW strides";
      if (!stem.defined() && p.size(1) == 1) stem = p;
    }
    ASSERT_TRUE(stem.defined()) << name;
    const torch::Tensor nhwc = x.contiguous(torch::MemoryFormat::ChannelsLast);
    EXPECT_EQ(torch::conv2d(nhwc, stem).stride(1), 1) << name << ": the stem's output is not NHWC";
    EXPECT_TRUE(torch::allclose(net->forward(nhwc), expected, 1e-4, 1e-5)) << name;
  }
}

}  // namespace
}  // namespace ens
