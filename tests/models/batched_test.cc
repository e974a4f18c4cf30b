// Members trained together are K separate models in one: outputs, gradients
// and weights equal those of the members alone (up to rounding).
#include "models/batched.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

namespace ens {
namespace {

using ::testing::HasSubstr;

struct Case {
  const char* model;
  const char* args;
  ModelSpec spec;
};

class BatchedTest : public ::testing::TestWithParam<Case> {
 protected:
  ModelMaker Maker() const {
    const Case c = GetParam();
    return [c](LayerFactory& layers) { return MakeModel(c.model, c.args, c.spec, layers); };
  }
  std::vector<std::shared_ptr<Network>> Members(int64_t k) const {
    std::vector<std::shared_ptr<Network>> members;
    for (int64_t m = 0; m < k; ++m) {
      torch::manual_seed(10 + m);
      members.push_back(*Maker()(StandardLayers()));
    }
    return members;
  }
  std::vector<int64_t> InputShape() const {
    const ModelSpec& s = GetParam().spec;
    return {s.in_channels, s.image_size, s.image_size};
  }
};

// Training mode (BatchNorm on batch statistics), K members with their own
// batches: the batched forward and backward give each member's own logits and
// gradients.
TEST_P(BatchedTest, OutputsAndGradientsEqualSeparateMembers) {
  constexpr int64_t kMembers = 3, kBatch = 4;
  const ModelSpec& spec = GetParam().spec;
  auto members = Members(kMembers);
  auto together = BatchedNetwork::Pack(Maker(), members, InputShape());
  ASSERT_TRUE(together.ok()) << together.status();
  torch::manual_seed(99);
  const torch::Tensor x = torch::randn({kMembers * kBatch, spec.in_channels, spec.image_size, spec.image_size});
  const torch::Tensor y = torch::randint(spec.num_classes, {kMembers * kBatch}, torch::kLong);

  (*together)->train();
  const torch::Tensor logits = (*together)->forward(x);
  ASSERT_EQ(logits.sizes(), (std::vector<int64_t>{kMembers * kBatch, spec.num_classes}));
  (torch::nll_loss(torch::log_softmax(logits, 1), y) * static_cast<double>(kMembers)).backward();

  const auto packed = (*together)->named_parameters();
  for (int64_t m = 0; m < kMembers; ++m) {
    members[m]->train();
    const torch::Tensor own = members[m]->forward(x.slice(0, m * kBatch, (m + 1) * kBatch));
    torch::nll_loss(torch::log_softmax(own, 1), y.slice(0, m * kBatch, (m + 1) * kBatch)).backward();
    const torch::Tensor theirs = logits.slice(0, m * kBatch, (m + 1) * kBatch);
    EXPECT_LT((own - theirs).abs().max().item<double>(), 1e-4) << "member " << m;
    for (const auto& p : members[m]->named_parameters()) {
      const torch::Tensor& all = packed["together." + p.key()];
      const int64_t rows = p.value().size(0);
      const torch::Tensor grad = all.grad().narrow(0, m * rows, rows);
      const double scale = 1 + p.value().grad().abs().max().item<double>();
      EXPECT_LT((grad - p.value().grad()).abs().max().item<double>(), 1e-4 * scale) << "member " << m << " " << p.key();
    }
  }
}

// Pack then Unpack gives back every member's weights and buffers exactly;
// BatchNorm statistics stay per member.
TEST_P(BatchedTest, UnpackReturnsEachMember) {
  auto members = Members(2);
  auto together = BatchedNetwork::Pack(Maker(), members, InputShape());
  ASSERT_TRUE(together.ok()) << together.status();
  for (int64_t m = 0; m < 2; ++m) {
    torch::manual_seed(1234);
    auto fresh = *Maker()(StandardLayers());
    ASSERT_TRUE((*together)->Unpack(m, *fresh).ok());
    const auto want = members[m]->named_parameters();
    for (const auto& p : fresh->named_parameters()) {
      EXPECT_TRUE(torch::equal(p.value(), want[p.key()])) << p.key();
    }
  }
  EXPECT_FALSE((*together)->Unpack(2, *members[0]).ok());
}

INSTANTIATE_TEST_SUITE_P(
    Architectures, BatchedTest,
    ::testing::Values(Case{"lenet", "dropout=0,fc_dropout=0,width=0.25", {1, 12, 5}},
                      Case{"mlp", "width=16,depth=2,dropout=0", {1, 8, 5}},
                      Case{"preresnet20", "width=0.25", {3, 8, 10}},
                      Case{"resnet20", "shortcut=projection", {3, 8, 10}},
                      Case{"wrn16_4", "depth=10,widen=1", {3, 8, 10}},
                      Case{"vgg16", "dropout=0", {3, 32, 10}}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.model); });

// Architectures that mix channel blocks are refused, not trained wrongly.
TEST(BatchedRefusalTest, ConcatenationsAndPaddedShortcutsAreNamed) {
  for (const auto& [model, args] : std::vector<std::pair<const char*, const char*>>{
           {"densenet40", "growth=4"}, {"resnet110", ""}}) {
    const ModelSpec spec{3, 8, 10};
    auto make = [&](LayerFactory& layers) { return MakeModel(model, args, spec, layers); };
    std::vector<std::shared_ptr<Network>> members;
    for (int m = 0; m < 2; ++m) members.push_back(*make(StandardLayers()));
    auto together = BatchedNetwork::Pack(make, members, {3, 8, 8});
    ASSERT_FALSE(together.ok()) << model;
    EXPECT_THAT(std::string(together.status().message()), HasSubstr("mixes the members' channels")) << model;
  }
}

}  // namespace
}  // namespace ens
