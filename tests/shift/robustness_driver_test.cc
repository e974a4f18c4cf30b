// --ood and --shift as a user runs them. The driver trains a 2-member deep
// ensemble of MLPs on Fashion-MNIST and evaluates it with real MNIST digits
// (the 10,000 of tests/data/mnist, in their own file naming) and uniform
// noise as out-of-distribution sets, and on Gaussian noise and rotation at
// severities 1 and 5; every number recomputes from predictions/, the dump
// holds the corrupted images, and a run trained without three classes
// detects them with --eval_only --ood=held_out; each corrupted set is made
// once for all members, the MNIST reader finds its file and limit=N takes
// the first N images. Bad sets, corruptions and severities are one line and
// exit code 2.
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "core/npy.h"
#include "datasets/idx_reader.h"
#include "metrics/classification.h"
#include "metrics/detection.h"
#include "tests/testing/commands.h"

namespace ens {
namespace {

const char kCommon[] =
    " --method=deep_ensemble --members=2 --model=mlp --model_args=width=32,depth=1 --epochs=1 --device=cpu"
    " --threads=1 --dataset=fashion_mnist";

std::string MnistDir() { return Runfile("tests/data/mnist"); }

torch::Tensor Npy(const std::string& path) {
  auto tensor = ReadNpy(path);
  EXPECT_TRUE(tensor.ok()) << tensor.status();
  return tensor.ok() ? *tensor : torch::Tensor();
}

nlohmann::json Results(const std::string& run) {
  return nlohmann::json::parse(ReadText(Tmp(run) + "/results.json"));
}

// The two members' mean probabilities on one set: [N, C], float64.
torch::Tensor EnsembleProbs(const std::string& dir) {
  return (Npy(dir + "/member_000.npy").to(torch::kDouble).exp() + Npy(dir + "/member_001.npy").to(torch::kDouble).exp()) /
         2;
}

class RobustnessDriverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string err;
    ASSERT_EQ(Driver(absl::StrCat("--out_dir=", Tmp("robust_run"), kCommon,
                                  " --dataset_args=train_limit=2000,val_size=500 --ood=mnist,uniform",
                                  " --ood_args='mnist:dir=", MnistDir(), ";uniform:count=3000'",
                                  " --shift=gaussian_noise,rotation --shift_severities=1:5 --shift_dump=", Tmp("robust_dump")),
                     &err),
              0)
        << err;
  }
};

TEST_F(RobustnessDriverTest, OodMetricsRecomputeFromTheSavedPredictions) {
  const nlohmann::json results = Results("robust_run");
  const nlohmann::json& ood = results["ood"];
  ASSERT_EQ(ood["sets"].size(), 2u);
  EXPECT_EQ(ood["sets"][0]["name"], "mnist");
  EXPECT_EQ(ood["sets"][0]["images"], 10000);
  EXPECT_EQ(ood["sets"][1]["images"], 3000);
  EXPECT_NE(ood["convention"].get<std::string>().find("positive"), std::string::npos);
  const nlohmann::json& size2 = ood["sets"][0]["by_size"][1];
  ASSERT_EQ(size2["size"], 2);
  const torch::Tensor in = EnsembleProbs(Tmp("robust_run") + "/predictions");
  const torch::Tensor out = EnsembleProbs(Tmp("robust_run") + "/predictions/ood/mnist");
  ASSERT_EQ(out.size(0), 10000);
  const torch::Tensor scores = -torch::cat({std::get<0>(in.max(1)), std::get<0>(out.max(1))});
  const torch::Tensor positive = torch::cat({torch::zeros({in.size(0)}, torch::kBool), torch::ones({10000}, torch::kBool)});
  EXPECT_NEAR(size2["max_prob"]["auroc"].get<double>(), Auroc(scores, positive), 1e-6);
  EXPECT_NEAR(size2["max_prob"]["fpr95"].get<double>(), FprAtTpr(scores, positive, 0.95), 1e-6);
  // Real digits are no clothes: told apart well above chance; noise even better.
  EXPECT_GT(size2["entropy"]["auroc"].get<double>(), 0.7);
  for (const auto& set : ood["sets"]) {
    for (const char* score : {"max_prob", "entropy", "expected_entropy", "mutual_information", "disagreement"}) {
      const double auroc = set["by_size"][1][score]["auroc"].get<double>();
      EXPECT_TRUE(auroc >= 0 && auroc <= 1) << set["name"] << " " << score;
    }
  }
}

