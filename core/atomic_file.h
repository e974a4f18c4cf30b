// Files that appear whole or not at all: write to a temporary file beside the
// target, fsync, rename, fsync the directory. A run killed mid-write, or a
// machine that loses power after the call returned, never leaves a file that
// looks complete but is empty or torn. Every file a run promises (members,
// checkpoints, predictions, results.json) is written here.
#ifndef ENSEMBLES_CORE_ATOMIC_FILE_H_
#define ENSEMBLES_CORE_ATOMIC_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ens {

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents);

// mkdir -p.
absl::Status MakeDirectories(const std::string& path);

}  // namespace ens

#endif  // ENSEMBLES_CORE_ATOMIC_FILE_H_
