#include "ensembles/kronecker_factors.h"

#include "core/atomic_file.h"
#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

// A Linear layer's factors are E[a a^T] over its inputs (with a 1 for the
// bias) and E[g g^T] over the gradients at its outputs, here computed
// explicitly: for the last layer g = softmax(logits) - onehot(label).
TEST_F(MethodsTest, KroneckerFactorsOfALinearLayerAreTheExplicitExpectations) {
  auto standard = *MakeModel("mlp", "depth=0", ModelSpec{1, 8, 5}, StandardLayers());
  auto capture = *MakeModel("mlp", "depth=0", ModelSpec{1, 8, 5}, KfacCaptureLayers());
  ASSERT_TRUE(LoadState(*capture, CaptureState(*standard)).ok());
  const BatchMaker batches(data_, torch::kCPU);
  auto factors = ComputeKroneckerFactors(*capture, data_.train, batches, /*batch_size=*/37,
                                         /*sampled_labels=*/false, 0);
  ASSERT_TRUE(factors.ok()) << factors.status();
  ASSERT_EQ(factors->size(), 1u);
  EXPECT_EQ((*factors)[0].name, "out");
  EXPECT_TRUE((*factors)[0].bias);

  const int64_t n = data_.train.size();
  const torch::Tensor x = batches.Normalize(data_.train.images).flatten(1).to(torch::kDouble);
  const torch::Tensor a = torch::cat({x, torch::ones({n, 1}, torch::kDouble)}, 1);
  torch::Tensor weight, bias;
  for (const auto& item : standard->named_parameters()) {
    if (item.key() == "out.weight") weight = item.value().detach().to(torch::kDouble);
    if (item.key() == "out.bias") bias = item.value().detach().to(torch::kDouble);
  }
  const torch::Tensor logits = x.mm(weight.t()) + bias;
  const torch::Tensor g = torch::softmax(logits, 1) - torch::one_hot(data_.train.labels, 5).to(torch::kDouble);
  EXPECT_TRUE(torch::allclose((*factors)[0].a, a.t().mm(a) / n, 1e-5, 1e-7));
  EXPECT_TRUE(torch::allclose((*factors)[0].g, g.t().mm(g) / n, 1e-4, 1e-7));
}

// A convolution's A is the mean over examples and output positions of its
// input patches' outer products, here from explicit loops.
TEST_F(MethodsTest, KroneckerFactorAOfAConvolutionIsTheMeanOverPatches) {
  auto net = *MakeModel("lenet", "width=0.25", ModelSpec{1, 8, 5}, KfacCaptureLayers());
  const BatchMaker batches(data_, torch::kCPU);
  const Split first{data_.train.images.slice(0, 0, 20), data_.train.labels.slice(0, 0, 20)};
  auto factors = ComputeKroneckerFactors(*net, first, batches, 7, /*sampled_labels=*/true, 3);
  ASSERT_TRUE(factors.ok()) << factors.status();
  ASSERT_EQ((*factors)[0].name, "conv1");
  const torch::Tensor x = batches.Normalize(first.images).to(torch::kDouble);  // [20, 1, 8, 8]
  torch::Tensor sum = torch::zeros({10, 10}, torch::kDouble);
  int64_t count = 0;
  for (int64_t i = 0; i < 20; ++i) {
    for (int64_t r = 0; r + 3 <= 8; ++r) {
      for (int64_t c = 0; c + 3 <= 8; ++c) {
        const torch::Tensor patch =
            torch::cat({x[i].slice(1, r, r + 3).slice(2, c, c + 3).reshape(-1), torch::ones({1}, torch::kDouble)});
        sum += torch::outer(patch, patch);
        ++count;
      }
    }
  }
  EXPECT_TRUE(torch::allclose((*factors)[0].a, sum / count, 1e-5, 1e-7));
  // G is a covariance of gradients: symmetric, positive semi-definite.
  const torch::Tensor g = (*factors)[0].g;
  EXPECT_TRUE(torch::allclose(g, g.t()));
  EXPECT_GE(torch::linalg_eigvalsh(g, "L").min().item<double>(), -1e-10);
}

TEST_F(MethodsTest, KfacLaplaceTunesTheScaleDrawsAndReloads) {
  data_ = *MakeDataset("synthetic", "noise=1.2,train=480,test=400,classes=5,val_size=100", {0});
  context_.members = 6;
  int64_t size = 0;
  const auto rows = TrainAndEvaluate("kfac_laplace", "tune_samples=3", &size);
  EXPECT_EQ(size, 6);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_NE(rows[0].nll, rows[1].nll);  // draws differ
  EXPECT_LT(rows.back().error, 50.0);
  EXPECT_TRUE(LayoutOf(*ensemble_).recompute_batchnorm);

  ExpectSameAfterSaveAndLoad(rows, "kfac_members");
}

}  // namespace
}  // namespace ens
