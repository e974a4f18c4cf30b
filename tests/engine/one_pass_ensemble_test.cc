// OnePassEnsemble: every member comes out of one pass over the split, which
// is run again only when the split, its contents or the batch size change;
// its save and load keep the network's weights; RepeatAlong.
#include "engine/one_pass_ensemble.h"

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/types.h>

#include "core/atomic_file.h"
#include "core/status_macros.h"
#include "datasets/batches.h"
#include "engine/ensemble_io.h"
#include "tests/engine/synthetic_training.h"

namespace ens {
namespace {

constexpr int64_t kMembers = 3;

// M members of an MLP: member m's logits are the MLP's times (m + 1), rows
// member-major [M * n, C]; counts its forward passes.
class ScaledMembers : public Network {
 public:
  explicit ScaledMembers(std::shared_ptr<Network> net) : net_(register_module("net", std::move(net))) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    ++passes;
    const torch::Tensor logits = net_->forward(x);
    std::vector<torch::Tensor> members;
    for (int64_t m = 0; m < kMembers; ++m) members.push_back(logits * static_cast<double>(m + 1));
    return torch::cat(members, 0);
  }
  int passes = 0;

 private:
  std::shared_ptr<Network> net_;
};

class ScaledEnsemble : public OnePassEnsemble {
 public:
  ScaledEnsemble(StateDict weights, std::shared_ptr<ScaledMembers> net)
      : OnePassEnsemble("scaled_test", kMembers, std::move(weights), nlohmann::json::object()), net_(std::move(net)) {}

 protected:
  absl::StatusOr<std::shared_ptr<Network>> Members(MemberContext&) const override {
    ENS_RETURN_IF_ERROR(LoadState(*net_, weights()));
    net_->eval();
    return net_;
  }

 private:
  std::shared_ptr<ScaledMembers> net_;
};

struct Fixture {
  Dataset data = Data();
  std::shared_ptr<ScaledMembers> net = std::make_shared<ScaledMembers>(Mlp(data, 3));
  BatchMaker batches{data, torch::kCPU};
};

MemberContext ContextOn(const Split& split, const BatchMaker& batches, int64_t batch_size) {
  return MemberContext(split, batches, batch_size, [](LayerFactory&) -> absl::StatusOr<std::shared_ptr<Network>> {
    return absl::InternalError("not used");
  });
}

TEST(OnePassEnsembleTest, OnePassServesEveryMember) {
  Fixture f;
  ScaledEnsemble ensemble(CaptureState(*f.net), f.net);
  MemberContext context = ContextOn(f.data.test, f.batches, 128);
  const int64_t batches_per_pass = (f.data.test.size() + 127) / 128;

  torch::Tensor plain;
  {
    torch::NoGradGuard no_grad;
    f.net->eval();
    plain = f.net->forward(f.batches.Normalize(f.data.test.images)).slice(0, 0, f.data.test.size());
    f.net->passes = 0;
  }
  for (int64_t m = 0; m < kMembers; ++m) {
    auto log_probs = ensemble.MemberLogProbs(m, context);
    ASSERT_TRUE(log_probs.ok()) << log_probs.status();
    EXPECT_TRUE(torch::allclose(*log_probs, torch::log_softmax(plain * static_cast<double>(m + 1), 1), 1e-5, 1e-5))
        << "member " << m;
  }
  EXPECT_EQ(f.net->passes, batches_per_pass);  // members 1 and 2 came from the first pass

  // Asked again: still that pass; a changed image, another batch size or
  // another split: a new one.
  ASSERT_TRUE(ensemble.MemberLogProbs(0, context).ok());
  EXPECT_EQ(f.net->passes, batches_per_pass);
  f.data.test.images[0].fill_(255);
  auto changed = ensemble.MemberLogProbs(0, context);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(f.net->passes, 2 * batches_per_pass);
  MemberContext other_batch = ContextOn(f.data.test, f.batches, 100);
  ASSERT_TRUE(ensemble.MemberLogProbs(1, other_batch).ok());
  EXPECT_EQ(f.net->passes, 2 * batches_per_pass + (f.data.test.size() + 99) / 100);
  MemberContext train = ContextOn(f.data.train, f.batches, 128);
  auto on_train = ensemble.MemberLogProbs(2, train);
  ASSERT_TRUE(on_train.ok());
  EXPECT_EQ(on_train->size(0), f.data.train.size());

  EXPECT_EQ(ensemble.MemberLogProbs(kMembers, context).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ensemble.MemberLogProbs(-1, context).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(OnePassEnsembleTest, SavedPartsAreTheWeights) {
  Fixture f;
  ScaledEnsemble ensemble(CaptureState(*f.net), f.net);
  const std::string dir = ::testing::TempDir() + "/one_pass_saved";
  ASSERT_TRUE(MakeDirectories(dir).ok());
  ASSERT_TRUE(ensemble.Save(dir).ok());
  std::ifstream file(dir + "/ensemble.json");
  const nlohmann::json manifest = nlohmann::json::parse(file);
  EXPECT_EQ(manifest.at("kind").get<std::string>(), "scaled_test");
  auto parts = LoadOnePassParts(dir, manifest);
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->members, kMembers);
  ASSERT_EQ(parts->weights.size(), ensemble.weights().size());
  for (size_t i = 0; i < parts->weights.size(); ++i) {
    EXPECT_EQ(parts->weights[i].first, ensemble.weights()[i].first);
    EXPECT_TRUE(torch::equal(parts->weights[i].second, ensemble.weights()[i].second)) << parts->weights[i].first;
  }
}

TEST(OnePassEnsembleTest, RepeatAlongCopiesWhole) {
  const torch::Tensor x = torch::arange(6, torch::kFloat).view({2, 3});
  EXPECT_TRUE(torch::equal(RepeatAlong(x, 0, 2), torch::cat({x, x}, 0)));
  EXPECT_TRUE(torch::equal(RepeatAlong(x, 1, 3), torch::cat({x, x, x}, 1)));
  EXPECT_TRUE(torch::equal(RepeatAlong(x, 0, 1), x));
}

}  // namespace
}  // namespace ens
