// WhyNotOneDeepEnsemble on results.json contents as the driver writes them:
// runs of one recipe and validation split with their own seeds are one deep
// ensemble; a difference in any part of the recipe, the split, a shared
// seed, or a method whose members are not independent networks is named.
#include "driver/results_file.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ens {
namespace {

nlohmann::json DeepEnsembleRun(int seed) {
  return {{"config",
           {{"method", "deep_ensemble"},
            {"model", "lenet"},
            {"dataset", "fashion_mnist"},
            {"schedule", ""},
            {"schedule_args", ""},
            {"epochs", 30},
            {"batch_size", 128},
            {"lr", 0.05},
            {"momentum", 0.9},
            {"nesterov", false},
            {"weight_decay", 5e-4},
            {"autocast", "off"},
            {"seed", seed},
            {"members", 5},
            {"out_dir", "runs/s" + std::to_string(seed)},
            {"params",
             {{"method", nlohmann::json::object()},
              {"model", {{"width", "1"}, {"dropout", "0.25"}}},
              {"dataset", {{"val_seed", "-1"}, {"val_size", "5000"}, {"test_limit", "2000"}}}}}}},
          {"method_capabilities", {{"independent_members_on_shared_data", true}, {"members_exchangeable", true}}}};
}

std::string WhyNot(const std::vector<nlohmann::json>& runs) {
  std::vector<std::pair<std::string, nlohmann::json>> named;
  for (size_t i = 0; i < runs.size(); ++i) named.emplace_back("r" + std::to_string(i), runs[i]);
  return WhyNotOneDeepEnsemble(named);
}

TEST(WhyNotOneDeepEnsemble, OneRecipeOneSplitOwnSeedsIsOne) {
  nlohmann::json s0 = DeepEnsembleRun(0), s1 = DeepEnsembleRun(1), s2 = DeepEnsembleRun(2);
  // Seed 0 holds out split 0 by default; the others choose it.
  s1["config"]["params"]["dataset"]["val_seed"] = "0";
  s2["config"]["params"]["dataset"]["val_seed"] = "0";
  s2["config"]["members"] = 3;  // how many members a part has is no matter
  EXPECT_EQ(WhyNot({s0, s1, s2}), "");
  EXPECT_EQ(WhyNot({s0}), "");
  // Without a validation split the hold-out's seed makes no difference.
  nlohmann::json w0 = DeepEnsembleRun(0), w1 = DeepEnsembleRun(1);
  w0["config"]["params"]["dataset"]["val_size"] = "0";
  w1["config"]["params"]["dataset"]["val_size"] = "0";
  EXPECT_EQ(WhyNot({w0, w1}), "");
}

TEST(WhyNotOneDeepEnsemble, NamesWhatDiffers) {
  const nlohmann::json s0 = DeepEnsembleRun(0);
  // By default each seed holds out its own split: other training images.
  EXPECT_EQ(WhyNot({s0, DeepEnsembleRun(1)}), "runs r0 and r1 differ in the validation split (0 and 1)");
  nlohmann::json other = DeepEnsembleRun(1);
  other["config"]["params"]["dataset"]["val_seed"] = "0";
  nlohmann::json epochs = other;
  epochs["config"]["epochs"] = 10;
  EXPECT_EQ(WhyNot({s0, epochs}), "runs r0 and r1 differ in epochs (30 and 10)");
  nlohmann::json width = other;
  width["config"]["params"]["model"]["width"] = "2";
  EXPECT_EQ(WhyNot({s0, width}), "runs r0 and r1 differ in params.model.width (\"1\" and \"2\")");
  nlohmann::json extra = other;  // a parameter only one of them records
  extra["config"]["params"]["dataset"]["augment"] = "flip";
  EXPECT_EQ(WhyNot({s0, extra}), "runs r0 and r1 differ in params.dataset.augment (none and \"flip\")");
  nlohmann::json autocast = other;
  autocast["config"]["autocast"] = "bf16";
  EXPECT_EQ(WhyNot({s0, autocast}), "runs r0 and r1 differ in autocast (\"off\" and \"bf16\")");
  EXPECT_EQ(WhyNot({s0, other, DeepEnsembleRun(0)}), "runs r0 and r2 share seed 0");
  // Output-only settings and another machine's copy of the data are no part of the recipe.
  nlohmann::json elsewhere = other;
  elsewhere["config"]["out_dir"] = "runs/elsewhere";
  elsewhere["config"]["params"]["dataset"]["dir"] = "/mnt/other/fashion-mnist";
  EXPECT_EQ(WhyNot({s0, elsewhere}), "");
  // A file from before val_seed: each seed held out its own split.
  nlohmann::json before0 = DeepEnsembleRun(0), before1 = DeepEnsembleRun(1);
  before0["config"]["params"]["dataset"].erase("val_seed");
  before1["config"]["params"]["dataset"].erase("val_seed");
  EXPECT_EQ(WhyNot({before0, before1}), "runs r0 and r1 differ in the validation split (0 and 1)");
}

TEST(WhyNotOneDeepEnsemble, NamesARunOfOtherMembers) {
  nlohmann::json snapshot = DeepEnsembleRun(1);
  snapshot["config"]["method"] = "snapshot";
  snapshot["method_capabilities"]["independent_members_on_shared_data"] = false;
  EXPECT_EQ(WhyNot({DeepEnsembleRun(0), snapshot}),
            "run r1 ('snapshot') is not networks trained independently on shared data");
  // A file from before method_capabilities: only deep_ensemble is known to be one.
  nlohmann::json old = DeepEnsembleRun(1);
  old.erase("method_capabilities");
  old["config"]["params"]["dataset"]["val_seed"] = "0";
  EXPECT_EQ(WhyNot({DeepEnsembleRun(0), old}), "");
  nlohmann::json no_params = DeepEnsembleRun(1);
  no_params["config"].erase("params");
  EXPECT_NE(WhyNot({DeepEnsembleRun(0), no_params}).find("run r1: results.json records no training recipe"),
            std::string::npos);
  EXPECT_EQ(WhyNot({}), "no runs");
  // A combined run records its own flags, not its members' recipe.
  nlohmann::json pooled = DeepEnsembleRun(1);
  pooled["config"]["method"] = "combine";
  pooled["method_capabilities"]["uses_model_flag"] = false;
  EXPECT_EQ(WhyNot({DeepEnsembleRun(0), pooled}), "run r1 pools other runs; name those runs instead");
}

// The identity a resumed run must match: interrupted runs' job.json hold
// these keys, so a change here leaves them unresumable (say so in the README).
TEST(TrainingIdentity, IsTheRecipeAndTheRunsOwnSettings) {
  RunConfig c;
  c.method = "deep_ensemble";
  c.model = "lenet";
  c.dataset = "fashion_mnist";
  const std::map<std::string, std::map<std::string, std::string>> params = {{"dataset", {{"val_size", "5000"}}}};
  const nlohmann::json identity = TrainingIdentityOf(ConfigToJson(c, params));
  std::vector<std::string> keys;
  for (const auto& item : identity.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"autocast", "batch_size", "channels_last", "dataset", "device", "epochs",
                                            "lr", "members", "members_together", "method", "model", "momentum",
                                            "nesterov", "on_divergence", "params", "schedule", "seed",
                                            "weight_decay"}));
  EXPECT_EQ(identity["params"]["dataset"]["val_size"], "5000");
  // What is evaluated, and how, is no part of it; what is trained is.
  RunConfig evaluated = c;
  evaluated.threads = 7;
  evaluated.eval_orders = 20;
  evaluated.robustness.shift = "all";
  evaluated.dee_reference = "runs/ref";
  EXPECT_EQ(TrainingIdentityOf(ConfigToJson(evaluated, params)), identity);
  RunConfig trained = c;
  trained.lr = 0.1;
  EXPECT_NE(TrainingIdentityOf(ConfigToJson(trained, params)), identity);
  // ConfigFromResults reads back what ConfigToJson wrote.
  absl::StatusOr<RunConfig> back = ConfigFromResults({{"config", ConfigToJson(trained, params)}}, "r");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->lr, 0.1);
  EXPECT_EQ(back->method, "deep_ensemble");
}

}  // namespace
}  // namespace ens
