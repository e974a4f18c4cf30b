// Files that appear whole or not at all: write to a temporary file beside the
// target, fsync, rename. A run killed mid-write never leaves a file that
// looks complete.
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
