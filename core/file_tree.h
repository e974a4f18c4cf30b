// Listing and removing directory trees with POSIX calls, not std::filesystem:
// pip's LibTorch 2.x (libtorch_cpu.so) exports its own copy of libstdc++'s
// std::filesystem, which the dynamic linker binds our calls to; on the GPU
// host (LibTorch 2.11, GCC 13) its remove_all jumped to address 0 after a
// run had written its results (exit 139: docs/RELIABILITY.md).
#ifndef ENSEMBLES_CORE_FILE_TREE_H_
#define ENSEMBLES_CORE_FILE_TREE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ens {

bool PathExists(const std::string& path);
bool IsDirectory(const std::string& path);

// The names in `dir` (not . and ..), sorted.
absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir);

// Every regular file under `dir`, recursively, with its size in bytes,
// sorted by path.
absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> ListFilesRecursively(const std::string& dir);

// Removes `path` and everything under it (symbolic links are removed, not
// followed); a missing path is fine.
absl::Status RemoveTree(const std::string& path);

}  // namespace ens

#endif  // ENSEMBLES_CORE_FILE_TREE_H_
