// Shared fixture of the method tests: each method end to end on the
// synthetic dataset, in seconds.
#ifndef ENSEMBLES_TESTS_ENSEMBLES_METHOD_FIXTURE_H_
#define ENSEMBLES_TESTS_ENSEMBLES_METHOD_FIXTURE_H_

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "core/atomic_file.h"
#include "engine/evaluator.h"
#include "ensembles/method.h"
#include "metrics/classification.h"

namespace ens {

using ::testing::HasSubstr;

class MethodsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = *MakeDataset("synthetic", "noise=0.45,train=480,test=400,classes=5", {0});
    context_.data = &data_;
    context_.seed = 3;
    context_.members = 3;
    context_.epochs = 6;
    context_.batch_size = 40;
    context_.lr = 0.05;
    context_.history = &history_;
    model_args_ = "width=48,depth=1,dropout=0.3";
    context_.make_model = [this](LayerFactory& layers) {
      return MakeModel("mlp", model_args_, ModelSpec{1, 8, 5}, layers);
    };
  }

  // Noisier data, where one network stays unsure (NLL well above 0): for
  // methods whose members sit near one solution (SWAG, boosting).
  void UseNoisierData(double noise) {
    data_ = *MakeDataset("synthetic", absl::StrCat("noise=", noise, ",train=480,test=400,classes=5"), {0});
  }

  // Trains `method` and evaluates every size.
  std::vector<SizeMetrics> TrainAndEvaluate(const char* method, const char* args, int64_t* size = nullptr) {
    auto made = MakeMethod(method, args);
    EXPECT_TRUE(made.ok()) << made.status();
    auto ensemble = (*made)->Train(context_);
    EXPECT_TRUE(ensemble.ok()) << ensemble.status();
    if (!ensemble.ok()) return {};
    if (size) *size = (*ensemble)->size();
    EXPECT_EQ((*ensemble)->size(), (*made)->PlannedMembers(context_)) << method << " " << args;
    // Every epoch's training FLOPs counted (NaN: not counted).
    for (const auto& epoch : history_) EXPECT_GT(epoch.train_flops, 0) << method << " epoch " << epoch.epoch;
    ensemble_ = std::move(*ensemble);
    return Evaluate(*ensemble_, data_.test);
  }

  // Every size of `ensemble` on `split`.
  std::vector<SizeMetrics> Evaluate(const Ensemble& ensemble, const Split& split) {
    const BatchMaker batches(data_, torch::kCPU);
    MemberContext context(split, batches, 1000, NetworksOf(context_.make_model, torch::kCPU),
                          [&](Network& member, const BatchMaker& normalise) {
                            return RecomputeBatchNorm(member, data_, normalise, 40);
                          });
    EvalOptions options;
    for (int64_t k = 1; k <= ensemble.size(); ++k) options.sizes.push_back(k);
    auto rows = EvaluateEnsemble(ensemble, context, options);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? *rows : std::vector<SizeMetrics>{};
  }

  // How a network ensemble's members go into a network (every built-in
  // method's ensemble is one).
  static NetworkEnsemble::Layout LayoutOf(const Ensemble& ensemble) {
    const auto* network = dynamic_cast<const NetworkEnsemble*>(&ensemble);
    EXPECT_NE(network, nullptr);
    return network ? network->layout() : NetworkEnsemble::Layout{};
  }

  // The last trained ensemble, saved to members/ and read back, gives the
  // same metrics (draws reproducible from the saved state).
  void ExpectSameAfterSaveAndLoad(const std::vector<SizeMetrics>& rows, const std::string& name) {
    const std::string dir = ::testing::TempDir() + "/" + name;
    ASSERT_TRUE(MakeDirectories(dir).ok());
    ASSERT_TRUE(ensemble_->Save(dir).ok());
    auto loaded = LoadEnsemble(dir);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_EQ((*loaded)->size(), ensemble_->size());
    if (dynamic_cast<const NetworkEnsemble*>(ensemble_.get()) != nullptr) {
      EXPECT_EQ(LayoutOf(**loaded).layer_kind, LayoutOf(*ensemble_).layer_kind);
      EXPECT_EQ(LayoutOf(**loaded).recompute_batchnorm, LayoutOf(*ensemble_).recompute_batchnorm);
    }
    EXPECT_EQ((*loaded)->combination().ToJson(), ensemble_->combination().ToJson());
    const auto again = Evaluate(**loaded, data_.test);
    ASSERT_EQ(again.size(), rows.size());
    EXPECT_DOUBLE_EQ(again.back().nll, rows.back().nll);
  }

  // The last trained ensemble saved as a finished run's --out_dir (its
  // members/ folder), for methods that reuse an earlier run; returns the dir.
  std::string SaveAsRun(const std::string& name) {
    const std::string run = ::testing::TempDir() + "/" + name;
    EXPECT_TRUE(MakeDirectories(run + "/members").ok());
    EXPECT_TRUE(ensemble_->Save(run + "/members").ok());
    return run;
  }

  // The ensemble of all members beats its first member in NLL and the members
  // are trained (error far below chance, 80%).
  void ExpectEnsembleHelps(const std::vector<SizeMetrics>& rows) {
    ASSERT_GE(rows.size(), 2u);
    EXPECT_LT(rows.back().nll, rows.front().nll);
    EXPECT_LT(rows.front().error, 50.0);
  }

  Dataset data_;
  TrainContext context_;
  std::unique_ptr<Ensemble> ensemble_;  // the last one trained
  std::vector<EpochRecord> history_;
  std::string model_args_;
};

}  // namespace ens

#endif  // ENSEMBLES_TESTS_ENSEMBLES_METHOD_FIXTURE_H_
