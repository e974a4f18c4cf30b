// The Trainer, Ensemble and Evaluator on the synthetic dataset: real training
// in well under a second.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "engine/ensemble.h"
#include "engine/evaluator.h"
#include "engine/member_context.h"
#include "engine/progress.h"
#include "engine/trainer.h"
#include "metrics/classification.h"
#include "models/dropout.h"
#include "tests/engine/synthetic_training.h"

namespace ens {
namespace {

// A context on `split` whose networks are `net`: members load into it.
MemberContext ContextOn(const Split& split, const BatchMaker& batches, std::shared_ptr<Network> net) {
  return MemberContext(split, batches, 1000,
                       [net](LayerFactory&) -> absl::StatusOr<std::shared_ptr<Network>> { return net; });
}

// MC dropout's kind as a test registers it (the method's own lives with it).
StochasticPassEnsemble::Kind DropoutPasses() {
  return {"test_dropout", "standard", [](Network& net) {
            for (const auto& module : net.modules(/*include_self=*/false)) {
              if (auto* dropout = dynamic_cast<DropoutImpl*>(module.get())) dropout->train(true);
            }
          }};
}

ENS_REGISTER(EnsembleKindRegistry(), "test_dropout", "dropout passes (test)", ParamSchema(),
             [](const std::string& dir, const nlohmann::json& manifest) {
               return LoadStochasticPasses(DropoutPasses(), dir, manifest);
             });

class CountingCallback : public TrainerCallback {
 public:
  void OnIterationEnd(const IterationInfo& info, Network&) override {
    ++iterations;
    lrs.push_back(info.lr);
  }
  void OnEpochEnd(const EpochRecord&, Network&) override { ++epochs; }
  int iterations = 0, epochs = 0;
  std::vector<double> lrs;
};

TEST(TrainerTest, LearnsAndCallsBack) {
  const Dataset data = Data();
  auto net = Mlp(data, 1);
  std::vector<EpochRecord> history;
  TrainerOptions options;
  options.batch_size = 50;
  options.history = &history;
  Trainer trainer(net, data, options);
  EXPECT_EQ(trainer.iterations_per_epoch(), 8);
  auto schedule = MakeSchedule("cosine", "", ScheduleContext{8 * 6, 8, 0.1});
  CountingCallback counter;
  ASSERT_TRUE(trainer.Run(**schedule, 6, {&counter}, "train").ok());
  EXPECT_EQ(counter.iterations, 48);
  EXPECT_EQ(counter.epochs, 6);
  EXPECT_DOUBLE_EQ(counter.lrs.front(), 0.1);  // the schedule drives the optimizer
  ASSERT_EQ(history.size(), 6u);
  EXPECT_LT(history.back().loss, history.front().loss);
  net->eval();
  const BatchMaker batches(data, torch::kCPU);
  const torch::Tensor lp = PredictLogProbs(*net, data.test, batches, 128);
  EXPECT_LT(ErrorPercent(lp, data.test.labels), 40.0);  // chance is 75%
}

TEST(TrainerTest, DivergenceNamesMemberEpochIteration) {
  const Dataset data = Data();
  TrainerOptions options;
  options.label = "member 2/3";
  Trainer trainer(Mlp(data, 1), data, options);
  auto schedule = MakeSchedule("constant", "lr=1e30", ScheduleContext{100, 4, 0.1});
  absl::Status status = trainer.Run(**schedule, 2, {}, "train");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("member 2/3 (train) epoch 1 iteration"));
}

TEST(TrainerTest, SameSeedSameWeights) {
  const Dataset data = Data();
  StateDict states[2];
  for (auto& state : states) {
    auto net = Mlp(data, 5);
    TrainerOptions options;
    options.data_seed = 9;
    Trainer trainer(net, data, options);
    auto schedule = MakeSchedule("constant", "", ScheduleContext{100, 4, 0.05});
    ASSERT_TRUE(trainer.Run(**schedule, 2, {}, "train").ok());
    state = CaptureState(*net);
  }
  for (size_t i = 0; i < states[0].size(); ++i) EXPECT_TRUE(states[0][i].second.equal(states[1][i].second));
}

// --channels_last changes the memory layout, not the mathematics: one SGD
// step gives the same weights up to rounding, kept in NHWC.
TEST(TrainerTest, ChannelsLastTrainsTheSameUpToRounding) {
  auto data = *MakeDataset("synthetic", "noise=0.35,train=32,test=64,size=12,channels=3", {0});
  std::vector<std::vector<double>> losses;
  std::vector<std::shared_ptr<Network>> nets;
  for (bool channels_last : {false, true}) {
    torch::manual_seed(4);
    auto net = *MakeModel("preresnet20", "width=0.5", ModelSpec{3, 12, data.num_classes}, StandardLayers());
    std::vector<EpochRecord> history;
    TrainerOptions options;
    options.batch_size = 32;
    options.history = &history;
    options.channels_last = channels_last;
    Trainer trainer(net, data, options);
    auto schedule = MakeSchedule("constant", "", ScheduleContext{1, 1, 0.05});
    ASSERT_TRUE(trainer.Run(**schedule, 1, {}, "train").ok());
    losses.emplace_back();
    for (const auto& record : history) losses.back().push_back(record.loss);
    nets.push_back(net);
  }
  for (size_t e = 0; e < losses[0].size(); ++e) EXPECT_NEAR(losses[0][e], losses[1][e], 1e-5) << "epoch " << e;
  const auto a = nets[0]->named_parameters(), b = nets[1]->named_parameters();
  for (const auto& item : a) {
    const torch::Tensor& other = b[item.key()];
    EXPECT_LT((item.value() - other).abs().max().item<double>(), 1e-5) << item.key();
    if (other.dim() == 4) {
      EXPECT_TRUE(other.is_contiguous(torch::MemoryFormat::ChannelsLast)) << item.key();
    }
  }
}

TEST(TrainerTest, RecomputeBatchNormMatchesDataStatistics) {
  const Dataset data = Data();
  torch::manual_seed(0);
  auto net = *MakeModel("preresnet20", "width=0.25", ModelSpec{1, 8, 4}, StandardLayers());
  const BatchMaker batches(data, torch::kCPU);
  ASSERT_TRUE(RecomputeBatchNorm(*net, data, batches, 1000).ok());  // one batch: exact statistics
  auto* first = dynamic_cast<torch::nn::BatchNorm2dImpl*>(net->named_modules()["stage1_block1.bn1"].get());
  ASSERT_NE(first, nullptr);
  // bn1 of the first block sees the output of the stem convolution.
  torch::NoGradGuard no_grad;
  const torch::Tensor stem = net->named_modules()["conv"]->as<torch::nn::Conv2dImpl>()->forward(
      batches.Normalize(data.train.images));
  EXPECT_TRUE(first->running_mean.allclose(stem.mean({0, 2, 3}), 1e-4, 1e-5));
  EXPECT_FALSE(net->is_training());
}

TEST(EnsembleTest, SaveLoadRoundTripAndDropoutDraws) {
  const Dataset data = Data();
  std::vector<StateDict> members = {CaptureState(*Mlp(data, 1)), CaptureState(*Mlp(data, 2))};
  StoredEnsemble stored(members);
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/members";
  mkdir(dir.c_str(), 0755);
  ASSERT_TRUE(stored.Save(dir).ok());
  auto loaded = LoadEnsemble(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ((*loaded)->size(), 2);
  auto net = Mlp(data, 99);
  const auto* network_members = dynamic_cast<const NetworkEnsemble*>(loaded->get());
  ASSERT_NE(network_members, nullptr);
  ASSERT_TRUE(network_members->PrepareMember(1, *net).ok());
  const StateDict now = CaptureState(*net);
  for (size_t i = 0; i < now.size(); ++i) EXPECT_TRUE(now[i].second.equal(members[1][i].second));

  // MC dropout: same (seed, i) -> same pass; different i -> different pass.
  torch::manual_seed(0);
  auto dropout_net = *MakeModel("mlp", "width=32,depth=1,dropout=0.5", ModelSpec{1, 8, 4}, StandardLayers());
  StochasticPassEnsemble samples(DropoutPasses(), CaptureState(*dropout_net), 3, 42);
  const BatchMaker batches(data, torch::kCPU);
  MemberContext context = ContextOn(data.test, batches, dropout_net);
  auto pass = [&](int64_t i) {
    auto log_probs = samples.MemberLogProbs(i, context);
    EXPECT_TRUE(log_probs.ok()) << log_probs.status();
    return *log_probs;
  };
  EXPECT_TRUE(pass(1).equal(pass(1)));
  EXPECT_FALSE(pass(1).equal(pass(2)));
  // A context on another split predicts there, with the networks the first
  // one built (its source builds a new one on every call).
  int built = 0;
  MemberContext fresh(data.test, batches, 1000, [&](LayerFactory& layers) -> absl::StatusOr<std::shared_ptr<Network>> {
    ++built;
    return std::shared_ptr<Network>(*MakeModel("mlp", "width=32,depth=1,dropout=0.5", ModelSpec{1, 8, 4},
                                               layers));
  });
  MemberContext on_train = fresh.OnSplit(data.train);
  auto train_pass = samples.MemberLogProbs(1, on_train);
  ASSERT_TRUE(train_pass.ok()) << train_pass.status();
  EXPECT_EQ(train_pass->size(0), data.train.size());
  auto test_pass = samples.MemberLogProbs(1, fresh);
  ASSERT_TRUE(test_pass.ok());
  EXPECT_TRUE(test_pass->equal(pass(1)));
  EXPECT_EQ(*on_train.NetworkOf("standard"), *fresh.NetworkOf("standard"));
  EXPECT_EQ(built, 1);
  ASSERT_TRUE(samples.Save(dir).ok());
  auto reloaded = LoadEnsemble(dir);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ((*reloaded)->size(), 3);
  auto again = (*reloaded)->MemberLogProbs(2, context);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->equal(pass(2)));  // the draws come back with the saved seed
}

TEST(EnsembleTest, CorruptManifestIsNamed) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/bad";
  mkdir(dir.c_str(), 0755);
  std::FILE* f = std::fopen((dir + "/ensemble.json").c_str(), "w");
  std::fputs("{\"kind\": \"stored\", \"names\": [\"a\"], \"members\": [\"missing.pt\"]}", f);
  std::fclose(f);
  auto loaded = LoadEnsemble(dir);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), ::testing::HasSubstr("missing.pt"));
}

