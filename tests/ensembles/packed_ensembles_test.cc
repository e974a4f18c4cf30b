#include "ensembles/packed_ensembles.h"

#include <cstdio>
#include <string>

#include <torch/nn/functional/loss.h>

#include "models/batched.h"
#include "tests/ensembles/method_fixture.h"

namespace ens {
namespace {

constexpr int64_t kClasses = 5;

ModelMaker PreResNet20() {
  return [](LayerFactory& layers) { return MakeModel("preresnet20", "width=0.5", ModelSpec{3, 8, kClasses}, layers); };
}

// Member m's rows of the packed logits [n, M * C] (member m's block of C).
torch::Tensor MemberBlock(const torch::Tensor& packed_logits, int64_t m) {
  return packed_logits.slice(1, m * kClasses, (m + 1) * kClasses);
}

// alpha = M, gamma = 1: the packed network is today's --members_together
// network (the same weights under the same names give the same logits, in
// training and in evaluation mode), and its gradients for the members'
// summed losses are each plain member's own.
TEST(PackedEnsembles, AlphaMembersGammaOneIsMembersTrainedTogether) {
  const int64_t members = 3, n = 6;
  const ModelMaker make = PreResNet20();
  std::vector<std::shared_ptr<Network>> plain;
  for (int64_t m = 0; m < members; ++m) {
    torch::manual_seed(10 + m);
    plain.push_back(*make(StandardLayers()));
  }
  auto together = BatchedNetwork::Pack(make, plain, {3, 8, 8});
  ASSERT_TRUE(together.ok()) << together.status();
  auto layers = MakePackedLayers(members, /*alpha=*/members, /*gamma=*/1, kClasses);
  auto packed = make(*layers);
  ASSERT_TRUE(packed.ok()) << packed.status();
  StateDict state;
  for (auto& [name, tensor] : CaptureState(**together)) state.emplace_back(name.substr(name.find('.') + 1), tensor);
  ASSERT_TRUE(LoadState(**packed, state).ok());
  EXPECT_EQ(CountParameters(**packed), members * CountParameters(*plain[0]));

  torch::manual_seed(1);
  const torch::Tensor x = torch::randn({n, 3, 8, 8});
  const torch::Tensor y = torch::randint(kClasses, {n}, torch::kLong);
  for (bool training : {false, true}) {
    (*together)->train(training);
    (*packed)->train(training);
    torch::NoGradGuard no_grad;
    const torch::Tensor reference = (*together)->forward(x.repeat({members, 1, 1, 1}));  // [M * n, C]
    const torch::Tensor logits = (*packed)->forward(x);                                   // [n, M * C]
    for (int64_t m = 0; m < members; ++m) {
      EXPECT_TRUE(torch::allclose(MemberBlock(logits, m), reference.slice(0, m * n, (m + 1) * n), 1e-4, 1e-5))
          << "member " << m << (training ? " training" : " eval");
    }
  }

  // Gradients of the summed members' losses, against each plain member's.
  (*packed)->train();
  const torch::Tensor logits = (*packed)->forward(x);
  torch::Tensor loss = torch::zeros({});
  for (int64_t m = 0; m < members; ++m) loss = loss + torch::nll_loss(torch::log_softmax(MemberBlock(logits, m), 1), y);
  loss.backward();
  for (int64_t m = 0; m < members; ++m) {
    plain[m]->train();
    torch::nll_loss(torch::log_softmax(plain[m]->forward(x), 1), y).backward();
  }
  const auto packed_params = (*packed)->named_parameters();
  for (const auto& item : plain[0]->named_parameters()) {
    const torch::Tensor* grad = &packed_params[item.key()].grad();
    ASSERT_TRUE(grad->defined()) << item.key();
    const int64_t rows = item.value().size(0);
    for (int64_t m = 0; m < members; ++m) {
      const torch::Tensor own = plain[m]->named_parameters()[item.key()].grad();
      EXPECT_TRUE(torch::allclose(grad->narrow(0, m * rows, rows), own, 1e-4, 1e-6)) << item.key() << " member " << m;
    }
  }
}

// alpha = 2, gamma = 2, M = 4: widths doubled, middle layers in 8 groups, the
// first layer dense over the input, the last in 4 groups of its classes.
TEST(PackedEnsembles, WidthsAndGroups) {
  auto layers = MakePackedLayers(4, 2, 2, kClasses);
  auto packed = PreResNet20()(*layers);  // planes 8, 16, 32 at width 0.5
  ASSERT_TRUE(packed.ok()) << packed.status();
  const auto params = (*packed)->named_parameters();
  EXPECT_EQ(params["conv.weight"].sizes(), torch::IntArrayRef({16, 3, 3, 3}));  // dense over 3 input channels
  const torch::Tensor middle = params["stage1_block1.conv1.weight"];
  EXPECT_EQ(middle.sizes(), torch::IntArrayRef({16, 2, 3, 3}));  // 16 channels in 8 groups
  EXPECT_EQ(params["fc.weight"].sizes(), torch::IntArrayRef({4 * kClasses, 64 / 4}));
  const torch::Tensor logits = (*packed)->forward(torch::randn({2, 3, 8, 8}));
  EXPECT_EQ(logits.sizes(), torch::IntArrayRef({2, 4 * kClasses}));
}

// A flattened feature map is widened by its channels: lenet with 5 members
// at alpha 2 rounds conv2's 128 channels up to 130, and fc1 takes 130 x 4
// positions (not 64 x 4 x 2 = 512 rounded to 515, which did not run).
TEST(PackedEnsembles, FlattenedFeatureMapsKeepTheirRoundedChannels) {
  auto layers = MakePackedLayers(5, 2, 1, kClasses);
  auto packed = MakeModel("lenet", "", ModelSpec{1, 8, kClasses}, *layers);  // 2 x 2 positions after conv2
  ASSERT_TRUE(packed.ok()) << packed.status();
  auto params = (*packed)->named_parameters();
  EXPECT_EQ(params["conv2.weight"].sizes(), torch::IntArrayRef({130, 65 / 5, 3, 3}));
  EXPECT_EQ(params["fc1.weight"].sizes(), torch::IntArrayRef({260, 130 * 4 / 5}));
  EXPECT_EQ((*packed)->forward(torch::randn({2, 1, 8, 8})).sizes(), torch::IntArrayRef({2, 5 * kClasses}));
}

// The same through the method: its check that the members stay apart passes,
// and five members train and predict.
TEST_F(MethodsTest, PackedLenetWithRoundedChannelsTrains) {
  context_.members = 5;
  context_.epochs = 1;
  context_.make_model = [](LayerFactory& layers) {
    return MakeModel("lenet", "", ModelSpec{1, 8, kClasses}, layers);
  };
  int64_t size = 0;
  const auto rows = TrainAndEvaluate("packed_ensembles", "alpha=2,gamma=1", &size);
  EXPECT_EQ(size, 5);
  EXPECT_EQ(rows.size(), 5u);
}

// Widths that alpha x c does not divide into M x gamma groups are rounded up,
// never gamma changed, and the method says so in one line.
TEST_F(MethodsTest, PackedWidthsRoundedUpAndSaid) {
  model_args_ = "width=10,depth=1,dropout=0";  // 10 hidden units, 3 members: 20 -> 21
  context_.epochs = 1;
  std::FILE* out = std::tmpfile();
  ProgressReporter progress(out, /*live=*/false);
  context_.progress = &progress;
  const auto rows = TrainAndEvaluate("packed_ensembles", "alpha=2,gamma=1");
  ASSERT_EQ(rows.size(), 3u);
  std::rewind(out);
  std::string text(4096, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), out));
  std::fclose(out);
  EXPECT_THAT(text, HasSubstr("packed_ensembles: 3 members, alpha 2, gamma 1"));
  EXPECT_THAT(text, HasSubstr("widths rounded up to multiples of 3 groups: 20 -> 21"));
}

