#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>

#include "core/atomic_file.h"
#include "core/npy.h"

namespace ens {
namespace {

std::string Tmp() { return std::getenv("TEST_TMPDIR"); }

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(NpyTest, HeaderAndDataAsNumpyWritesThem) {
  const torch::Tensor t = torch::tensor({1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f}).view({2, 3});
  const std::string bytes = EncodeNpy(t);
  ASSERT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  const std::string header = bytes.substr(10, header_len);
  EXPECT_THAT(header, ::testing::StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
  EXPECT_EQ(header.back(), '\n');
  ASSERT_EQ(bytes.size(), 10 + header_len + 6 * 4);
  float values[6];
  std::memcpy(values, bytes.data() + 10 + header_len, sizeof(values));
  EXPECT_EQ(values[2], 3.25f);
  EXPECT_THAT(EncodeNpy(torch::tensor({4, 5}, torch::kLong)), ::testing::HasSubstr("'descr': '<i8'"));
  EXPECT_THAT(EncodeNpy(torch::tensor({4, 5}, torch::kLong)), ::testing::HasSubstr("'shape': (2,)"));
}

TEST(AtomicFileTest, WritesWholeFileAndLeavesNoTemporary) {
  const std::string dir = Tmp() + "/a/b/c";
  ASSERT_TRUE(MakeDirectories(dir).ok());
  ASSERT_TRUE(WriteFileAtomically(dir + "/x.txt", "hello").ok());
  EXPECT_EQ(ReadAll(dir + "/x.txt"), "hello");
  ASSERT_TRUE(WriteFileAtomically(dir + "/x.txt", "replaced").ok());
  EXPECT_EQ(ReadAll(dir + "/x.txt"), "replaced");
  ASSERT_TRUE(WriteNpy(dir + "/y.npy", torch::ones({3})).ok());
  int entries = 0;
  for (const char* name : {"/x.txt", "/y.npy"}) {
    struct stat info;
    entries += stat((dir + name).c_str(), &info) == 0;
  }
  EXPECT_EQ(entries, 2);
}

TEST(AtomicFileTest, UnwritableDirectoryIsAnError) {
  absl::Status status = WriteFileAtomically("/proc/definitely/not/here.txt", "x");
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("/proc/definitely/not/here.txt"));
  std::ofstream(Tmp() + "/file") << "x";
  EXPECT_FALSE(MakeDirectories(Tmp() + "/file").ok());
}

}  // namespace
}  // namespace ens
