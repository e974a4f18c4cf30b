#include "ensembles/batch_ensemble.h"

#include <string>

#include <torch/nn/functional/loss.h>

#include "engine/flops.h"
#include "engine/one_pass_ensemble.h"
#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

constexpr int64_t kClasses = 5;

ModelMaker LeNet() {
  return [](LayerFactory& layers) {
    return MakeModel("lenet", "width=0.25,dropout=0,fc_dropout=0", ModelSpec{1, 10, kClasses}, layers);
  };
}

torch::Tensor Param(Network& net, const std::string& name) { return net.named_parameters()[name]; }

// Member m of a BatchEnsemble is the plain network whose weights are
// s_m * W * r_m (per output and input channel) with bias b_m: its logits are
// that network's, and the shared W's gradient of the members' summed losses is
// the sum over members of s_m * dL_m/dW_m * r_m.
TEST(BatchEnsemble, MembersAreRankOneScaledPlainNetworks) {
  const int64_t members = 3, n = 4;
  const ModelMaker make = LeNet();
  torch::manual_seed(7);
  auto layers = MakeBatchEnsembleLayers(members);
  std::shared_ptr<Network> be = *make(*layers);
  const std::vector<std::string> names = {"conv1", "conv2", "fc1", "fc2"};
  std::vector<std::shared_ptr<Network>> plain;
  {
    torch::NoGradGuard no_grad;
    for (int64_t m = 0; m < members; ++m) {
      plain.push_back(*make(StandardLayers()));
      for (const auto& name : names) {
        const torch::Tensor w = Param(*be, name + ".weight");
        std::vector<int64_t> out_shape = {-1, 1}, in_shape = {1, -1};
        for (int64_t d = 2; d < w.dim(); ++d) out_shape.push_back(1), in_shape.push_back(1);
        Param(*plain[m], name + ".weight")
            .copy_(w * Param(*be, name + ".s")[m].view(out_shape) * Param(*be, name + ".r")[m].view(in_shape));
        Param(*plain[m], name + ".bias").copy_(Param(*be, name + ".bias")[m]);
      }
    }
  }
  torch::manual_seed(1);
  const torch::Tensor x = torch::randn({n, 1, 10, 10});
  const torch::Tensor y = torch::randint(kClasses, {n}, torch::kLong);
  const torch::Tensor logits = be->forward(x.repeat({members, 1, 1, 1}));  // [M * n, C]
  torch::Tensor loss = torch::zeros({});
  for (int64_t m = 0; m < members; ++m) {
    const torch::Tensor own = plain[m]->forward(x);
    EXPECT_TRUE(torch::allclose(logits.slice(0, m * n, (m + 1) * n), own, 1e-4, 1e-5)) << "member " << m;
    loss = loss + torch::nll_loss(torch::log_softmax(logits.slice(0, m * n, (m + 1) * n), 1), y);
    torch::nll_loss(torch::log_softmax(own, 1), y).backward();
  }
  loss.backward();
  for (const auto& name : names) {
    const torch::Tensor w = Param(*be, name + ".weight");
    std::vector<int64_t> out_shape = {-1, 1}, in_shape = {1, -1};
    for (int64_t d = 2; d < w.dim(); ++d) out_shape.push_back(1), in_shape.push_back(1);
    torch::Tensor expected = torch::zeros_like(w);
    for (int64_t m = 0; m < members; ++m) {
      expected += Param(*plain[m], name + ".weight").grad() * Param(*be, name + ".s")[m].view(out_shape) *
                  Param(*be, name + ".r")[m].view(in_shape);
      EXPECT_TRUE(torch::allclose(Param(*be, name + ".bias").grad()[m], Param(*plain[m], name + ".bias").grad(),
                                  1e-4, 1e-6))
          << name << " bias of member " << m;
    }
    EXPECT_TRUE(torch::allclose(w.grad(), expected, 1e-4, 1e-6)) << name;
  }
}

// One member with r = s = 1 is the plain network.
TEST(BatchEnsemble, OneMemberWithUnitFastWeightsIsThePlainNetwork) {
  const ModelMaker make = LeNet();
  torch::manual_seed(3);
  std::shared_ptr<Network> plain = *make(StandardLayers());
  auto layers = MakeBatchEnsembleLayers(1);
  std::shared_ptr<Network> be = *make(*layers);
  {
    torch::NoGradGuard no_grad;
    for (const auto& item : be->named_parameters()) {
      const std::string last = item.key().substr(item.key().rfind('.') + 1);
      if (last == "r" || last == "s") {
        item.value().fill_(1);
      } else {
        item.value().copy_(Param(*plain, item.key()).view_as(item.value()));
      }
    }
  }
  const torch::Tensor x = torch::randn({5, 1, 10, 10});
  EXPECT_TRUE(torch::allclose(be->forward(x), plain->forward(x), 1e-5, 1e-6));
  // Counted as the plain network plus the fast weights' products.
  torch::NoGradGuard no_grad;
  const auto be_flops = CountFlops([&] { be->forward(x); });
  const auto plain_flops = CountFlops([&] { plain->forward(x); });
  ASSERT_TRUE(be_flops.has_value() && plain_flops.has_value());
  EXPECT_GT(*be_flops, *plain_flops);
  EXPECT_LT(*be_flops, 1.2 * *plain_flops);
}