// The method end to end: every member trained, one pass predicts them all,
// the saved ensemble reads back with the same predictions.
TEST_F(MethodsTest, PackedEnsemblesTrainsEvaluatesSavesAndLoads) {
  int64_t size = 0;
  const auto rows = TrainAndEvaluate("packed_ensembles", "alpha=2,gamma=2", &size);
  EXPECT_EQ(size, 3);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_LT(rows.front().error, 50.0);
  EXPECT_LT(rows.back().nll, rows.front().nll);
  EXPECT_EQ(history_.size(), 6u);  // one network, --epochs

  const BatchMaker batches(data_, torch::kCPU);
  MemberContext context(data_.test, batches, 64, NetworksOf(context_.make_model, torch::kCPU));
  const torch::Tensor member1 = *ensemble_->MemberLogProbs(1, context);
  EXPECT_FALSE(torch::equal(member1, *ensemble_->MemberLogProbs(0, context)));

  const std::string dir = ::testing::TempDir() + "/packed";
  ASSERT_TRUE(MakeDirectories(dir).ok());
  ASSERT_TRUE(ensemble_->Save(dir).ok());
  auto loaded = LoadEnsemble(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->size(), 3);
  EXPECT_TRUE(torch::equal(*(*loaded)->MemberLogProbs(1, context), member1));
  const auto again = Evaluate(**loaded, data_.test);
  ASSERT_EQ(again.size(), rows.size());
  EXPECT_DOUBLE_EQ(again.back().nll, rows.back().nll);
}

