// Every input kept under tools/fuzz/corpus/<target>/ (hostile seeds written by
// hand and any crash libFuzzer found) goes through its parser again: each
// must end in a value or an error, never a crash (and, under
// --config=asan / ubsan, never a sanitizer report).
#include <dirent.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tools/fuzz/fuzz_targets.h"

namespace ens::fuzz {
namespace {

std::vector<std::string> FilesOf(const std::string& dir) {
  std::vector<std::string> files;
  if (DIR* handle = opendir(dir.c_str())) {
    while (dirent* entry = readdir(handle)) {
      if (entry->d_name[0] != '.') files.push_back(dir + "/" + entry->d_name);
    }
    closedir(handle);
  }
  return files;
}

TEST(FuzzRegressionTest, EveryKeptInputOfEveryParser) {
  const std::string corpus =
      std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") + "/tools/fuzz/corpus";
  for (const auto& [name, target] : Targets()) {
    const auto files = FilesOf(corpus + "/" + name);
    EXPECT_GE(files.size(), 3u) << "tools/fuzz/corpus/" << name << " has too few inputs";
    for (const auto& path : files) {
      SCOPED_TRACE(path);
      std::ifstream in(path, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      target(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
  }
}

}  // namespace
}  // namespace ens::fuzz
