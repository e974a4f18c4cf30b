// Paths as the user typed them: `bazel run` starts the driver inside its
// runfiles tree, so relative paths are taken relative to the directory the
// user ran from (BUILD_WORKING_DIRECTORY), as they would be without Bazel.
#ifndef ENSEMBLES_CORE_USER_PATH_H_
#define ENSEMBLES_CORE_USER_PATH_H_

#include <cstdlib>
#include <string>

namespace ens {

inline std::string UserPath(const std::string& path) {
  const char* workdir = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || workdir == nullptr) return path;
  return std::string(workdir) + "/" + path;
}

}  // namespace ens

#endif  // ENSEMBLES_CORE_USER_PATH_H_
