// distill and distill_dirichlet as a user runs them: the driver trains a
// teacher (a deep ensemble of MLPs on Fashion-MNIST) and students of it. At
// alpha 0 Hinton's student is `single`, bit for bit (the same
// initialisation, data order and loss); at alpha 1 it is closer to its
// teacher on the test set than the single network is; the Dirichlet
// student's mean learns the teacher's prediction; a missing teacher or one of another dataset is one line and exit
// code 2.
#include <cmath>
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
    " --dataset=fashion_mnist --dataset_args=train_limit=3000,val_size=0 --model=mlp --model_args=width=32,depth=1"
    " --epochs=5 --lr=0.05 --device=cpu --threads=1";

torch::Tensor Member(const std::string& run, int member) {
  auto log_probs = ReadNpy(absl::StrCat(Tmp(run), "/predictions/member_00", member, ".npy"));
  EXPECT_TRUE(log_probs.ok()) << log_probs.status();
  return log_probs.ok() ? log_probs->to(torch::kDouble) : torch::Tensor();
}

torch::Tensor TeacherMean() {
  torch::Tensor mean = torch::zeros_like(Member("teacher", 0));
  for (int m = 0; m < 3; ++m) mean += Member("teacher", m).exp();
  return mean / 3;
}

// KL(teacher's mean prediction || log_probs) on the test set, per example.
double KlFromTeacher(const torch::Tensor& log_probs) {
  const torch::Tensor mean = TeacherMean();
  return (mean * (mean.log() - log_probs)).sum(1).mean().item<double>();
}

double KlFromTeacher(const std::string& run) { return KlFromTeacher(Member(run, 0)); }

nlohmann::json Results(const std::string& run) { return nlohmann::json::parse(ReadText(Tmp(run) + "/results.json")); }

class DistillTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(Driver(absl::StrCat("--method=deep_ensemble --members=3 --seed=1 --out_dir=", Tmp("teacher"), kCommon)),
              0);
    ASSERT_EQ(Driver(absl::StrCat("--method=single --seed=2 --out_dir=", Tmp("single"), kCommon)), 0);
  }
};

TEST_F(DistillTest, AtAlphaZeroTheStudentIsTheSingleNetwork) {
  std::string err;
  ASSERT_EQ(Driver(absl::StrCat("--method=distill --method_args=teacher_from=", Tmp("teacher"),
                                ",alpha=0 --seed=2 --out_dir=", Tmp("alpha0"), kCommon),
                   &err),
            0)
      << err;
  EXPECT_TRUE(torch::equal(Member("alpha0", 0), Member("single", 0)));
  EXPECT_EQ(Results("alpha0")["metrics"], Results("single")["metrics"]);
}

TEST_F(DistillTest, StudentsComeCloserToTheTeacherThanTheSingleNetwork) {
  std::string err;
  ASSERT_EQ(Driver(absl::StrCat("--method=distill --method_args=teacher_from=", Tmp("teacher"),
                                ",alpha=1,temperature=2 --seed=2 --out_dir=", Tmp("hinton"), kCommon),
                   &err),
            0)
      << err;
  EXPECT_NE(err.find("the teacher's 3 members (deep_ensemble, mlp) on the 3000 training images"), std::string::npos)
      << err;
  const double single = KlFromTeacher("single"), hinton = KlFromTeacher("hinton");
  // 5 epochs: at 2 the student, trained on soft targets alone, is not yet
  // as close as the network trained on the labels.
  EXPECT_LT(hinton, 0.8 * single) << "KL from the teacher: single " << single << ", Hinton's student " << hinton;

  ASSERT_EQ(Driver(absl::StrCat("--method=distill_dirichlet --method_args=teacher_from=", Tmp("teacher"),
                                " --seed=2 --out_dir=", Tmp("dirichlet"), kCommon),
                   &err),
            0)
      << err;
  const nlohmann::json dirichlet = Results("dirichlet");
  ASSERT_EQ(dirichlet["metrics"].size(), 1u);
  // A non-finite NLL is written as null.
  ASSERT_TRUE(dirichlet["metrics"][0]["nll"].is_number()) << dirichlet["metrics"][0];
  EXPECT_LT(dirichlet["metrics"][0]["error"].get<double>(), 40.0) << "a Dirichlet student that did not learn";
  // Its mean learns the teacher's prediction (not as closely as Hinton's
  // student: it fits the members' spread, with a preconditioned loss).
  const double uniform = KlFromTeacher(torch::full_like(TeacherMean(), -std::log(10.0)));
  EXPECT_LT(KlFromTeacher("dirichlet"), 0.1 * uniform) << "KL from the teacher: a uniform prediction " << uniform;
}

TEST_F(DistillTest, BadTeachersAreOneLine) {
  ASSERT_EQ(Driver(absl::StrCat("--method=single --dataset=synthetic --model=mlp --epochs=1 --device=cpu --threads=1",
                                " --out_dir=", Tmp("distill_synthetic"))),
            0);
  struct Case {
    std::string method_args, needle;
  };
  for (const Case& c : std::vector<Case>{
           {"", "teacher_from= names no finished run"},
           {absl::StrCat("teacher_from=", Tmp("nowhere")), "nowhere/results.json: cannot open"},
           {absl::StrCat("teacher_from=", Tmp("distill_synthetic")), "trained on dataset 'synthetic'"},
       }) {
    for (const char* method : {"distill", "distill_dirichlet"}) {
      std::string err;
      const int code = Driver(absl::StrCat("--method=", method, " --method_args=", c.method_args, " --out_dir=",
                                           Tmp("distill_bad"), kCommon),
                              &err);
      EXPECT_EQ(code, 2) << method << " " << c.method_args << "\n" << err;
      EXPECT_NE(err.find(c.needle), std::string::npos) << method << " " << c.method_args << "\n" << err;
    }
  }
}

}  // namespace
}  // namespace ens
