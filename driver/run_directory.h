// The run directory (--out_dir) across a run's life: new, interrupted
// (checkpoints/ without results.json) or finished (results.json). A finished
// run is never replaced without --overwrite, an interrupted one is continued
// with --resume only under the flags it started with, a directory belongs to
// one process at a time, and problems with the directory (in use, not
// writable, disk too full) are reported before any training.
#ifndef ENSEMBLES_DRIVER_RUN_DIRECTORY_H_
#define ENSEMBLES_DRIVER_RUN_DIRECTORY_H_

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ens {

std::string CheckpointDir(const std::string& out_dir);

// An exclusive lock on a run directory, held until destroyed (or the process
// ends, however it ends: the kernel drops it, so a killed run leaves no
// obstacle). It is an flock on <dir>/.lock, which holds the holder's pid.
class RunDirectoryLock {
 public:
  RunDirectoryLock() = default;  // holds nothing
  RunDirectoryLock(RunDirectoryLock&& other) noexcept;
  RunDirectoryLock& operator=(RunDirectoryLock&& other) noexcept;
  RunDirectoryLock(const RunDirectoryLock&) = delete;
  RunDirectoryLock& operator=(const RunDirectoryLock&) = delete;
  ~RunDirectoryLock();

 private:
  friend absl::StatusOr<RunDirectoryLock> LockRunDirectory(const std::string& dir);
  explicit RunDirectoryLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Locks `dir`, an existing directory, for this process. A directory another
// process holds is refused with one line naming the directory and its pid.
absl::StatusOr<RunDirectoryLock> LockRunDirectory(const std::string& dir);

// The same refusal without taking the lock or creating anything (--dry_run).
absl::Status CheckRunDirectoryFree(const std::string& dir);

// What a run directory holds.
enum class RunDirectoryState { kNew, kInterrupted, kFinished };

// What PrepareRunDirectory would refuse, without changing anything; else
// what the directory holds.
absl::StatusOr<RunDirectoryState> CheckRunDirectory(const std::string& out_dir, bool resume, bool overwrite,
                                                    const nlohmann::json& identity);

// Makes `out_dir` ready for a training job: refuses a finished or interrupted
// run unless `overwrite` (which removes the run's outputs) or, for an
// interrupted one, `resume`; on resume, `identity` (what defines the
// training: method, model, data, budget, seed, ...) must equal the one the
// run started with (checkpoints/job.json), else the error names the first
// difference. Creates members/ and checkpoints/ and records `identity`.
absl::Status PrepareRunDirectory(const std::string& out_dir, bool resume, bool overwrite,
                                 const nlohmann::json& identity);

// The first key whose value differs between two identities, as
// "key is X <where_here> but Y <where_other>"; empty when they are equal.
std::string FirstDifference(const nlohmann::json& here, const nlohmann::json& other, const std::string& where_here,
                            const std::string& where_other);

// Fails when the file system of `out_dir` has less than `bytes` free.
absl::Status CheckFreeSpace(const std::string& out_dir, uint64_t bytes, const std::string& what);

// After results.json is written: checkpoints/ is no longer needed.
absl::Status RemoveCheckpoints(const std::string& out_dir);

// A rank's own state directory (distributed runs), once the job is done.
absl::Status RemoveDirectory(const std::string& dir);

}  // namespace ens

#endif  // ENSEMBLES_DRIVER_RUN_DIRECTORY_H_
