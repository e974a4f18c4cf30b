#include <string>

#include "engine/one_pass_ensemble.h"
#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

// scale = 1: every mask keeps every channel, so the members are one network,
// trained as `single` trains it.
TEST_F(MethodsTest, MasksemblesOfScaleOneIsOneNetwork) {
  model_args_ = "width=48,depth=1,dropout=0";
  const auto single = TrainAndEvaluate("single", "");
  history_.clear();
  const auto masked = TrainAndEvaluate("masksembles", "scale=1");
  ASSERT_EQ(single.size(), 1u);
  ASSERT_EQ(masked.size(), 3u);
  for (const auto& row : masked) {
    EXPECT_NEAR(row.nll, single[0].nll, 1e-5 * single[0].nll) << "size " << row.size;
    EXPECT_EQ(row.error, single[0].error) << "size " << row.size;
  }
}

// scale = 2: masks of 0/1 over the inputs of every layer but the first,
// different per member, every channel kept by some mask; the members differ
// and the ensemble saves and loads with its masks.
TEST_F(MethodsTest, MasksemblesMasksAreFixedAndCoverEveryChannel) {
  model_args_ = "width=48,depth=1,dropout=0";
  const auto rows = TrainAndEvaluate("masksembles", "scale=2");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_LT(rows.front().error, 50.0);
  EXPECT_EQ(history_.size(), 6u);
  const auto* one_pass = dynamic_cast<const OnePassEnsemble*>(ensemble_.get());
  ASSERT_NE(one_pass, nullptr);
  int64_t masked_layers = 0;
  for (const auto& [name, tensor] : one_pass->weights()) {
    if (name.size() < 5 || name.substr(name.size() - 5) != "masks") continue;
    ++masked_layers;
    ASSERT_EQ(tensor.size(0), 3) << name;
    EXPECT_TRUE(torch::all(tensor.eq(0) | tensor.eq(1)).item<bool>()) << name;
    EXPECT_TRUE(torch::all(tensor.sum(0) >= 1).item<bool>()) << name;  // every channel kept by some mask
    EXPECT_FALSE(torch::equal(tensor[0], tensor[1])) << name;
    EXPECT_LT(tensor.mean().item<double>(), 0.9) << name;
  }
  EXPECT_EQ(masked_layers, 1);  // mlp depth 1: the output layer's inputs (the first layer sees the image)

  ExpectSameAfterSaveAndLoad(rows, "masksembles");
  EXPECT_NE(rows.front().nll, rows.back().nll);
}

}  // namespace
}  // namespace ens
