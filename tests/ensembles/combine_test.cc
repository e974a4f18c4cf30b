// combine and select as a user runs them: the driver trains a small pool on
// Fashion-MNIST (a deep ensemble of MLPs at two seeds, Packed-Ensembles of
// LeNets: other architectures, another kind of ensemble), all holding out one
// validation split (val_seed), and a single MLP with a hold-out (and so
// normalisation statistics) of its own; then combines and selects from it. A combined
// member's test predictions are its own run's, bit for bit; a selection's
// first step is the pool's best member on validation NLL; --eval_only reads
// the combined run back; the progress line does not name --model's network;
// two deep ensembles of one recipe combined are one deep ensemble (a DEE
// reference, --eval_orders), other pools are not; bad pools are one line and
// exit code 2.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "core/npy.h"
#include "tests/testing/commands.h"

namespace ens {
namespace {

const char kCommon[] =
    " --dataset=fashion_mnist --dataset_args=train_limit=1500,val_size=500,val_seed=11"
    " --epochs=1 --device=cpu --threads=1";

torch::Tensor Member(const std::string& run, int member) {
  char name[32];
  std::snprintf(name, sizeof name, "/predictions/member_%03d.npy", member);
  auto log_probs = ReadNpy(Tmp(run) + name);
  EXPECT_TRUE(log_probs.ok()) << log_probs.status();
  return log_probs.ok() ? *log_probs : torch::Tensor();
}

nlohmann::json Json(const std::string& path) { return nlohmann::json::parse(ReadText(path)); }

class CombineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string mlp = " --model=mlp --model_args=width=24,depth=1";
    ASSERT_EQ(Driver(absl::StrCat("--method=deep_ensemble --members=2 --seed=1 --out_dir=", Tmp("a"), mlp, kCommon)), 0);
    ASSERT_EQ(Driver(absl::StrCat("--method=deep_ensemble --members=2 --seed=2 --out_dir=", Tmp("b"), mlp, kCommon)), 0);
    ASSERT_EQ(Driver(absl::StrCat("--method=packed_ensembles --method_args=alpha=2 --members=2 --model=lenet --seed=3",
                                  " --out_dir=", Tmp("p"), kCommon)),
              0);
    // Another hold-out (no val_seed): other normalisation statistics.
    ASSERT_EQ(Driver(absl::StrCat("--method=single --seed=4 --out_dir=", Tmp("q"), mlp,
                                  " --dataset=fashion_mnist --dataset_args=train_limit=1500,val_size=500",
                                  " --epochs=1 --device=cpu --threads=1")),
              0);
  }
};

TEST_F(CombineTest, CombinedMembersPredictAsInTheirOwnRuns) {
  std::string err;  // with the metrics table (standard output)
  ASSERT_EQ(RunCommand(absl::StrCat("(", Runfile("driver/driver"), " --method=combine --method_args=runs=", Tmp("a"),
                                    ":", Tmp("p"), ":", Tmp("q"), " --out_dir=", Tmp("c"), kCommon, " 1>&2)"),
                       &err),
            0)
      << err;
  // The pooled runs bring their own models: --model (lenet by default) names none of them.
  EXPECT_NE(err.find("method combine, each pooled run's own model, 0 epochs"), std::string::npos) << err;
  EXPECT_NE(err.find("combine / fashion_mnist (5 members"), std::string::npos) << err;
  EXPECT_EQ(Json(Tmp("c/results.json"))["method_capabilities"]["uses_model_flag"], false);
  const std::vector<std::pair<std::string, int>> sources = {{"a", 0}, {"a", 1}, {"p", 0}, {"p", 1}, {"q", 0}};
  for (size_t i = 0; i < sources.size(); ++i) {
    EXPECT_TRUE(torch::equal(Member("c", static_cast<int>(i)), Member(sources[i].first, sources[i].second)))
        << "member " << i;
  }
  // Sizes 1 and 2 are run a's ensemble; size 5 the mean of all five members' probabilities.
  const nlohmann::json c = Json(Tmp("c/results.json")), a = Json(Tmp("a/results.json"));
  ASSERT_EQ(c.at("metrics").size(), 5u);
  EXPECT_DOUBLE_EQ(c["metrics"][1]["nll"].get<double>(), a["metrics"][1]["nll"].get<double>());
  torch::Tensor mean = torch::zeros_like(Member("a", 0), torch::kDouble);
  for (size_t i = 0; i < sources.size(); ++i) mean += Member("c", static_cast<int>(i)).to(torch::kDouble).exp();
  mean /= 5;
  const torch::Tensor labels = *ReadNpy(Tmp("c/predictions/labels.npy"));
  const double nll = -mean.log().gather(1, labels.to(torch::kLong).view({-1, 1})).mean().item<double>();
  EXPECT_NEAR(c["metrics"][4]["nll"].get<double>(), nll, 1e-9);
  // Read back alone: the parts' members were copied into the run.
  const nlohmann::json manifest = Json(Tmp("c/members/ensemble.json"));
  EXPECT_EQ(manifest["kind"], "pooled");
  EXPECT_EQ(manifest["parts"][1]["model"], "lenet");
  ASSERT_EQ(Driver(absl::StrCat("--eval_only --out_dir=", Tmp("c"), " --device=cpu --threads=1"), &err), 0) << err;
  EXPECT_DOUBLE_EQ(Json(Tmp("c/results.json"))["metrics"][4]["nll"].get<double>(), c["metrics"][4]["nll"].get<double>());
}

