#include "driver/run_directory.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/atomic_file.h"
#include "core/file_tree.h"
#include "absl/strings/match.h"
#include "core/status_macros.h"

namespace ens {
namespace {

bool Exists(const std::string& path) { return PathExists(path); }

// Whether a run saved anything: job.json alone (a job that stopped before
// its first epoch ended: killed, or failed in training) is not an interrupted run.
bool HasRunCheckpoints(const std::string& checkpoints) {
  const absl::StatusOr<std::vector<std::string>> names = ListDirectory(checkpoints);
  if (!names.ok()) return false;
  for (const std::string& name : *names) {
    if (absl::EndsWith(name, ".ckpt")) return true;
  }
  return false;
}

absl::Status Remove(const std::string& path) { return RemoveTree(path); }

std::string Difference(const nlohmann::json& here, const nlohmann::json& run, const std::string& where_here,
                       const std::string& where, const std::string& prefix) {
  for (const auto& [key, value] : here.items()) {
    const std::string name = prefix.empty() ? key : absl::StrCat(prefix, ".", key);
    if (!run.contains(key)) return absl::StrCat(name, " is new");
    if (value.is_object() && run.at(key).is_object()) {
      const std::string inner = Difference(value, run.at(key), where_here, where, name);
      if (!inner.empty()) return inner;
    } else if (value != run.at(key)) {
      return absl::StrCat(name, " is ", value.dump(), " ", where_here, " but ", run.at(key).dump(), " ", where);
    }
  }
  for (const auto& [key, value] : run.items()) {
    if (!here.contains(key)) return absl::StrCat(prefix.empty() ? key : absl::StrCat(prefix, ".", key), " is missing");
  }
  return "";
}

}  // namespace

std::string FirstDifference(const nlohmann::json& here, const nlohmann::json& other, const std::string& where_here,
                            const std::string& where_other) {
  return Difference(here, other, where_here, where_other, "");
}

std::string CheckpointDir(const std::string& out_dir) { return absl::StrCat(out_dir, "/checkpoints"); }

namespace {

std::string LockFile(const std::string& dir) { return absl::StrCat(dir, "/.lock"); }

// The refusal of a directory whose lock file `fd` another process holds: its
// pid, where the file names a live one (a holder writes it just after
// locking, so a reader in between sees the last holder's).
absl::Status InUse(const std::string& dir, int fd) {
  char text[32] = {};
  const ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
  long pid = 0;
  const bool named = n > 0 && absl::SimpleAtoi(absl::StripAsciiWhitespace(absl::string_view(text, n)), &pid) &&
                     pid > 0 && kill(static_cast<pid_t>(pid), 0) == 0;
  return absl::FailedPreconditionError(absl::StrCat(
      "--out_dir=", dir, " is in use by ", named ? absl::StrCat("process ", pid) : "another process",
      " (a run or --eval_only); wait for it to end or choose another --out_dir"));
}

}  // namespace

RunDirectoryLock::RunDirectoryLock(RunDirectoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

RunDirectoryLock& RunDirectoryLock::operator=(RunDirectoryLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

RunDirectoryLock::~RunDirectoryLock() {
  if (fd_ >= 0) close(fd_);  // closing drops the flock
}

absl::StatusOr<RunDirectoryLock> LockRunDirectory(const std::string& dir) {
  const std::string path = LockFile(dir);
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot open: ", strerror(errno)));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const absl::Status refused =
        errno == EWOULDBLOCK ? InUse(dir, fd)
                             : absl::PermissionDeniedError(absl::StrCat(path, ": cannot lock: ", strerror(errno)));
    close(fd);
    return refused;
  }
  const std::string pid = absl::StrCat(getpid(), "\n");
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const std::string error = strerror(errno);
    close(fd);
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write: ", error));
  }
  return RunDirectoryLock(fd);
}

absl::Status CheckRunDirectoryFree(const std::string& dir) {
  const int fd = open(LockFile(dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::OkStatus();  // never locked (or unreadable: the run will say)
  absl::Status status = absl::OkStatus();
  if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) status = InUse(dir, fd);
  close(fd);
  return status;
}

absl::StatusOr<RunDirectoryState> CheckRunDirectory(const std::string& out_dir, bool resume, bool overwrite,
                                                    const nlohmann::json& identity) {
  if (resume && overwrite) return absl::InvalidArgumentError("--resume and --overwrite exclude each other");
  const std::string results = absl::StrCat(out_dir, "/results.json");
  const std::string checkpoints = CheckpointDir(out_dir);
  const std::string job = absl::StrCat(checkpoints, "/job.json");
  const bool finished = Exists(results);
  const bool interrupted = !finished && HasRunCheckpoints(checkpoints);
  if (resume) {
    if (finished) {
      return absl::FailedPreconditionError(absl::StrCat("--resume: --out_dir=", out_dir,
                                                        " holds a finished run (results.json); --eval_only "
                                                        "evaluates it again"));
    }
    std::ifstream in(job);
    if (!in) {
      return absl::FailedPreconditionError(
          absl::StrCat("--resume: --out_dir=", out_dir, " holds no interrupted run (", job, " missing)"));
    }
    nlohmann::json started;
    try {
      started = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      return absl::DataLossError(absl::StrCat(job, ": not valid JSON: ", e.what()));
    }
    const std::string difference = FirstDifference(identity, started, "here", "in the interrupted run");
    if (!difference.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--resume: ", difference, " (", job, "); resume with the flags the run started with"));
    }
  } else if ((finished || interrupted) && !overwrite) {
    return absl::FailedPreconditionError(
        finished ? absl::StrCat("--out_dir=", out_dir,
                                " holds a finished run (results.json); pass --overwrite to replace it or choose "
                                "another --out_dir")
                 : absl::StrCat("--out_dir=", out_dir,
                                " holds an interrupted run (checkpoints/); pass --resume to continue it or "
                                "--overwrite to start again"));
  }
  return finished ? RunDirectoryState::kFinished
                  : interrupted ? RunDirectoryState::kInterrupted : RunDirectoryState::kNew;
}

absl::Status PrepareRunDirectory(const std::string& out_dir, bool resume, bool overwrite,
                                 const nlohmann::json& identity) {
  ENS_ASSIGN_OR_RETURN(const RunDirectoryState state, CheckRunDirectory(out_dir, resume, overwrite, identity));
  const std::string checkpoints = CheckpointDir(out_dir);
  const std::string job = absl::StrCat(checkpoints, "/job.json");
  if (!resume) {
    if (state != RunDirectoryState::kNew) {
      // --overwrite (CheckRunDirectory refused it otherwise). results.json
      // first: a half-removed run must not look finished.
      for (const char* entry : {"results.json", "predictions", "members", "checkpoints"}) {
        ENS_RETURN_IF_ERROR(Remove(absl::StrCat(out_dir, "/", entry)));
      }
    } else {
      ENS_RETURN_IF_ERROR(Remove(checkpoints));  // a job that never finished an epoch, if any
    }
  }
  ENS_RETURN_IF_ERROR(MakeDirectories(absl::StrCat(out_dir, "/members")));
  ENS_RETURN_IF_ERROR(MakeDirectories(checkpoints));
  if (access(out_dir.c_str(), W_OK) != 0 || access(checkpoints.c_str(), W_OK) != 0) {
    return absl::PermissionDeniedError(absl::StrCat("--out_dir=", out_dir, " is not writable"));
  }
  if (!resume) ENS_RETURN_IF_ERROR(WriteFileAtomically(job, identity.dump(2) + "\n"));
  return absl::OkStatus();
}

absl::Status CheckFreeSpace(const std::string& out_dir, uint64_t bytes, const std::string& what) {
  struct statvfs info;
  if (statvfs(out_dir.c_str(), &info) != 0) return absl::OkStatus();  // unknown: let the writes report
  const uint64_t free_bytes = static_cast<uint64_t>(info.f_bavail) * info.f_frsize;
  if (free_bytes < bytes) {
    constexpr uint64_t kMiB = 1024 * 1024;
    return absl::ResourceExhaustedError(absl::StrCat("--out_dir=", out_dir, ": ", free_bytes / kMiB, " MiB free, ",
                                                     what, " need about ", (bytes + kMiB - 1) / kMiB, " MiB"));
  }
  return absl::OkStatus();
}

absl::Status RemoveCheckpoints(const std::string& out_dir) { return Remove(CheckpointDir(out_dir)); }

absl::Status RemoveDirectory(const std::string& dir) { return Remove(dir); }

}  // namespace ens
