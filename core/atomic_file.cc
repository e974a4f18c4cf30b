#include "core/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace ens {
namespace {

// The directory entry of a renamed file is durable only once its directory is
// fsynced (POSIX leaves it to the file system; ext4 without it can lose the
// rename, and the file with it, at a power cut).
absl::Status SyncDirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return absl::InternalError(absl::StrCat(dir, ": cannot open to sync: ", strerror(errno)));
  const bool synced = fsync(fd) == 0 || errno == EINVAL;  // EINVAL: a file system that cannot sync directories
  const std::string error = strerror(errno);
  close(fd);
  if (!synced) return absl::InternalError(absl::StrCat(dir, ": cannot sync: ", error));
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents) {
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot create: ", strerror(errno)));
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string error = strerror(errno);
      close(fd);
      unlink(tmp.c_str());
      return absl::ResourceExhaustedError(absl::StrCat(path, ": write failed: ", error));
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    const std::string error = strerror(errno);
    unlink(tmp.c_str());
    return absl::ResourceExhaustedError(absl::StrCat(path, ": cannot flush: ", error));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string error = strerror(errno);
    unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": cannot rename into place: ", error));
  }
  return SyncDirectoryOf(path);
}

absl::Status MakeDirectories(const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  std::string partial;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || (path[i] == '/' && i > 0)) {
      partial = path.substr(0, i);
      if (mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
        return absl::PermissionDeniedError(absl::StrCat(partial, ": cannot create directory: ", strerror(errno)));
      }
    }
  }
  struct stat info;
  if (stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": not a directory"));
  }
  return absl::OkStatus();
}

}  // namespace ens