TEST(EvaluatorTest, StreamedMeanOfProbabilitiesAtEachSize) {
  const Dataset data = Data();
  std::vector<StateDict> members;
  for (uint64_t s = 1; s <= 3; ++s) {
    auto net = Mlp(data, s);
    Trainer trainer(net, data, TrainerOptions{});
    auto schedule = MakeSchedule("constant", "", ScheduleContext{100, 4, 0.05});
    ASSERT_TRUE(trainer.Run(**schedule, 2, {}, "train").ok());
    members.push_back(CaptureState(*net));
  }
  StoredEnsemble ensemble(members);
  auto net = Mlp(data, 0);
  const BatchMaker batches(data, torch::kCPU);
  MemberContext context = ContextOn(data.test, batches, net);
  EvalOptions options;
  options.sizes = {1, 3};
  auto rows = EvaluateEnsemble(ensemble, context, options);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  // Recompute size 3 by hand: log of the mean of the three members' probabilities.
  torch::Tensor sum = torch::zeros({data.test.size(), data.num_classes}, torch::kDouble);
  double mean_member_nll = 0;
  for (int64_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(ensemble.PrepareMember(i, *net).ok());
    const torch::Tensor lp = PredictLogProbs(*net, data.test, batches, 77);
    sum += lp.to(torch::kDouble).exp();
    mean_member_nll += Nll(lp, data.test.labels) / 3;
  }
  const torch::Tensor mean_lp = (sum / 3).log();
  EXPECT_NEAR((*rows)[1].nll, Nll(mean_lp, data.test.labels), 1e-6);
  EXPECT_NEAR((*rows)[1].error, ErrorPercent(mean_lp, data.test.labels), 1e-9);
  EXPECT_LE((*rows)[1].nll, mean_member_nll);  // Jensen: the ensemble never does worse than its average member
  EXPECT_EQ((*rows)[0].size, 1);
  options.sizes = {4};
  EXPECT_FALSE(EvaluateEnsemble(ensemble, context, options).ok());
}

