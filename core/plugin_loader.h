// Loads plugins: shared libraries whose file-scope ENS_REGISTER calls add
// components to the driver's registries.
//
// A plugin includes only the registry headers (no copy of core); its
// undefined symbols resolve against the driver, which is linked with
// -rdynamic. Each plugin defines the entry point below so that a library that
// is not a plugin, or one built against another API version, is rejected:
//
//   ENS_PLUGIN("one_cycle schedule");
#ifndef ENSEMBLES_CORE_PLUGIN_LOADER_H_
#define ENSEMBLES_CORE_PLUGIN_LOADER_H_

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"

namespace ens {

// Bumped whenever the registry or component interfaces change incompatibly.
inline constexpr int kPluginApiVersion = 1;

struct PluginInfo {
  int api_version;
  const char* description;
};

// Opens each path (comma-separated) with dlopen(RTLD_NOW | RTLD_GLOBAL).
// Errors name the file and carry dlerror()'s text; loading the same file
// twice is an error.
absl::Status LoadPlugins(absl::string_view comma_separated_paths);
absl::Status LoadPlugin(const std::string& path);

// Paths and descriptions of the plugins loaded so far, for --list.
std::vector<std::string> LoadedPlugins();

}  // namespace ens

#define ENS_PLUGIN(description)                                                  \
  extern "C" __attribute__((visibility("default"))) const ::ens::PluginInfo*     \
  ens_plugin_info() {                                                            \
    static const ::ens::PluginInfo info{::ens::kPluginApiVersion, (description)}; \
    return &info;                                                                \
  }

#endif  // ENSEMBLES_CORE_PLUGIN_LOADER_H_
