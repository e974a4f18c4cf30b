// Starts this test binary again as a child process that runs only the tests
// `gtest_filter` selects: for tests whose subject is a process of its own
// (several ranks, how a process ends).
#ifndef ENSEMBLES_TESTS_TESTING_SPAWN_SELF_H_
#define ENSEMBLES_TESTS_TESTING_SPAWN_SELF_H_

#include <spawn.h>
#include <sys/types.h>

#include <string>
#include <vector>

extern char** environ;

namespace ens {

// The child's environment is this process's plus `vars` ("NAME=value", which
// replace inherited ones of the same name), minus the test runner's own
// variables: a child must not shard itself out or write this test's report.
// Returns the child's pid, or -1 if it could not be started.
inline pid_t SpawnSelf(const std::string& gtest_filter, const std::vector<std::string>& vars) {
  std::vector<std::string> env = vars;
  const auto set_by_caller = [&vars](const std::string& var) {
    for (const std::string& v : vars) {
      if (var.compare(0, v.find('=') + 1, v, 0, v.find('=') + 1) == 0) return true;
    }
    return false;
  };
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string var = *e;
    const bool runners = var.rfind("GTEST_", 0) == 0 || var.rfind("XML_OUTPUT_FILE=", 0) == 0 ||
                         var.rfind("TEST_PREMATURE_EXIT_FILE=", 0) == 0 || var.rfind("TEST_SHARD_", 0) == 0 ||
                         var.rfind("TEST_TOTAL_SHARDS=", 0) == 0;
    if (!runners && !set_by_caller(var)) env.push_back(var);
  }
  std::vector<char*> envp;
  for (auto& v : env) envp.push_back(v.data());
  envp.push_back(nullptr);
  std::string self = "/proc/self/exe", filter = "--gtest_filter=" + gtest_filter;
  char* argv[] = {self.data(), filter.data(), nullptr};
  pid_t pid = 0;
  return posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv, envp.data()) == 0 ? pid : -1;
}

}  // namespace ens

#endif  // ENSEMBLES_TESTS_TESTING_SPAWN_SELF_H_
