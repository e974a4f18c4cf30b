// Tests that run our binaries as a user does (the driver, //:predict): paths
// of runfiles and of the test's temporary folder, a command's exit code with
// its stderr, the driver.
#ifndef ENSEMBLES_TESTS_TESTING_COMMANDS_H_
#define ENSEMBLES_TESTS_TESTING_COMMANDS_H_

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace ens {

// A file of the test's runfiles ("driver/driver").
inline std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") + "/" + path;
}

// A path in the test's temporary folder.
inline std::string Tmp(const std::string& name) { return ::testing::TempDir() + "/" + name; }

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs a shell command; its exit code (-1 if it did not exit), its stderr in *err.
inline int RunCommand(const std::string& command, std::string* err = nullptr) {
  const std::string err_file = Tmp("stderr.txt");
  const int status = std::system((command + " 2>" + err_file).c_str());
  if (err) *err = ReadText(err_file);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs the driver (the test's data must hold //driver) with `args`, its
// standard output discarded.
inline int Driver(const std::string& args, std::string* err = nullptr) {
  return RunCommand(Runfile("driver/driver") + " " + args + " >/dev/null", err);
}

}  // namespace ens

#endif  // ENSEMBLES_TESTS_TESTING_COMMANDS_H_