TEST_F(CombineTest, DeepEnsemblesOfOneRecipeCombineIntoOneDeepEnsemble) {
  // a and b: the same recipe and validation split, seeds 1 and 2.
  std::string err;
  ASSERT_EQ(Driver(absl::StrCat("--method=combine --method_args=runs=", Tmp("a"), ":", Tmp("b"),
                                " --eval_orders=3 --out_dir=", Tmp("ab"), kCommon),
                   &err),
            0)
      << err;
  EXPECT_NE(err.find("combine: one deep ensemble"), std::string::npos) << err;
  const nlohmann::json ab = Json(Tmp("ab/results.json"));
  EXPECT_EQ(ab["method_capabilities"]["independent_members_on_shared_data"], true);
  EXPECT_EQ(ab["method_capabilities"]["members_exchangeable"], true);
  // It is a reference for DEE: a's own ensemble measured against it.
  ASSERT_EQ(Driver(absl::StrCat("--eval_only --out_dir=", Tmp("a"), " --dee_reference=", Tmp("ab"),
                                " --device=cpu --threads=1"),
                   &err),
            0)
      << err;
  EXPECT_TRUE(Json(Tmp("a/results.json"))["metrics"][1]["dee"].is_number());
  // The verdict stays with the combined run when its parts are gone.
  ASSERT_EQ(RunCommand(absl::StrCat("cp -r ", Tmp("ab"), " ", Tmp("ab_alone"), " && sed -i 's|", Tmp("b"), "|",
                                    Tmp("b_gone"), "|g' ", Tmp("ab_alone/results.json"))),
            0);
  ASSERT_EQ(Driver(absl::StrCat("--eval_only --eval_orders=2 --out_dir=", Tmp("ab_alone"), " --device=cpu --threads=1"),
                   &err),
            0)
      << err;
  EXPECT_EQ(Json(Tmp("ab_alone/results.json"))["method_capabilities"]["independent_members_on_shared_data"], true);
  // With the packed run, or a run twice (the same members), it is not.
  for (const std::string& runs : {absl::StrCat(Tmp("a"), ":", Tmp("p")), absl::StrCat(Tmp("a"), ":", Tmp("a"))}) {
    ASSERT_EQ(Driver(absl::StrCat("--method=combine --method_args=runs=", runs, " --out_dir=", Tmp("ap"), " --overwrite",
                                  kCommon),
                     &err),
              0)
        << err;
    EXPECT_NE(err.find("combine: not one deep ensemble: run"), std::string::npos) << err;
    EXPECT_EQ(Json(Tmp("ap/results.json"))["method_capabilities"]["independent_members_on_shared_data"], false);
    EXPECT_NE(Driver(absl::StrCat("--eval_only --out_dir=", Tmp("a"), " --dee_reference=", Tmp("ap"),
                                  " --device=cpu --threads=1"),
                     &err),
              0);
    EXPECT_NE(err.find("not independently trained members"), std::string::npos) << err;
    EXPECT_EQ(Driver(absl::StrCat("--method=combine --method_args=runs=", runs, " --eval_orders=2 --dry_run --out_dir=",
                                  Tmp("ap_orders"), kCommon),
                     &err),
              2);
    EXPECT_NE(err.find("are not exchangeable (its runs are not one deep ensemble: run"), std::string::npos) << err;
  }
  // Its record stands too when the parts are gone (here: a:a).
  ASSERT_EQ(RunCommand(absl::StrCat("cp -r ", Tmp("ap"), " ", Tmp("ap_alone"), " && sed -i 's|", Tmp("a"), "|",
                                    Tmp("a_gone"), "|g' ", Tmp("ap_alone/results.json"))),
            0);
  EXPECT_EQ(Driver(absl::StrCat("--eval_only --eval_orders=2 --out_dir=", Tmp("ap_alone"), " --device=cpu --threads=1"),
                   &err),
            2);
  EXPECT_NE(err.find("records members that are not exchangeable"), std::string::npos) << err;
  // A run that is not there is named, not taken for one of another recipe.
  EXPECT_EQ(Driver(absl::StrCat("--method=combine --method_args=runs=", Tmp("a"), ":", Tmp("nowhere"),
                                " --eval_orders=2 --out_dir=", Tmp("ap_orders"), kCommon),
                   &err),
            2);
  EXPECT_NE(err.find("nowhere/results.json: cannot open"), std::string::npos) << err;
}

