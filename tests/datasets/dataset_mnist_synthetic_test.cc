// fashion_mnist / mnist on a directory of IDX files the test writes.
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>

#include "datasets/dataset.h"
#include "tests/testing/idx_files.h"

namespace ens {
namespace {

using ::testing::HasSubstr;
using namespace ens::testing;

std::string WriteDirectory(const std::string& name, uint32_t train, uint32_t test, uint32_t test_labels) {
  const std::string dir = TempDir() + "/" + name;
  mkdir(dir.c_str(), 0755);
  std::vector<uint8_t> labels;
  for (uint32_t i = 0; i < train; ++i) labels.push_back(i % 10);
  WriteGz(dir + "/train-images-idx3-ubyte.gz", ImageFile(train, 28, 28));
  WriteGz(dir + "/train-labels-idx1-ubyte.gz", LabelFile(labels));
  WriteGz(dir + "/t10k-images-idx3-ubyte.gz", ImageFile(test, 28, 28));
  WriteGz(dir + "/t10k-labels-idx1-ubyte.gz", LabelFile(std::vector<uint8_t>(test_labels, 3)));
  return dir;
}

TEST(MnistTest, LoadsDirectoryWithHoldOut) {
  const std::string dir = WriteDirectory("fm", 50, 20, 20);
  auto data = MakeDataset("fashion_mnist", "dir=" + dir + ",val_size=10", {1});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->train.size(), 40);
  EXPECT_EQ(data->val.size(), 10);
  EXPECT_EQ(data->test.size(), 20);
  EXPECT_EQ(data->num_classes, 10);
  EXPECT_EQ(data->channels(), 1);
  EXPECT_EQ(data->image_size(), 28);
  ASSERT_EQ(data->mean.size(), 1u);
  EXPECT_GT(data->std[0], 0);
  // The hold-out is deterministic by seed and disjoint from training.
  auto again = MakeDataset("fashion_mnist", "dir=" + dir + ",val_size=10", {1});
  EXPECT_TRUE(data->val.images.equal(again->val.images));
  auto other = MakeDataset("fashion_mnist", "dir=" + dir + ",val_size=10", {2});
  EXPECT_FALSE(data->val.images.equal(other->val.images));
  // Every training image appears exactly once across train + val.
  const torch::Tensor all = std::get<0>(torch::cat({data->train.labels, data->val.labels}).sort());
  EXPECT_TRUE(all.equal(std::get<0>(torch::arange(50, torch::kLong).remainder(10).sort())));
}

TEST(MnistTest, HeldOutClassesKeepTheirTestImagesForOod) {
  const std::string dir = TempDir() + "/held";
  mkdir(dir.c_str(), 0755);
  std::vector<uint8_t> labels;
  for (uint32_t i = 0; i < 40; ++i) labels.push_back(i % 10);
  WriteGz(dir + "/train-images-idx3-ubyte.gz", ImageFile(40, 28, 28));
  WriteGz(dir + "/train-labels-idx1-ubyte.gz", LabelFile(labels));
  WriteGz(dir + "/t10k-images-idx3-ubyte.gz", ImageFile(20, 28, 28));
  WriteGz(dir + "/t10k-labels-idx1-ubyte.gz", LabelFile(std::vector<uint8_t>(labels.begin(), labels.begin() + 20)));
  auto all = MakeDataset("fashion_mnist", "dir=" + dir + ",val_size=0", {0});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_FALSE(all->held_out_test_images.defined());
  auto held = MakeDataset("fashion_mnist", "dir=" + dir + ",val_size=0,hold_out_classes=3:7", {0});
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->num_classes, 8);
  EXPECT_EQ(held->test.size(), 16);
  EXPECT_LT(held->train.labels.max().item<int64_t>(), 8);
  // Test images 3, 7, 13 and 17 (labels 3 and 7), in their order.
  const torch::Tensor rows = torch::tensor({3, 7, 13, 17}, torch::kLong);
  ASSERT_TRUE(held->held_out_test_images.defined());
  EXPECT_TRUE(held->held_out_test_images.equal(all->test.images.index_select(0, rows)));
}

TEST(MnistTest, CountMismatchNamesBothFiles) {
  const std::string dir = WriteDirectory("mismatch", 30, 20, 19);
  auto data = MakeDataset("mnist", "dir=" + dir + ",val_size=0", {0});
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(std::string(data.status().message()), HasSubstr("t10k-images-idx3-ubyte.gz holds 20 images but"));
  EXPECT_THAT(std::string(data.status().message()), HasSubstr("t10k-labels-idx1-ubyte.gz holds 19 labels"));
}

TEST(MnistTest, BadArgumentsAndMissingDirectory) {
  auto missing = MakeDataset("fashion_mnist", "dir=/nonexistent", {0});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("/nonexistent/train-images-idx3-ubyte.gz: cannot open"));
  const std::string dir = WriteDirectory("small", 20, 10, 10);
  auto too_big = MakeDataset("fashion_mnist", "dir=" + dir + ",val_size=20", {0});
  ASSERT_FALSE(too_big.ok());
  EXPECT_THAT(std::string(too_big.status().message()), HasSubstr("dataset 'fashion_mnist': val_size=20 must be in [0, 20)"));
}

TEST(SyntheticTest, DeterministicAndShaped) {
  auto a = MakeDataset("synthetic", "classes=3,train=60,test=30,size=6,channels=2", {0});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->train.images.sizes(), (std::vector<int64_t>{60, 2, 6, 6}));
  EXPECT_EQ(a->num_classes, 3);
  EXPECT_LT(a->train.labels.max().item<int64_t>(), 3);
  auto b = MakeDataset("synthetic", "classes=3,train=60,test=30,size=6,channels=2", {5});
  EXPECT_TRUE(a->train.images.equal(b->train.images));  // data_seed, not the run seed
}

}  // namespace
}  // namespace ens