TEST(EvaluatorTest, MemberOrdersArePermutationsFixedBySeed) {
  EXPECT_THAT(MemberOrder(5, 0, 7), ::testing::ElementsAre(0, 1, 2, 3, 4));
  std::vector<std::vector<int64_t>> orders;
  for (int64_t r = 0; r < 6; ++r) {
    std::vector<int64_t> order = MemberOrder(10, r, 7);
    EXPECT_EQ(order, MemberOrder(10, r, 7));
    std::vector<int64_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, MemberOrder(10, 0, 7)) << "order " << r << " is not a permutation";
    orders.push_back(order);
  }
  for (int64_t r = 1; r < 6; ++r) EXPECT_NE(orders[r], orders[0]) << "order " << r;
  EXPECT_NE(MemberOrder(10, 1, 7), MemberOrder(10, 1, 8));  // the seed chooses them
}

TEST(EvaluatorTest, OrdersAverageEachSizeOverMemberOrders) {
  const Dataset data = Data();
  std::vector<StateDict> states;
  for (uint64_t s = 1; s <= 4; ++s) states.push_back(CaptureState(*Mlp(data, s)));
  StoredEnsemble ensemble(states);
  auto net = Mlp(data, 0);
  const BatchMaker batches(data, torch::kCPU);
  MemberContext context = ContextOn(data.test, batches, net);
  std::vector<torch::Tensor> member;
  for (int64_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(ensemble.PrepareMember(i, *net).ok());
    member.push_back(PredictLogProbs(*net, data.test, batches, 100).to(torch::kDouble));
  }
  EvalOptions options;
  options.sizes = {1, 2, 4};
  options.orders = 3;
  options.seed = 11;
  options.predictions_dir = std::string(std::getenv("TEST_TMPDIR")) + "/orders_predictions";
  ASSERT_EQ(mkdir(options.predictions_dir.c_str(), 0755), 0);
  auto rows = EvaluateEnsemble(ensemble, context, options);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  // By hand: the first k members of each order, their mean probability.
  for (size_t s = 0; s < 3; ++s) {
    const int64_t k = options.sizes[s];
    double nll = 0, error = 0, cnll = 0;
    for (int64_t r = 0; r < 3; ++r) {
      const std::vector<int64_t> order = MemberOrder(4, r, 11);
      torch::Tensor probs = torch::zeros_like(member[0]);
      for (int64_t i = 0; i < k; ++i) probs += member[order[i]].exp();
      const torch::Tensor log_mean = (probs / k).log();
      nll += Nll(log_mean, data.test.labels) / 3;
      error += ErrorPercent(log_mean, data.test.labels) / 3;
      cnll += ComputeMetrics(log_mean, data.test.labels, k, options).cnll / 3;
    }
    EXPECT_EQ((*rows)[s].size, k);
    EXPECT_NEAR((*rows)[s].nll, nll, 1e-6) << "size " << k;
    EXPECT_NEAR((*rows)[s].error, error, 1e-9) << "size " << k;
    EXPECT_NEAR((*rows)[s].cnll, cnll, 1e-6) << "size " << k;
  }
  // Size 1 over orders is not member 0 alone (the orders start elsewhere)...
  EXPECT_GT(std::abs((*rows)[0].nll - Nll(member[0], data.test.labels)), 1e-6);
  // With orders every member is predicted (and written), even when the
  // largest size asked for is smaller.
  options.sizes = {1};
  options.predictions_dir = std::string(std::getenv("TEST_TMPDIR")) + "/orders_predictions_1";
  ASSERT_EQ(mkdir(options.predictions_dir.c_str(), 0755), 0);
  ASSERT_TRUE(EvaluateEnsemble(ensemble, context, options).ok());
  struct stat info;
  EXPECT_EQ(stat((options.predictions_dir + "/member_003.npy").c_str(), &info), 0);
  // One order is the streamed evaluation of the members' own order.
  options.orders = 1;
  options.sizes = {1, 2, 4};
  auto streamed = EvaluateEnsemble(ensemble, context, options);
  ASSERT_TRUE(streamed.ok());
  EXPECT_NEAR((*streamed)[0].nll, Nll(member[0], data.test.labels), 1e-6);
  EXPECT_NEAR((*streamed)[2].nll, (*rows)[2].nll, 1e-9);  // all four members: the same set in any order
}

