#include "core/file_tree.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ens {
namespace {

std::string ErrnoText(int error) { return strerror(error); }

// nftw's callbacks take no context: the walk in progress, one at a time per
// thread.
thread_local std::vector<std::pair<std::string, int64_t>>* walk_files = nullptr;
thread_local int walk_error = 0;
thread_local std::string walk_error_path;

int CollectFile(const char* path, const struct stat* info, int type, struct FTW*) {
  if (type == FTW_F && S_ISREG(info->st_mode)) walk_files->emplace_back(path, static_cast<int64_t>(info->st_size));
  if (type == FTW_DNR || type == FTW_NS) {
    walk_error = EACCES;
    walk_error_path = path;
    return 1;
  }
  return 0;
}

int RemoveEntry(const char* path, const struct stat*, int type, struct FTW*) {
  const int status = (type == FTW_DP || type == FTW_D) ? rmdir(path) : unlink(path);
  if (status != 0 && errno != ENOENT) {
    walk_error = errno;
    walk_error_path = path;
    return 1;
  }
  return 0;
}

}  // namespace

bool PathExists(const std::string& path) {
  struct stat info;
  return lstat(path.c_str(), &info) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) {
  DIR* handle = opendir(dir.c_str());
  if (handle == nullptr) return absl::NotFoundError(absl::StrCat(dir, ": cannot list: ", ErrnoText(errno)));
  std::vector<std::string> names;
  while (const dirent* entry = readdir(handle)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(handle);
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> ListFilesRecursively(const std::string& dir) {
  std::vector<std::pair<std::string, int64_t>> files;
  walk_files = &files;
  walk_error = 0;
  const int status = nftw(dir.c_str(), CollectFile, 16, FTW_PHYS);
  walk_files = nullptr;
  if (walk_error != 0) return absl::NotFoundError(absl::StrCat(walk_error_path, ": cannot read"));
  if (status != 0) return absl::NotFoundError(absl::StrCat(dir, ": cannot list: ", ErrnoText(errno)));
  std::sort(files.begin(), files.end());
  return files;
}

absl::Status RemoveTree(const std::string& path) {
  if (!PathExists(path)) return absl::OkStatus();
  walk_error = 0;
  const int status = nftw(path.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS);
  if (walk_error != 0) {
    return absl::PermissionDeniedError(absl::StrCat(walk_error_path, ": cannot remove: ", ErrnoText(walk_error)));
  }
  if (status != 0) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot remove: ", ErrnoText(errno)));
  return absl::OkStatus();
}

}  // namespace ens
