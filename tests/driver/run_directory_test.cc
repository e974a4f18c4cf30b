// The run directory's rules that the shell tests cannot reach: a disk too
// full for the run is reported before training, naming the directory; the
// lock refuses a second holder, naming its pid, and outlives no process.
#include "driver/run_directory.h"

#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "core/atomic_file.h"
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

TEST(RunDirectoryTest, ALockedDirectoryIsRefusedNamingTheHolder) {
  const std::string dir = ::testing::TempDir() + "/locked_run";
  ASSERT_TRUE(MakeDirectories(dir).ok());
  EXPECT_TRUE(CheckRunDirectoryFree(dir).ok());  // never locked
  absl::StatusOr<RunDirectoryLock> first = LockRunDirectory(dir);
  ASSERT_TRUE(first.ok()) << first.status();
  // flock excludes other open files, in this process too.
  const std::string in_use = absl::StrCat("--out_dir=", dir, " is in use by process ", getpid(), " ");
  const absl::StatusOr<RunDirectoryLock> second = LockRunDirectory(dir);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()), HasSubstr(in_use));
  EXPECT_THAT(std::string(CheckRunDirectoryFree(dir).message()), HasSubstr(in_use));
  // Moving keeps the lock; destroying the holder releases it.
  RunDirectoryLock moved = std::move(*first);
  EXPECT_FALSE(LockRunDirectory(dir).ok());
  moved = RunDirectoryLock();
  EXPECT_TRUE(CheckRunDirectoryFree(dir).ok());
  EXPECT_TRUE(LockRunDirectory(dir).ok());
  EXPECT_FALSE(LockRunDirectory(::testing::TempDir() + "/no_such_dir").ok());
}

TEST(RunDirectoryTest, ALockDiesWithItsProcess) {
  const std::string dir = ::testing::TempDir() + "/killed_run";
  ASSERT_TRUE(MakeDirectories(dir).ok());
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // holds the lock until killed
    absl::StatusOr<RunDirectoryLock> lock = LockRunDirectory(dir);
    const char byte = lock.ok() ? 1 : 0;
    if (write(ready[1], &byte, 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, 1);
  EXPECT_THAT(std::string(CheckRunDirectoryFree(dir).message()),
              HasSubstr(absl::StrCat("is in use by process ", child, " ")));
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  // The lock file (with the dead pid) stays; the lock does not.
  EXPECT_TRUE(CheckRunDirectoryFree(dir).ok());
  EXPECT_TRUE(LockRunDirectory(dir).ok());
}

}  // namespace
}  // namespace ens
