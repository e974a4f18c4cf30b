// //:predict as a user runs it, on real runs: the driver trains two small
// ensembles on Fashion-MNIST (a deep ensemble, and Packed-Ensembles, whose
// members come out of one pass); the test set, given back as PNG files, as
// the IDX file and as a float .npy, must get the probabilities the runs saved
// in predictions/; bad input is one line and exit code 2.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/atomic_file.h"
#include "core/npy.h"
#include "datasets/idx_reader.h"
#include "tests/testing/commands.h"
#include "tools/predict/png_file.h"

namespace ens {
namespace {

const char kData[] = "/usr/share/datasets/fashion-mnist";

std::string Predict(const std::string& args, std::string* err = nullptr, int* code = nullptr) {
  const std::string out = Tmp("predict_out.txt");
  const int rc = RunCommand(absl::StrCat(Runfile("tools/predict/predict"), " --device=cpu --threads=1 ", args, " >", out), err);
  if (code) *code = rc;
  return ReadText(out);
}

struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  int Column(const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
    return -1;
  }
};

Csv ParseCsv(const std::string& text) {  // no quoted fields in these tests
  Csv csv;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<std::string> cells = absl::StrSplit(line, ',');
    if (csv.header.empty()) {
      csv.header = cells;
    } else {
      csv.rows.push_back(cells);
    }
  }
  return csv;
}

// The ensemble's probabilities [N, C] from a run's saved member log-probs.
torch::Tensor SavedProbabilities(const std::string& run, int members) {
  torch::Tensor sum;
  for (int m = 0; m < members; ++m) {
    auto log_probs = ReadNpy(absl::StrCat(run, "/predictions/member_00", m, ".npy"));
    EXPECT_TRUE(log_probs.ok()) << log_probs.status();
    const torch::Tensor p = log_probs->to(torch::kDouble).exp();
    sum = m == 0 ? p : sum + p;
  }
  return sum / members;
}

torch::Tensor CsvProbabilities(const Csv& csv, int classes) {
  torch::Tensor p = torch::empty({static_cast<int64_t>(csv.rows.size()), classes}, torch::kDouble);
  const int first = csv.Column("p_0");
  EXPECT_GE(first, 0);
  for (size_t i = 0; i < csv.rows.size(); ++i) {
    for (int c = 0; c < classes; ++c) {
      double value = 0;
      EXPECT_TRUE(absl::SimpleAtod(csv.rows[i][first + c], &value));
      p[i][c] = value;
    }
  }
  return p;
}

class PredictTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string driver = Runfile("driver/driver");
    const std::string common = absl::StrCat(
        " --model=mlp --model_args=width=32,depth=1 --dataset=fashion_mnist --dataset_args=train_limit=2000,val_size=0"
        " --epochs=1 --members=2 --device=cpu --threads=1 --seed=3 >/dev/null");
    ASSERT_EQ(RunCommand(absl::StrCat(driver, " --method=deep_ensemble --out_dir=", Tmp("deep"), common)), 0);
    ASSERT_EQ(RunCommand(absl::StrCat(driver, " --method=packed_ensembles --method_args=alpha=2 --out_dir=", Tmp("packed"),
                               common)),
              0);
    // The first 40 test images as PNG files, one subdirectory deep, and a
    // file of another type that is skipped.
    auto images = ReadIdxImages(absl::StrCat(kData, "/t10k-images-idx3-ubyte.gz"));
    ASSERT_TRUE(images.ok()) << images.status();
    test_images_ = images->slice(0, 0, 40).clone();
    ASSERT_TRUE(MakeDirectories(Tmp("pngs/more")).ok());
    for (int i = 0; i < 40; ++i) {
      const std::string dir = i < 20 ? Tmp("pngs") : Tmp("pngs/more");
      char name[32];
      std::snprintf(name, sizeof name, "/img_%03d.png", i);
      ASSERT_TRUE(WritePngFile(dir + name, test_images_[i]).ok());
    }
    ASSERT_TRUE(WriteFileAtomically(Tmp("pngs/notes.txt"), "not an image").ok());
  }
  static torch::Tensor test_images_;
};
torch::Tensor PredictTest::test_images_;

TEST_F(PredictTest, PngFilesGetTheRunsSavedProbabilities) {
  for (const char* run : {"deep", "packed"}) {
    std::string err;
    int code = 0;
    const Csv csv = ParseCsv(Predict(absl::StrCat("--run=", Tmp(run), " --input=", Tmp("pngs")), &err, &code));
    ASSERT_EQ(code, 0) << err;
    EXPECT_NE(err.find("not PNG or JPEG, skipped: 1"), std::string::npos) << err;
    ASSERT_EQ(csv.rows.size(), 40u);
    EXPECT_EQ(csv.header[0], "file");
    EXPECT_EQ(csv.header[2], "class");
    // Files of a directory before its subdirectories: the test set's order.
    for (int i = 0; i < 40; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "img_%03d.png", i);
      EXPECT_NE(csv.rows[i][0].find(name), std::string::npos) << csv.rows[i][0];
    }
    const torch::Tensor saved = SavedProbabilities(Tmp(run), 2).slice(0, 0, 40);
    const torch::Tensor got = CsvProbabilities(csv, 10);
    EXPECT_LT((got - saved).abs().max().item<double>(), 1e-6) << run;
    const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                            "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    for (int i = 0; i < 40; ++i) {
      const int64_t k = saved[i].argmax().item<int64_t>();
      EXPECT_EQ(csv.rows[i][1], std::to_string(k));
      EXPECT_EQ(csv.rows[i][2], names[k]);
    }
  }
}