TEST_F(CombineTest, SelectionStartsFromThePoolsBestMemberAndRecordsItsWeights) {
  std::string err;
  ASSERT_EQ(Driver(absl::StrCat("--method=select --members=5 --method_args=runs=", Tmp("a"), ":", Tmp("b"), ":",
                                Tmp("p"), " --out_dir=", Tmp("s"), kCommon),
                   &err),
            0)
      << err;
  const nlohmann::json record = Json(Tmp("s/members/ensemble.json"))["record"];
  ASSERT_EQ(record["pool"].size(), 6u);
  ASSERT_EQ(record["steps"].size(), 5u);
  double best = INFINITY;
  nlohmann::json best_member;
  for (const auto& member : record["pool"]) {
    if (member["nll"].get<double>() < best) {
      best = member["nll"].get<double>();
      best_member = member;
    }
  }
  EXPECT_EQ(record["steps"][0]["run"], best_member["run"]);
  EXPECT_EQ(record["steps"][0]["member"], best_member["member"]);
  EXPECT_DOUBLE_EQ(record["steps"][0]["nll"].get<double>(), best);
  double total = 0;
  for (const auto& w : record["weights"]) total += w["weight"].get<double>();
  EXPECT_NEAR(total, 1.0, 1e-12);
  // Each chosen member's test predictions are its run's.
  for (int step = 0; step < 5; ++step) {
    const std::string run = record["steps"][step]["run"];
    const int member = record["steps"][step]["member"];
    EXPECT_TRUE(torch::equal(Member("s", step), Member(run.substr(run.rfind('/') + 1), member))) << "step " << step;
  }
  EXPECT_EQ(Json(Tmp("s/results.json"))["metrics"].size(), 5u);
}

TEST_F(CombineTest, BadPoolsAreOneLine) {
  // A run of another dataset, a folder that is no run, boosting's stages,
  // another validation split.
  ASSERT_EQ(Driver(absl::StrCat("--method=single --dataset=synthetic --model=mlp --epochs=1 --device=cpu --threads=1",
                                " --out_dir=", Tmp("combine_synthetic"))),
            0);
  // Boosting's members are stages of a weighted sum of logits.
  ASSERT_EQ(Driver(absl::StrCat("--method=boosting --members=2 --model=mlp --model_args=width=8,depth=1 --out_dir=",
                                Tmp("boosting"), kCommon)),
            0);
  struct Case {
    std::string args, needle;
  };
  for (const Case& c : std::vector<Case>{
           {absl::StrCat("--method=combine --method_args=runs=", Tmp("a"), ":", Tmp("combine_synthetic")),
            "trained on dataset 'synthetic', this run's is 'fashion_mnist'"},
           {absl::StrCat("--method=combine --method_args=runs=", Tmp("nowhere")), "nowhere/results.json: cannot open"},
           {"--method=combine", "runs= names no run"},
           {absl::StrCat("--method=combine --method_args=runs=", Tmp("boosting")),
            "its members combine by weighted logits (boosting)"},
           {absl::StrCat("--method=select --method_args=runs=", Tmp("a"), " --dataset_args=train_limit=1500,val_size=500"),
            "it held out another validation split"},
           {absl::StrCat("--method=select --method_args=runs=", Tmp("a"), ",metric=accuracy"), "metric"},
       }) {
    std::string err;
    const int code = Driver(absl::StrCat(c.args, " --dataset=fashion_mnist --device=cpu --threads=1 --out_dir=",
                                         Tmp("combine_bad")),
                            &err);
    EXPECT_EQ(code, 2) << c.args << "\n" << err;
    EXPECT_NE(err.find(c.needle), std::string::npos) << c.args << "\n" << err;
    EXPECT_EQ(err.find("terminate"), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace ens