// batchnorm=per_member: member m is the plain network (with BatchNorm) whose
// convolutions are s_m * W * r_m and whose BatchNorm is block m of the
// members' one: its logits in training mode (each member's own batch
// statistics) and in evaluation mode.
TEST(BatchEnsemble, PerMemberBatchNormKeepsMembersApart) {
  const int64_t members = 2, n = 5;
  const ModelMaker make = [](LayerFactory& layers) {
    return MakeModel("preresnet20", "width=0.5", ModelSpec{3, 8, kClasses}, layers);
  };
  torch::manual_seed(5);
  auto layers = MakeBatchEnsembleLayers(members, /*per_member_batchnorm=*/true);
  std::shared_ptr<Network> be = *make(*layers);
  const auto be_params = be->named_parameters();
  const auto be_buffers = be->named_buffers();
  std::vector<std::shared_ptr<Network>> plain;
  {
    torch::NoGradGuard no_grad;
    for (int64_t m = 0; m < members; ++m) {
      plain.push_back(*make(StandardLayers()));
      for (const auto& item : plain[m]->named_parameters()) {
        const std::string prefix = item.key().substr(0, item.key().rfind('.'));
        const std::string last = item.key().substr(item.key().rfind('.') + 1);
        if (const torch::Tensor* r = be_params.find(prefix + ".r"); r != nullptr && last == "weight") {
          const torch::Tensor w = be_params[item.key()];
          std::vector<int64_t> out_shape = {-1, 1}, in_shape = {1, -1};
          for (int64_t d = 2; d < w.dim(); ++d) out_shape.push_back(1), in_shape.push_back(1);
          item.value().copy_(w * be_params[prefix + ".s"][m].view(out_shape) * (*r)[m].view(in_shape));
        } else if (r != nullptr) {  // a per-member bias
          item.value().copy_(be_params[item.key()][m]);
        } else {  // BatchNorm: block m of the members' one
          const torch::Tensor all = be_params[prefix + ".bn." + last];
          item.value().copy_(all.view({members, -1})[m]);
        }
      }
    }
  }
  torch::manual_seed(2);
  const torch::Tensor x = torch::randn({n, 3, 8, 8});
  for (bool training : {true, false}) {
    be->train(training);
    torch::NoGradGuard no_grad;
    const torch::Tensor logits = be->forward(x.repeat({members, 1, 1, 1}));
    for (int64_t m = 0; m < members; ++m) {
      plain[m]->train(training);
      EXPECT_TRUE(torch::allclose(logits.slice(0, m * n, (m + 1) * n), plain[m]->forward(x), 1e-4, 1e-5))
          << "member " << m << (training ? " training" : " eval");
    }
  }
  // Each member's running statistics are its own block of the one BatchNorm.
  const torch::Tensor mean = be_buffers["bn.bn.running_mean"].view({members, -1});
  for (int64_t m = 0; m < members; ++m) {
    EXPECT_TRUE(torch::allclose(mean[m], plain[m]->named_buffers()["bn.running_mean"], 1e-4, 1e-6)) << m;
  }
}

// The method end to end; with fast_lr=0 the fast weights keep their initial
// draw (their own learning rate, no weight decay) while W trains.
TEST_F(MethodsTest, BatchEnsembleTrainsEvaluatesSavesAndLoads) {
  context_.epochs = 3;
  int64_t size = 0;
  const auto rows = TrainAndEvaluate("batch_ensemble", "fast_lr=0", &size);
  EXPECT_EQ(size, 3);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_LT(rows.front().error, 50.0);
  EXPECT_EQ(history_.size(), 3u);

  const auto* one_pass = dynamic_cast<const OnePassEnsemble*>(ensemble_.get());
  ASSERT_NE(one_pass, nullptr);
  auto layers = MakeBatchEnsembleLayers(3);
  std::shared_ptr<Network> initial = *context_.NewModel(DeriveSeed(context_.seed, 0), *layers);
  const auto initial_params = initial->named_parameters();
  int64_t fast = 0;
  for (const auto& [name, trained] : one_pass->weights()) {
    const torch::Tensor* before = initial_params.find(name);
    if (before == nullptr) continue;  // a buffer
    const std::string last = name.substr(name.rfind('.') + 1);
    if (last == "r" || last == "s") {
      ++fast;
      EXPECT_TRUE(torch::equal(trained, *before)) << name;
    } else {
      EXPECT_FALSE(torch::equal(trained, *before)) << name;
    }
  }
  EXPECT_EQ(fast, 2 * 2);  // mlp depth 1: two layers, r and s each

  ExpectSameAfterSaveAndLoad(rows, "batch_ensemble");
}

// batchnorm=per_member is recorded in members/ensemble.json: the reloaded
// ensemble predicts as the trained one (its network has the members' own
// BatchNorm): a narrow preresnet20, which has BatchNorm.
TEST_F(MethodsTest, PerMemberBatchNormSavesAndLoads) {
  context_.make_model = [](LayerFactory& layers) {
    return MakeModel("preresnet20", "width=0.25", ModelSpec{1, 8, 5}, layers);
  };
  context_.epochs = 1;
  int64_t size = 0;
  const auto rows = TrainAndEvaluate("batch_ensemble", "batchnorm=per_member", &size);
  EXPECT_EQ(size, 3);
  ExpectSameAfterSaveAndLoad(rows, "batch_ensemble");
}

}  // namespace
}  // namespace ens
