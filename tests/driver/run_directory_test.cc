// The run directory's rules that the shell test cannot reach: a disk too
// full for the run is reported before training, naming the directory.
#include "driver/run_directory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ens {
namespace {

using ::testing::HasSubstr;

TEST(RunDirectoryTest, TooLittleFreeSpaceIsAnErrorNamingTheDirectory) {
  const std::string dir = ::testing::TempDir();
  EXPECT_TRUE(CheckFreeSpace(dir, 1024, "a checkpoint").ok());
  const absl::Status full = CheckFreeSpace(dir, uint64_t{1} << 62, "a checkpoint and a member");
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(full.message()),
              HasSubstr("--out_dir=" + dir + ": "));
  EXPECT_THAT(std::string(full.message()), HasSubstr("MiB free, a checkpoint and a member need about 4398046511104 MiB"));
}

TEST(RunDirectoryTest, NewDirectoryGetsItsFoldersAndJob) {
  const std::string dir = ::testing::TempDir() + "/new_run";
  ASSERT_TRUE(PrepareRunDirectory(dir, false, false, {{"method", "single"}}).ok());
  EXPECT_TRUE(PrepareRunDirectory(dir, true, false, {{"method", "single"}}).ok());  // resumable
  const absl::Status other = PrepareRunDirectory(dir, true, false, {{"method", "fge"}});
  EXPECT_THAT(std::string(other.message()),
              HasSubstr("--resume: method is \"fge\" here but \"single\" in the interrupted run"));
}

}  // namespace
}  // namespace ens