TEST(EvaluatorTest, WeightedLogitsHaveOneOrder) {
  const Dataset data = Data();
  StoredEnsemble ensemble({CaptureState(*Mlp(data, 1)), CaptureState(*Mlp(data, 2))}, {1.0, 0.5});
  auto net = Mlp(data, 0);
  const BatchMaker batches(data, torch::kCPU);
  MemberContext context = ContextOn(data.test, batches, net);
  EvalOptions options;
  options.sizes = {1, 2};
  options.orders = 2;
  auto rows = EvaluateEnsemble(ensemble, context, options);
  ASSERT_FALSE(rows.ok());
  EXPECT_THAT(std::string(rows.status().message()), ::testing::HasSubstr("--eval_orders=2"));
  EXPECT_THAT(std::string(rows.status().message()), ::testing::HasSubstr("in the order they were fitted"));
  options.orders = 0;
  EXPECT_FALSE(EvaluateEnsemble(ensemble, context, options).ok());
}

TEST(ProgressTest, PlainLinesWhenNotATerminal) {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  {
    ProgressReporter progress(out, /*live=*/false);
    progress.Plan(4);
    progress.Iteration("member 1/2", 5, 10, 0.5, 0.1);  // no bar off a terminal
    progress.EpochDone("member 1/2", EpochRecord{0, "train", 1, 0.1, 0.5, 80.0, 2.0, 1000});
  }
  std::fclose(out);
  const std::string text(buffer, size);
  free(buffer);
  EXPECT_EQ(text, "member 1/2 epoch 1  lr 0.10000  loss 0.5000  acc 80.00%  1000 img/s  2.0s  ETA 0m06s\n");
}

}  // namespace
}  // namespace ens
