// Loads the real example plugin built by Bazel and checks that it registered
// into this binary's registry (the one the driver uses), then the failure
// modes: missing file, a library that is not a plugin, a wrong API version
// (closed again, its registration function never called), registration at
// load time, the same file twice.
#include "core/plugin_loader.h"

#include <dlfcn.h>

#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "schedulers/schedule.h"

namespace ens {
namespace {

using ::testing::HasSubstr;

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") + "/" + path;
}

TEST(PluginLoaderTest, RealPluginRegistersIntoOurRegistry) {
  ASSERT_FALSE(ScheduleRegistry().Contains("one_cycle"));
  ASSERT_TRUE(LoadPlugins(Runfile("plugins/one_cycle_schedule.so")).ok());
  ASSERT_TRUE(ScheduleRegistry().Contains("one_cycle"));
  EXPECT_THAT(ScheduleRegistry().Find("one_cycle").value()->file, HasSubstr("plugins/one_cycle_schedule.cc"));

  // It works: warm-up to the peak, then decay far below the start.
  auto schedule = MakeSchedule("one_cycle", "pct_start=0.25", ScheduleContext{1000, 100, 0.4});
  ASSERT_TRUE(schedule.ok()) << schedule.status();
  EXPECT_NEAR((*schedule)->LearningRate(1), 0.4 / 25, 1e-12);
  EXPECT_NEAR((*schedule)->LearningRate(250), 0.4, 1e-12);  // step 249 = pct_start * T - 1
  EXPECT_LT((*schedule)->LearningRate(1000), 0.4 / 25 / 1000);
  EXPECT_THAT(LoadedPlugins().back(), HasSubstr("one_cycle learning-rate schedule"));

  // Loading it again is detected.
  absl::Status again = LoadPlugin(Runfile("plugins/one_cycle_schedule.so"));
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(again.message()), HasSubstr("loaded twice"));
}

TEST(PluginLoaderTest, MissingFileIsNamed) {
  absl::Status status = LoadPlugins("/nonexistent/dir/plugin.so");
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("plugin '/nonexistent/dir/plugin.so': no such file"));
}

// Whether the dynamic loader still holds the library (RTLD_NOLOAD opens
// nothing new).
bool StillLoaded(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  dlclose(handle);
  return true;
}

TEST(PluginLoaderTest, NonPluginLibraryIsRejectedAndClosed) {
  const std::string path = Runfile("tests/plugins/not_a_plugin.so");
  absl::Status status = LoadPlugin(path);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("is not an ensembles plugin"));
  EXPECT_FALSE(StillLoaded(path));
}

TEST(PluginLoaderTest, WrongApiVersionIsClosedBeforeItRegisters) {
  const std::string path = Runfile("tests/plugins/wrong_api_plugin.so");
  const int before = RegistrationsSoFar();
  absl::Status status = LoadPlugin(path);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(absl::StrCat("built for plugin API 999, this driver has API ", kPluginApiVersion)));
  EXPECT_FALSE(ScheduleRegistry().Contains("from_the_future"));
  EXPECT_EQ(RegistrationsSoFar(), before);
  EXPECT_FALSE(StillLoaded(path));
}

TEST(PluginLoaderTest, RegistrationAtLoadTimeIsRefused) {
  absl::Status status = LoadPlugin(Runfile("tests/plugins/load_time_plugin.so"));
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("registered components while it was opened"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("load_time_plugin.so"));
}

TEST(PluginLoaderTest, NotASharedLibraryCarriesDlerror) {
  absl::Status status = LoadPlugin(Runfile("tests/plugins/BUILD"));
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("failed to load"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("BUILD"));
}

}  // namespace
}  // namespace ens