TEST_F(PredictTest, IdxAndFloatNpyGetTheSameProbabilities) {
  std::string err;
  int code = 0;
  const Csv idx = ParseCsv(Predict(absl::StrCat("--run=", Tmp("deep"), " --input=", kData,
                                                "/t10k-images-idx3-ubyte.gz --batch_size=777"),
                                   &err, &code));
  ASSERT_EQ(code, 0) << err;
  ASSERT_EQ(idx.rows.size(), 10000u);
  EXPECT_EQ(idx.header[0], "index");
  EXPECT_LT((CsvProbabilities(idx, 10) - SavedProbabilities(Tmp("deep"), 2)).abs().max().item<double>(), 1e-6);

  ASSERT_TRUE(WriteNpy(Tmp("images.npy"), test_images_.squeeze(1).to(torch::kFloat) / 255).ok());
  const Csv npy = ParseCsv(Predict(absl::StrCat("--run=", Tmp("deep"), " --input=", Tmp("images.npy")), &err, &code));
  ASSERT_EQ(code, 0) << err;
  ASSERT_EQ(npy.rows.size(), 40u);
  EXPECT_LT((CsvProbabilities(npy, 10) - SavedProbabilities(Tmp("deep"), 2).slice(0, 0, 40)).abs().max().item<double>(),
            1e-5);
}

TEST_F(PredictTest, JsonLinesCarryTheUncertainties) {
  std::string err;
  int code = 0;
  const std::string text = Predict(absl::StrCat("--run=", Tmp("deep"), " --input=", Tmp("pngs"), " --format=jsonl"),
                                   &err, &code);
  ASSERT_EQ(code, 0) << err;
  int rows = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    const nlohmann::json row = nlohmann::json::parse(line);
    double sum = 0;
    for (double p : row.at("probabilities")) sum += p;
    EXPECT_NEAR(sum, 1.0, 1e-6);
    const double h = row.at("entropy"), eh = row.at("expected_entropy"), mi = row.at("mutual_information");
    EXPECT_NEAR(mi, h - eh, 1e-9);
    EXPECT_GE(mi, -1e-9);
    const double disagreement = row.at("disagreement");
    EXPECT_TRUE(disagreement == 0.0 || disagreement == 0.5 || disagreement == 1.0) << disagreement;
    ++rows;
  }
  EXPECT_EQ(rows, 40);
}

TEST_F(PredictTest, BadInputIsOneLineBeforeAnyWork) {
  // An image of another size: named with both shapes; --resize=resize takes it.
  ASSERT_TRUE(MakeDirectories(Tmp("big")).ok());
  ASSERT_TRUE(WritePngFile(Tmp("big/large.png"), torch::full({1, 32, 32}, 7, torch::kUInt8)).ok());
  ASSERT_TRUE(WritePngFile(Tmp("big/rgb.png"), torch::full({3, 28, 28}, 9, torch::kUInt8)).ok());
  const std::string run = absl::StrCat("--run=", Tmp("deep"));
  struct Case {
    std::string args, needle;
  };
  for (const Case& c : std::vector<Case>{
           {absl::StrCat(run, " --input=", Tmp("big")), "large.png: an image of 1 x 32 x 32, the run's images are 1 x 28 x 28"},
           {absl::StrCat(run, " --input=", Tmp("nothing_here")), "nothing_here: no such file or directory (or not readable)"},
           {absl::StrCat("--run=", Tmp("pngs"), " --input=", Tmp("pngs")), "results.json"},
           {absl::StrCat(run, " --input=", Tmp("pngs"), " --format=xml"), "--format=xml: csv or jsonl"},
           {absl::StrCat(run, " --input=", Tmp("pngs"), " --resize=crop"), "--resize=crop: reject or resize"},
           {absl::StrCat(run, " --input=", Tmp("pngs/notes.txt")), "notes.txt"},
       }) {
    std::string err;
    int code = 0;
    const std::string out = Predict(c.args, &err, &code);
    EXPECT_EQ(code, 2) << c.args << ": " << err;
    EXPECT_NE(err.find(c.needle), std::string::npos) << c.args << ": " << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_TRUE(out.empty()) << c.args;
  }
  std::string err;
  int code = 0;
  const Csv resized = ParseCsv(Predict(absl::StrCat(run, " --input=", Tmp("big"), " --resize=resize"), &err, &code));
  EXPECT_EQ(code, 0) << err;
  EXPECT_EQ(resized.rows.size(), 2u);
}

}  // namespace
}  // namespace ens