TEST_F(RobustnessDriverTest, ShiftMetricsRecomputeAndTheDumpHoldsTheCorruptedImages) {
  const nlohmann::json shift = Results("robust_run")["shift"];
  ASSERT_EQ(shift["sets"].size(), 4u);  // 2 corruptions x 2 severities
  const torch::Tensor labels = Npy(Tmp("robust_run") + "/predictions/labels.npy");
  for (const auto& set : shift["sets"]) {
    const std::string name = absl::StrCat(set["corruption"].get<std::string>(), "_", set["severity"].get<int>());
    const torch::Tensor lp = Npy(Tmp("robust_run") + "/predictions/shift/" + name + ".npy");
    ASSERT_EQ(lp.size(0), 10000) << name;
    EXPECT_NEAR(set["by_size"][1]["error"].get<double>(), ErrorPercent(lp, labels), 1e-9) << name;
    EXPECT_NEAR(set["by_size"][1]["nll"].get<double>(), Nll(lp, labels), 1e-5) << name;
  }
  // Harsher is worse, on average over the corruptions.
  const auto& means = shift["mean_by_severity"];
  ASSERT_EQ(means.size(), 2u);
  EXPECT_GT(means[1]["by_size"][1]["error"].get<double>(), means[0]["by_size"][1]["error"].get<double>());
  // The dump: the first 100 test images turned by 180 degrees, before any normalisation.
  auto test = ReadIdxImages("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  ASSERT_TRUE(test.ok()) << test.status();
  const torch::Tensor turned = Npy(Tmp("robust_dump") + "/rotation_5.npy");
  ASSERT_EQ(turned.sizes(), torch::IntArrayRef({100, 1, 28, 28}));
  EXPECT_TRUE(torch::allclose(turned, test->slice(0, 0, 100).to(torch::kFloat).flip({2, 3}) / 255, 1e-5, 1e-5));
  const torch::Tensor noisy = Npy(Tmp("robust_dump") + "/gaussian_noise_5.npy");
  EXPECT_GE(noisy.min().item<float>(), 0.0f);
  EXPECT_LE(noisy.max().item<float>(), 1.0f);
}

TEST_F(RobustnessDriverTest, HeldOutClassesAreDetectedAfterTraining) {
  std::string err;
  // Sandals, sneakers and ankle boots left out of training.
  ASSERT_EQ(Driver(absl::StrCat("--out_dir=", Tmp("robust_held"), kCommon,
                                " --dataset_args=train_limit=2000,val_size=500,hold_out_classes=5:7:9"),
                   &err),
            0)
      << err;
  EXPECT_EQ(Npy(Tmp("robust_held") + "/predictions/member_000.npy").size(1), 7);
  ASSERT_EQ(Driver(absl::StrCat("--eval_only --out_dir=", Tmp("robust_held"), " --ood=held_out,flipped"), &err), 0) << err;
  const nlohmann::json results = Results("robust_held");
  EXPECT_EQ(results["ood"]["sets"][0]["name"], "held_out");
  EXPECT_EQ(results["ood"]["sets"][0]["images"], 3000);  // 1000 test images of each
  EXPECT_EQ(results["ood"]["in_domain_images"], 7000);
  EXPECT_GT(results["ood"]["sets"][0]["by_size"][1]["entropy"]["auroc"].get<double>(), 0.5);
  // --eval_only without the sets: the old ones go.
  ASSERT_EQ(Driver(absl::StrCat("--eval_only --out_dir=", Tmp("robust_held")), &err), 0) << err;
  EXPECT_FALSE(Results("robust_held").contains("ood"));
  EXPECT_NE(RunCommand("test -d " + Tmp("robust_held") + "/predictions/ood"), 0);
}

TEST_F(RobustnessDriverTest, APluginAddsACorruption) {
  std::string err;
  // A copy of the run: the others' results stay as trained.
  ASSERT_EQ(RunCommand(absl::StrCat("rm -rf ", Tmp("robust_plugin"), " && cp -r ", Tmp("robust_run"), " ",
                                    Tmp("robust_plugin"))),
            0);
  ASSERT_EQ(Driver(absl::StrCat("--plugins=", Runfile("plugins/negative_corruption.so"), " --eval_only --out_dir=",
                                Tmp("robust_plugin"), " --shift=negative,translation --shift_severities=5 --shift_dump=",
                                Tmp("robust_negative")),
                   &err),
            0)
      << err;
  const nlohmann::json shift = Results("robust_plugin")["shift"];
  ASSERT_EQ(shift["sets"].size(), 2u);
  EXPECT_EQ(shift["sets"][0]["corruption"], "negative");
  auto test = ReadIdxImages("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  ASSERT_TRUE(test.ok()) << test.status();
  EXPECT_TRUE(torch::allclose(Npy(Tmp("robust_negative") + "/negative_5.npy"),
                              1 - test->slice(0, 0, 100).to(torch::kFloat) / 255, 1e-5, 1e-5));
  // Dark clothes on white: far from what the members saw.
  EXPECT_GT(shift["sets"][0]["by_size"][1]["error"].get<double>(), 40.0);
}

// Each corrupted set is made once, before the first member, not once per
// member: a plugin corruption logs its calls, and over the run's two members
// no (severity, chunk seed) comes twice.
TEST_F(RobustnessDriverTest, EachCorruptedSetIsMadeOnceForAllMembers) {
  const std::string copy = Tmp("robust_counted"), log = Tmp("corruption_calls.txt");
  ASSERT_EQ(RunCommand(absl::StrCat("rm -rf ", copy, " ", log, " && cp -r ", Tmp("robust_run"), " ", copy)), 0);
  std::string err;
  ASSERT_EQ(RunCommand(absl::StrCat("ENS_CORRUPTION_CALLS=", log, " ", Runfile("driver/driver"), " --plugins=",
                                    Runfile("tests/plugins/counting_corruption.so"), " --eval_only --out_dir=", copy,
                                    " --shift=counted --shift_severities=1:3 >/dev/null"),
                       &err),
            0)
      << err;
  const nlohmann::json shift = Results("robust_counted")["shift"];
  ASSERT_EQ(shift["sets"].size(), 2u);
  EXPECT_EQ(shift["sets"][0]["by_size"].back()["size"], 2);  // both members predicted every set
  std::map<std::string, int> calls;
  std::map<char, int> by_severity;
  std::istringstream lines(ReadText(log));
  for (std::string line; std::getline(lines, line);) {
    ++calls[line];
    ++by_severity[line[0]];
  }
  ASSERT_FALSE(calls.empty());
  for (const auto& [call, times] : calls) EXPECT_EQ(times, 1) << "corrupted again: " << call;
  EXPECT_EQ(by_severity.size(), 2u);
  EXPECT_EQ(by_severity['1'], by_severity['3']);
}

// The MNIST set's file: the original naming (t10k-images-idx3-ubyte.gz)
// wins over any other (here Fashion-MNIST's test images, whose predictions
// would differ); of other names there must be one. limit=N takes the
// first N images in file order (the predictions of the run's whole set, cut).
TEST_F(RobustnessDriverTest, TheMnistReaderFindsItsFileAndLimitTakesTheFirstImages) {
  const std::string kFashionTest = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  const std::string file = MnistDir() + "/mnist-10k-images-idx3-ubyte.gz";
  const std::string both = Tmp("mnist_both"), two = Tmp("mnist_two"), copy = Tmp("robust_copy");
  ASSERT_EQ(RunCommand(absl::StrCat("mkdir -p ", both, " ", two, " ", copy, " && cp ", file, " ", both,
                                    "/t10k-images-idx3-ubyte.gz && cp ", kFashionTest, " ", both,
                                    "/extra-images-idx3-ubyte.gz && cp ", file, " ", two, "/a-images-idx3-ubyte.gz && cp ",
                                    file, " ", two, "/b-images-idx3-ubyte.gz && cp -r ", Tmp("robust_run"),
                                    "/results.json ", Tmp("robust_run"), "/members ", copy)),
            0);
  std::string err;
  ASSERT_EQ(Driver(absl::StrCat("--eval_only --out_dir=", copy, " --ood=mnist --ood_args=dir=", both, ",limit=1500"), &err),
            0)
      << err;
  const torch::Tensor limited = Npy(copy + "/predictions/ood/mnist/member_001.npy");
  const torch::Tensor all = Npy(Tmp("robust_run") + "/predictions/ood/mnist/member_001.npy");
  ASSERT_EQ(limited.size(0), 1500);
  ASSERT_EQ(all.size(0), 10000);
  EXPECT_TRUE(torch::allclose(limited, all.slice(0, 0, 1500), 1e-5, 1e-5));
  EXPECT_EQ(Driver(absl::StrCat("--eval_only --out_dir=", copy, " --ood=mnist --ood_args=dir=", two), &err), 2);
  EXPECT_NE(err.find("holds several (a-images-idx3-ubyte.gz, b-images-idx3-ubyte.gz) test image files"),
            std::string::npos)
      << err;
}

TEST_F(RobustnessDriverTest, BadSetsAreOneLineErrors) {
  const std::string run = absl::StrCat(" --eval_only --out_dir=", Tmp("robust_run"));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {run + " --shift=gausian_noise", "gaussian_noise"},
      {run + " --shift=rotation --shift_severities=1:6", "1..5"},
      {run + " --ood=mnst", "mnist"},
      {run + " --ood=mnist --ood_args=dir=/nonexistent", "/nonexistent"},
      {run + " --ood=mnist,uniform --ood_args=dir=/x", "NAME:k=v"},
      {run + " --ood=uniform --ood_args=mnist:dir=/x", "'mnist' is not in --ood"},
      {run + " --shift=contrast --shift_args=c=0.5", "one per severity"},
      {run + " --ood=held_out", "holds out no classes"},
      {absl::StrCat(" --out_dir=", Tmp("robust_bad"), " --dataset=synthetic --dataset_args=channels=3,size=28 --epochs=1",
                    " --members=1 --ood=mnist --ood_args=dir=", MnistDir()),
       "1x28x28"},
  };
  for (const auto& [args, expected] : cases) {
    std::string err;
    EXPECT_EQ(Driver(args, &err), 2) << args << ": " << err;
    EXPECT_NE(err.find(expected), std::string::npos) << args << ": " << err;
    // One error line, the last (progress lines such as the dataset's may come first).
    const size_t error = err.find("error: ");
    ASSERT_NE(error, std::string::npos) << args << ": " << err;
    EXPECT_EQ(err.find('\n', error), err.size() - 1) << args << ": " << err;
  }
}

}  // namespace
}  // namespace ens
