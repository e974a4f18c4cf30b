// Output shapes and parameter counts of each architecture, counted by hand.
#include <gtest/gtest.h>
#include <torch/types.h>

#include "models/model.h"

namespace ens {
namespace {

std::shared_ptr<Network> Build(const char* name, const char* args, ModelSpec spec) {
  auto net = MakeModel(name, args, spec, StandardLayers());
  EXPECT_TRUE(net.ok()) << net.status();
  return *net;
}

TEST(LenetTest, ParameterCountOfTheMnistExample) {
  // conv1 1*32*9+32, conv2 32*64*9+64, fc1 9216*128+128, fc2 128*10+10.
  auto net = Build("lenet", "", ModelSpec{1, 28, 10});
  EXPECT_EQ(CountParameters(*net), 320 + 18496 + 1179776 + 1290);
  EXPECT_EQ(net->forward(torch::randn({3, 1, 28, 28})).sizes(), (std::vector<int64_t>{3, 10}));
  // 32x32x3 input, 100 classes: fc1 sees 64 * 14 * 14.
  auto cifar = Build("lenet", "", ModelSpec{3, 32, 100});
  EXPECT_EQ(cifar->forward(torch::randn({2, 3, 32, 32})).sizes(), (std::vector<int64_t>{2, 100}));
}

TEST(MlpTest, ParameterCount) {
  auto net = Build("mlp", "width=100,depth=2", ModelSpec{1, 28, 10});
  EXPECT_EQ(CountParameters(*net), 784 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10);
  EXPECT_EQ(net->forward(torch::randn({4, 1, 28, 28})).sizes(), (std::vector<int64_t>{4, 10}));
}

TEST(PreresnetTest, ParameterCountOfPreResNet20) {
  auto net = Build("preresnet20", "", ModelSpec{3, 32, 10});
  // conv 3*16*9; stage widths 16/32/64, 3 blocks each (two 3x3 convs + 2 BNs),
  // 1x1 shortcuts at stages 2 and 3; final BN; fc 64*10+10.
  int64_t expected = 3 * 16 * 9;
  int64_t in = 16;
  for (int64_t out : {16, 32, 64}) {
    for (int b = 0; b < 3; ++b) {
      expected += 2 * in + in * out * 9 + 2 * out + out * out * 9;
      if (in != out) expected += in * out;
      in = out;
    }
  }
  expected += 2 * 64 + 64 * 10 + 10;
  EXPECT_EQ(CountParameters(*net), expected);
  EXPECT_NEAR(expected, 0.27e6, 0.01e6);
  net->eval();
  EXPECT_EQ(net->forward(torch::randn({2, 3, 32, 32})).sizes(), (std::vector<int64_t>{2, 10}));
  auto gray = Build("preresnet20", "width=0.5", ModelSpec{1, 28, 10});
  EXPECT_EQ(gray->forward(torch::randn({2, 1, 28, 28})).sizes(), (std::vector<int64_t>{2, 10}));
}

}  // namespace
}  // namespace ens
