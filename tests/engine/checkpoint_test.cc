// Checkpoints: a run cut after 2 epochs and resumed by a new Trainer ends
// where an uninterrupted run ends (network, momentum, data order, dropout's
// generator, callback state); bad checkpoints are errors naming the file.
// (tests/driver/resume_test.sh kills real processes.)
#include "engine/checkpoint.h"

#include <cstdio>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "core/atomic_file.h"
#include "engine/trainer.h"

namespace ens {
namespace {

using ::testing::HasSubstr;

Dataset Data() { return *MakeDataset("synthetic", "noise=0.35,train=400,test=100", {0}); }

std::shared_ptr<Network> Mlp(const Dataset& data, const char* args = "width=32,depth=1,dropout=0.3") {
  torch::manual_seed(11);
  return *MakeModel("mlp", args, ModelSpec{data.channels(), data.image_size(), data.num_classes}, StandardLayers());
}

// Counts iterations across the run: state a resumed run must get back.
class IterationCounter : public TrainerCallback {
 public:
  void OnIterationEnd(const IterationInfo&, Network&) override { ++count; }
  std::vector<torch::Tensor> SaveState() const override { return {torch::tensor(count, torch::kLong)}; }
  absl::Status RestoreState(const std::vector<torch::Tensor>& state, const Network&) override {
    count = state.at(0).item<int64_t>();
    return absl::OkStatus();
  }
  int64_t count = 0;
};

TrainerOptions Options(std::vector<EpochRecord>* history, Checkpointer* checkpointer) {
  TrainerOptions options;
  options.batch_size = 50;
  options.data_seed = 5;
  options.history = history;
  options.checkpointer = checkpointer;
  return options;
}

std::string FreshDir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/" + name;
  std::remove((dir + "/run_0000.ckpt").c_str());
  EXPECT_TRUE(MakeDirectories(dir).ok());
  return dir;
}

TEST(CheckpointTest, ACutRunResumesToTheSameEnd) {
  const Dataset data = Data();
  // A constant rate: the first 2 epochs of a 4-epoch run are a 2-epoch run.
  auto schedule = *MakeSchedule("constant", "", ScheduleContext{8 * 4, 8, 0.1});

  std::vector<EpochRecord> full_history;
  auto full = Mlp(data);
  IterationCounter full_counter;
  Trainer(full, data, Options(&full_history, nullptr)).Run(*schedule, 4, {&full_counter}, "train").IgnoreError();

  const std::string dir = FreshDir("cut_run");
  std::vector<EpochRecord> history;
  {
    Checkpointer checkpointer(dir);
    auto net = Mlp(data);
    IterationCounter counter;
    ASSERT_TRUE(Trainer(net, data, Options(&history, &checkpointer)).Run(*schedule, 2, {&counter}, "train").ok());
  }
  // A new process: a fresh network (re-seeded generator), state from the file.
  history.clear();
  Checkpointer checkpointer(dir);
  auto net = Mlp(data);
  IterationCounter counter;
  ASSERT_TRUE(Trainer(net, data, Options(&history, &checkpointer)).Run(*schedule, 4, {&counter}, "train").ok());

  EXPECT_EQ(counter.count, full_counter.count);
  ASSERT_EQ(history.size(), full_history.size());
  for (size_t e = 0; e < history.size(); ++e) {
    EXPECT_EQ(history[e].loss, full_history[e].loss) << "epoch " << e;
    // Restored epochs keep their count; the resumed ones count again.
    EXPECT_EQ(history[e].train_flops, full_history[e].train_flops) << "epoch " << e;
    EXPECT_GT(history[e].train_flops, 0) << "epoch " << e;
  }
  const auto a = CaptureState(*full), b = CaptureState(*net);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first;
}

TEST(CheckpointTest, BadCheckpointsAreErrorsNamingTheFile) {
  const Dataset data = Data();
  auto schedule = *MakeSchedule("constant", "", ScheduleContext{8, 8, 0.1});
  const std::string dir = FreshDir("bad_checkpoints");
  {
    Checkpointer checkpointer(dir);
    ASSERT_TRUE(Trainer(Mlp(data), data, Options(nullptr, &checkpointer)).Run(*schedule, 1, {}, "train").ok());
  }
  // Another architecture.
  {
    Checkpointer checkpointer(dir);
    absl::Status status =
        Trainer(Mlp(data, "width=16,depth=1"), data, Options(nullptr, &checkpointer)).Run(*schedule, 1, {}, "train");
    EXPECT_THAT(std::string(status.message()), HasSubstr("run_0000.ckpt: weights do not fit"));
  }
  // More epochs saved than the run has, or other callbacks.
  {
    Checkpointer checkpointer(dir);
    IterationCounter counter;
    absl::Status status =
        Trainer(Mlp(data), data, Options(nullptr, &checkpointer)).Run(*schedule, 1, {&counter}, "train");
    EXPECT_THAT(std::string(status.message()), HasSubstr("does not fit this run"));
  }
  // Garbage.
  ASSERT_TRUE(WriteFileAtomically(dir + "/run_0000.ckpt", "not a checkpoint").ok());
  Checkpointer checkpointer(dir);
  absl::Status status = Trainer(Mlp(data), data, Options(nullptr, &checkpointer)).Run(*schedule, 1, {}, "train");
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr(dir + "/run_0000.ckpt: not a readable checkpoint"));
}

}  // namespace
}  // namespace ens
