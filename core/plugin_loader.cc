#include "core/plugin_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ens {
namespace {

std::vector<std::string>& Loaded() {
  static auto* loaded = new std::vector<std::string>();  // leaked on purpose
  return *loaded;
}

std::vector<std::string>& LoadedRealPaths() {
  static auto* paths = new std::vector<std::string>();
  return *paths;
}

}  // namespace

absl::Status LoadPlugin(const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) {
    return absl::NotFoundError(absl::StrCat("plugin '", path, "': no such file"));
  }
  for (const auto& seen : LoadedRealPaths()) {
    if (seen == resolved) {
      return absl::AlreadyExistsError(absl::StrCat("plugin '", path, "' is loaded twice"));
    }
  }
  // dlopen runs the library's registrations; a library without the entry
  // point is rejected right after.
  void* handle = dlopen(resolved, RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    return absl::FailedPreconditionError(
        absl::StrCat("plugin '", path, "' failed to load: ", error ? error : "unknown dlopen error"));
  }
  using InfoFn = const PluginInfo* (*)();
  auto info_fn = reinterpret_cast<InfoFn>(dlsym(handle, "ens_plugin_info"));
  if (info_fn == nullptr) {
    dlclose(handle);
    return absl::InvalidArgumentError(absl::StrCat(
        "plugin '", path, "' is not an ensembles plugin (no ens_plugin_info; add ENS_PLUGIN(...))"));
  }
  const PluginInfo* info = info_fn();
  if (info == nullptr || info->api_version != kPluginApiVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "plugin '", path, "' was built for plugin API ", info ? info->api_version : -1,
        ", this driver has API ", kPluginApiVersion, "; rebuild it"));
  }
  LoadedRealPaths().push_back(resolved);
  Loaded().push_back(absl::StrCat(path, " (", info->description, ")"));
  return absl::OkStatus();
}

absl::Status LoadPlugins(absl::string_view comma_separated_paths) {
  for (absl::string_view path : absl::StrSplit(comma_separated_paths, ',', absl::SkipWhitespace())) {
    absl::Status status = LoadPlugin(std::string(path));
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

std::vector<std::string> LoadedPlugins() { return Loaded(); }

}  // namespace ens
