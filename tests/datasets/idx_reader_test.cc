#include "datasets/idx_reader.h"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>

#include "tests/testing/idx_files.h"

namespace ens {
namespace {

using ::testing::HasSubstr;
using namespace ens::testing;

std::string Path(const std::string& name) { return TempDir() + "/" + name; }

std::string ImageError(const std::string& name, const std::vector<uint8_t>& bytes) {
  WriteGz(Path(name), bytes);
  auto result = ReadIdxImages(Path(name));
  EXPECT_FALSE(result.ok());
  return std::string(result.status().message());
}

TEST(IdxReaderTest, ReadsImagesAndLabels) {
  WriteGz(Path("images.gz"), ImageFile(3, 4, 5));
  auto images = ReadIdxImages(Path("images.gz"));
  ASSERT_TRUE(images.ok()) << images.status();
  EXPECT_EQ(images->sizes(), (std::vector<int64_t>{3, 1, 4, 5}));
  EXPECT_EQ(images->scalar_type(), torch::kByte);
  EXPECT_EQ((*images)[2][0][3][4].item<int>(), (2 + 3 + 4) % 256);

  WriteGz(Path("labels.gz"), LabelFile({0, 9, 3}));
  auto labels = ReadIdxLabels(Path("labels.gz"), 10);
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_TRUE(labels->equal(torch::tensor({0, 9, 3}, torch::kLong)));
}

TEST(IdxReaderTest, ReadsUncompressedFilesToo) {
  const auto bytes = ImageFile(2, 3, 3);
  std::ofstream(Path("plain.idx"), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  auto images = ReadIdxImages(Path("plain.idx"));
  ASSERT_TRUE(images.ok()) << images.status();
  EXPECT_EQ(images->size(0), 2);
}

TEST(IdxReaderTest, MissingFile) {
  auto result = ReadIdxImages(Path("does-not-exist.gz"));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("does-not-exist.gz: cannot open"));
}

TEST(IdxReaderTest, WrongMagicNamesFileAndOffset) {
  auto bytes = ImageFile(2, 3, 3);
  bytes[2] = 0x0D;  // float type instead of ubyte
  const std::string message = ImageError("magic.gz", bytes);
  EXPECT_THAT(message, HasSubstr("magic.gz: bad magic number 0x00000d03 at byte offset 0"));
  // A label file is not an image file.
  EXPECT_THAT(ImageError("labels-as-images.gz", LabelFile({1, 2})), HasSubstr("bad magic number 0x00000801"));
}

TEST(IdxReaderTest, TruncatedDataNamesOffset) {
  auto bytes = ImageFile(2, 3, 3);  // 16 header bytes + 18 pixels
  bytes.resize(16 + 10);
  EXPECT_THAT(ImageError("truncated.gz", bytes), HasSubstr("truncated.gz: truncated at byte offset 26 while reading the pixels (8 more bytes expected)"));
  EXPECT_THAT(ImageError("header.gz", std::vector<uint8_t>(bytes.begin(), bytes.begin() + 9)),
              HasSubstr("header.gz: truncated at byte offset 9 while reading the dimension sizes"));
  EXPECT_THAT(ImageError("empty.gz", {}), HasSubstr("truncated at byte offset 0"));
}

TEST(IdxReaderTest, AbsurdHeaderIsRefusedBeforeAllocating) {
  // A header claiming 10^9 images: an error, never an allocation.
  EXPECT_THAT(ImageError("huge.gz", IdxHeader(0x00000803, {1000000000u, 28, 28})),
              HasSubstr("dimension 0 = 1000000000 at byte offset 4 is out of range"));
  EXPECT_THAT(ImageError("zero.gz", IdxHeader(0x00000803, {5, 0, 28})), HasSubstr("dimension 1 = 0 at byte offset 8"));
}

// Found by the fuzzer (tools/fuzz/corpus/idx_images/found_oom_gzip_claims_8gb):
// a header within the dimension limits but claiming gigabytes the file does
// not hold. The buffer grows with the data read, so it is a truncation error.
TEST(IdxReaderTest, ClaimsBeyondTheDataAreTruncationNotAllocation) {
  EXPECT_THAT(ImageError("claims.gz", IdxHeader(0x00000803, {60000, 200, 700})),
              HasSubstr("at byte offset 16"));
}

TEST(IdxReaderTest, TrailingDataIsAnError) {
  auto bytes = ImageFile(1, 2, 2);
  bytes.push_back(7);
  EXPECT_THAT(ImageError("trailing.gz", bytes), HasSubstr("unexpected data at byte offset 20"));
}

TEST(IdxReaderTest, LabelOutOfRangeNamesOffset) {
  WriteGz(Path("bad-labels.gz"), LabelFile({1, 2, 12}));
  auto labels = ReadIdxLabels(Path("bad-labels.gz"), 10);
  ASSERT_FALSE(labels.ok());
  EXPECT_THAT(std::string(labels.status().message()), HasSubstr("bad-labels.gz: label 12 at byte offset 10 is not below 10"));
}

TEST(IdxReaderTest, CorruptGzipStream) {
  WriteGz(Path("corrupt.gz"), ImageFile(20, 28, 28));
  std::fstream f(Path("corrupt.gz"), std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(40);
  const char garbage[64] = {'\x55', '\x12', '\x7f', '\x00', '\xff'};
  f.write(garbage, sizeof(garbage));
  f.close();
  auto result = ReadIdxImages(Path("corrupt.gz"));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("corrupt.gz"));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("byte offset"));
}

}  // namespace
}  // namespace ens
