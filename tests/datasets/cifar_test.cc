// cifar10 / cifar100 on binary files the test writes in the published layout.
#include <sys/stat.h>

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>

#include "datasets/cifar_reader.h"

namespace ens {
namespace {

using ::testing::HasSubstr;

// Record i: label bytes, then the R, G, B planes; pixel (c, y, x) = (i + 7c + 3y + x) mod 256.
std::string Records(int64_t n, const std::vector<std::vector<uint8_t>>& labels) {
  std::string bytes;
  for (int64_t i = 0; i < n; ++i) {
    for (const auto& label : labels) bytes.push_back(static_cast<char>(label[i]));
    for (int c = 0; c < 3; ++c) {
      for (int y = 0; y < 32; ++y) {
        for (int x = 0; x < 32; ++x) bytes.push_back(static_cast<char>((i + 7 * c + 3 * y + x) % 256));
      }
    }
  }
  return bytes;
}

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string Dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/" + name;
  mkdir(dir.c_str(), 0755);
  return dir;
}

std::vector<uint8_t> Cycle(int64_t n, int modulus) {
  std::vector<uint8_t> labels;
  for (int64_t i = 0; i < n; ++i) labels.push_back(static_cast<uint8_t>(i % modulus));
  return labels;
}

TEST(CifarTest, Cifar10ReadsEveryBatchInThePublishedLayout) {
  const std::string dir = Dir("cifar10");
  for (int b = 1; b <= 5; ++b) Write(dir + "/data_batch_" + std::to_string(b) + ".bin", Records(4, {Cycle(4, 10)}));
  Write(dir + "/test_batch.bin", Records(3, {{9, 0, 5}}));
  auto data = MakeDataset("cifar10", "dir=" + dir, {0});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->train.size(), 20);
  EXPECT_EQ(data->test.size(), 3);
  EXPECT_EQ(data->num_classes, 10);
  EXPECT_EQ(data->channels(), 3);
  EXPECT_EQ(data->image_size(), 32);
  EXPECT_EQ(data->augmentation.crop_padding, 4);
  EXPECT_TRUE(data->augmentation.flip);
  EXPECT_EQ(data->test.labels[0].item<int64_t>(), 9);
  // Record 2 of the test file: pixel (c=1, y=5, x=6) = 2 + 7 + 15 + 6.
  EXPECT_EQ(data->test.images[2][1][5][6].item<uint8_t>(), 30);
  ASSERT_EQ(data->mean.size(), 3u);
}

TEST(CifarTest, Cifar100FineAndCoarseLabels) {
  const std::string dir = Dir("cifar100");
  Write(dir + "/train.bin", Records(6, {Cycle(6, 20), {99, 1, 2, 3, 4, 50}}));
  Write(dir + "/test.bin", Records(2, {{19, 0}, {7, 8}}));
  auto fine = MakeDataset("cifar100", "dir=" + dir, {0});
  ASSERT_TRUE(fine.ok()) << fine.status();
  EXPECT_EQ(fine->num_classes, 100);
  EXPECT_EQ(fine->train.labels[0].item<int64_t>(), 99);
  EXPECT_EQ(fine->test.labels[1].item<int64_t>(), 8);
  auto coarse = MakeDataset("cifar100", "dir=" + dir + ",labels=coarse", {0});
  ASSERT_TRUE(coarse.ok()) << coarse.status();
  EXPECT_EQ(coarse->num_classes, 20);
  EXPECT_EQ(coarse->test.labels[0].item<int64_t>(), 19);
}

TEST(CifarTest, CorruptFilesNameTheFileAndOffset) {
  const std::string dir = Dir("cifar_bad");
  Write(dir + "/truncated.bin", Records(3, {Cycle(3, 10)}).substr(0, 2 * 3073 + 100));
  auto truncated = ReadCifarBinary(dir + "/truncated.bin", {});
  ASSERT_FALSE(truncated.ok());
  EXPECT_THAT(std::string(truncated.status().message()),
              HasSubstr(dir + "/truncated.bin: truncated record at byte offset 6146"));

  Write(dir + "/label.bin", Records(3, {{1, 2, 10}}));
  auto label = ReadCifarBinary(dir + "/label.bin", {});
  ASSERT_FALSE(label.ok());
  EXPECT_THAT(std::string(label.status().message()), HasSubstr("label 10 at byte offset 6146 (record 2)"));

  Write(dir + "/empty.bin", "");
  EXPECT_THAT(std::string(ReadCifarBinary(dir + "/empty.bin", {}).status().message()), HasSubstr("empty file"));
  EXPECT_THAT(std::string(ReadCifarBinary(dir + "/none.bin", {}).status().message()), HasSubstr("cannot open"));

  auto no_dir = MakeDataset("cifar10", "", {0});
  ASSERT_FALSE(no_dir.ok());
  EXPECT_THAT(std::string(no_dir.status().message()), HasSubstr("set dir= to the folder holding data_batch_1.bin"));
  auto missing = MakeDataset("cifar10", "dir=" + dir, {0});
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("data_batch_1.bin: cannot open"));
}

}  // namespace
}  // namespace ens