// A network whose layers are made in another order than they run: the
// first made (the classifier) is taken for the input layer, so the widths
// do not line up; the probe's failure is one line, before training.
class ClassifierMadeFirst : public Network {
 public:
  explicit ClassifierMadeFirst(LayerFactory& layers) {
    fc_ = RegisterLayer(*this, "fc", layers.Linear(4 * 6 * 6, kClasses, true));
    conv_ = RegisterLayer(*this, "conv", layers.Conv2d(1, 4, 3, 1, 0, true));
  }
  torch::Tensor forward(const torch::Tensor& x) override {
    return fc_.forward(torch::relu(conv_.forward(x)).flatten(1));
  }

 private:
  torch::nn::AnyModule fc_, conv_;
};

TEST_F(MethodsTest, PackedNetworkThatDoesNotRunIsOneLine) {
  context_.make_model = [](LayerFactory& layers) -> absl::StatusOr<std::shared_ptr<Network>> {
    return std::shared_ptr<Network>(std::make_shared<ClassifierMadeFirst>(layers));
  };
  auto method = MakeMethod("packed_ensembles", "alpha=2,gamma=1");
  ASSERT_TRUE(method.ok());
  auto trained = (*method)->Train(context_);
  ASSERT_FALSE(trained.ok());
  EXPECT_THAT(std::string(trained.status().message()), HasSubstr("the packed network does not run ("));
  EXPECT_THAT(std::string(trained.status().message()), ::testing::Not(HasSubstr("\n")));
  EXPECT_TRUE(history_.empty());
}

// An architecture whose forward mixes channel blocks is refused before
// training (alpha = members: no width rounded, the network runs).
TEST_F(MethodsTest, PackedRefusesArchitecturesThatMixMembers) {
  context_.make_model = [](LayerFactory& layers) {
    return MakeModel("densenet40", "growth=4", ModelSpec{1, 8, 5}, layers);
  };
  auto method = MakeMethod("packed_ensembles", "alpha=3,gamma=1");
  ASSERT_TRUE(method.ok());
  auto trained = (*method)->Train(context_);
  ASSERT_FALSE(trained.ok());
  EXPECT_THAT(std::string(trained.status().message()), HasSubstr("mixes the members' channels"));
  EXPECT_TRUE(history_.empty());
}

}  // namespace
}  // namespace ens
