// Loads plugins: shared libraries that add components to the driver's
// registries, as LLVM loads pass plugins.
//
// A plugin includes only header targets (no copy of core); its undefined
// symbols resolve against the driver, which is linked with -rdynamic. It
// exports one entry point, ens_plugin_info(), whose first field is the plugin
// API version it was built for. The loader opens the library, reads that
// version, and only when it matches calls the plugin's registration function;
// a library that is not a plugin or was built for another version is closed
// again untouched, before any of its code has reached a registry:
//
//   ENS_PLUGIN("one_cycle schedule") {
//     ENS_REGISTER(ens::ScheduleRegistry(), "one_cycle", ...);
//   }
//
// Registering at file scope (at dlopen, before the check) is refused.
#ifndef ENSEMBLES_CORE_PLUGIN_LOADER_H_
#define ENSEMBLES_CORE_PLUGIN_LOADER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ens {

// Bumped whenever the registry or component interfaces change incompatibly.
// 2: registration moved from load time into PluginInfo::register_components.
// 3: an Ensemble predicts its members (MemberLogProbs with a MemberContext)
//    and says how they combine; method plugins (//ensembles:method_api).
// 4: Method::PlannedMembers.
// 5: MemberContext::WithInputs (members of another architecture and
//    normalisation); BatchNormRecompute takes the context's BatchMaker.
// 6: Method::UsesModelFlag; Dataset::held_out_test_images, and OodContext
//    without dataset_args.
// 7: Method::IndependentMembersOnSharedData (combine's runs of one recipe),
//    Method::WhyMembersNotExchangeable.
inline constexpr int kPluginApiVersion = 7;

// Every version keeps api_version first: the loader reads it before trusting
// anything else in the struct.
struct PluginInfo {
  int api_version;
  const char* description;
  void (*register_components)();  // called once, after the version check
};

// Opens each path (comma-separated; relative ones as the user typed them,
// core/user_path.h) with dlopen(RTLD_NOW | RTLD_GLOBAL).
// Errors name the file and carry dlerror()'s text; loading the same file
// twice is an error.
absl::Status LoadPlugins(absl::string_view comma_separated_paths);
absl::Status LoadPlugin(const std::string& path);

// Paths and descriptions of the plugins loaded so far, for --list.
std::vector<std::string> LoadedPlugins();

}  // namespace ens

// Defines the entry point; the braces that follow are the registration
// function's body.
#define ENS_PLUGIN(description)                                                      \
  static void ens_plugin_register_components();                                      \
  extern "C" __attribute__((visibility("default"))) const ::ens::PluginInfo*         \
  ens_plugin_info() {                                                                \
    static const ::ens::PluginInfo info{::ens::kPluginApiVersion, (description),     \
                                        &ens_plugin_register_components};            \
    return &info;                                                                    \
  }                                                                                  \
  static void ens_plugin_register_components()

#endif  // ENSEMBLES_CORE_PLUGIN_LOADER_H_
