#include "core/plugin_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/registry.h"
#include "core/user_path.h"

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
  // Opening runs the library's static initialisers; a plugin's registrations
  // wait in its registration function until the version is checked.
  const int registrations_before = RegistrationsSoFar();
  void* handle = dlopen(resolved, RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    const std::string text = error ? error : "unknown dlopen error";
    // `ENS_PLUGIN("...");` (plugin API 1's form) compiles with a warning but
    // leaves the registration function undefined.
    const std::string hint = absl::StrContains(text, "ens_plugin_register_components")
                                 ? " (ENS_PLUGIN(\"...\") needs a body: ENS_PLUGIN(\"...\") { ENS_REGISTER(...); })"
                                 : "";
    return absl::FailedPreconditionError(absl::StrCat("plugin '", path, "' failed to load: ", text, hint));
  }
  if (RegistrationsSoFar() != registrations_before) {
    // Too late to undo: the driver stops before any work.
    return absl::FailedPreconditionError(absl::StrCat(
        "plugin '", path, "' registered components while it was opened (ENS_REGISTER at file scope); move them "
        "into its ENS_PLUGIN(\"...\") { ... } body, which runs after the API version check"));
  }
  using InfoFn = const PluginInfo* (*)();
  auto info_fn = reinterpret_cast<InfoFn>(dlsym(handle, "ens_plugin_info"));
  if (info_fn == nullptr) {
    dlclose(handle);
    return absl::InvalidArgumentError(absl::StrCat(
        "plugin '", path, "' is not an ensembles plugin (no ens_plugin_info; add ENS_PLUGIN(...) { ... })"));
  }
  const PluginInfo* info = info_fn();
  // Only api_version is read before it matches: other versions may lay the
  // rest of the struct out differently.
  if (info == nullptr || info->api_version != kPluginApiVersion) {
    const std::string built_for = info ? absl::StrCat(info->api_version) : "(none)";
    dlclose(handle);
    return absl::FailedPreconditionError(absl::StrCat("plugin '", path, "' was built for plugin API ", built_for,
                                                      ", this driver has API ", kPluginApiVersion, "; rebuild it"));
  }
  if (info->register_components == nullptr) {
    dlclose(handle);
    return absl::InvalidArgumentError(absl::StrCat("plugin '", path, "' has no registration function"));
  }
  info->register_components();
  LoadedRealPaths().push_back(resolved);
  Loaded().push_back(absl::StrCat(path, " (", info->description, ")"));
  return absl::OkStatus();
}

absl::Status LoadPlugins(absl::string_view comma_separated_paths) {
  for (absl::string_view path : absl::StrSplit(comma_separated_paths, ',', absl::SkipWhitespace())) {
    absl::Status status = LoadPlugin(UserPath(std::string(path)));
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

std::vector<std::string> LoadedPlugins() { return Loaded(); }

}  // namespace ens
