// Registry<Factory>: components registered by name, looked up by name.
//
// Each kind of component (method, schedule, model, dataset) has one registry,
// returned by a non-inline accessor defined once in the driver's binary (e.g.
// ScheduleRegistry() in schedulers/schedule.cc) and exported with -rdynamic,
// so that plugins opened with dlopen register into the very same instance.
//
// Registration is one macro, at file scope in the core (static
// initialisation) and inside ENS_PLUGIN's body in a plugin (which the loader
// calls after its version check: core/plugin_loader.h):
//
//   ENS_REGISTER(ScheduleRegistry(), "cosine", "cosine annealing to 0",
//                ParamSchema().OptionalDouble("lr0", "--lr", "initial rate"),
//                [](const Params& p, const ScheduleContext& c) { ... });
//
// A duplicate name is fatal at start-up (or at plugin load) and names both
// registration sites; an unknown name is an error that lists every registered
// name and the closest one. Libraries that hold registrations must be linked
// with `alwayslink = True`.
#ifndef ENSEMBLES_CORE_REGISTRY_H_
#define ENSEMBLES_CORE_REGISTRY_H_

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include "absl/strings/string_view.h"
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/closest_name.h"
#include "core/params.h"

namespace ens {

// Entries added so far to every registry of the process: the plugin loader
// checks that opening a library added none. One counter for the driver and
// its plugins: the dynamic linker unifies this inline function's static
// (default visibility even in a plugin built with -fvisibility=hidden or
// -fvisibility-inlines-hidden).
__attribute__((visibility("default"))) inline int& RegistrationsSoFar() {
  static int count = 0;
  return count;
}

template <typename Factory>
class Registry {
 public:
  struct Entry {
    std::string name;
    std::string description;
    ParamSchema schema;
    std::string file;  // where it was registered (a plugin's source file too)
    int line = 0;
    Factory factory;
  };

  // `kind` is "method", "schedule", ...; `flag` is the driver flag that
  // selects one ("--method"), quoted in error messages.
  Registry(std::string kind, std::string flag) : kind_(std::move(kind)), flag_(std::move(flag)) {}
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  absl::Status Add(Entry entry) {
    if (entry.name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("empty ", kind_, " name registered at ",
                                                     entry.file, ":", entry.line));
    }
    auto it = entries_.find(entry.name);
    if (it != entries_.end()) {
      return absl::AlreadyExistsError(absl::StrCat(
          kind_, " '", entry.name, "' is registered twice: at ", it->second.file, ":",
          it->second.line, " and at ", entry.file, ":", entry.line,
          "; rename one of them (names are global across plugins)"));
    }
    std::string name = entry.name;
    entries_.emplace(std::move(name), std::move(entry));
    ++RegistrationsSoFar();
    return absl::OkStatus();
  }

  absl::StatusOr<const Entry*> Find(absl::string_view name) const {
    auto it = entries_.find(std::string(name));
    if (it != entries_.end()) return &it->second;
    const std::vector<std::string> names = Names();
    const std::string closest = ClosestName(name, names);
    return absl::NotFoundError(absl::StrCat(
        "unknown ", kind_, " '", name, "' (", flag_, ")",
        closest.empty() ? "" : absl::StrCat("; did you mean '", closest, "'?"),
        "; registered ", kind_, "s: ", names.empty() ? "(none)" : absl::StrJoin(names, ", "),
        "; add one with ENS_REGISTER or load a plugin with --plugins"));
  }

  bool Contains(absl::string_view name) const { return entries_.count(std::string(name)) > 0; }

  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& [name, entry] : entries_) names.push_back(name);
    return names;
  }

  std::vector<const Entry*> Entries() const {
    std::vector<const Entry*> entries;
    for (const auto& [name, entry] : entries_) entries.push_back(&entry);
    return entries;
  }

  const std::string& kind() const { return kind_; }
  const std::string& flag() const { return flag_; }

 private:
  std::string kind_;
  std::string flag_;
  std::map<std::string, Entry> entries_;  // sorted: --list and errors read well
};

// Adds an entry or ends the process: runs inside static initialisers and a
// plugin's registration function (during --plugins loading), where neither
// logging nor exceptions are safe.
template <typename Factory>
bool RegisterOrDie(Registry<Factory>& registry, std::string name, std::string description,
                   ParamSchema schema, const char* file, int line,
                   typename std::common_type<Factory>::type factory) {
  absl::Status status = registry.Add({std::move(name), std::move(description), std::move(schema),
                                      file, line, std::move(factory)});
  if (!status.ok()) {
    std::fprintf(stderr, "fatal: %s\n", std::string(status.message()).c_str());
    std::fflush(stderr);
    std::_Exit(2);
  }
  return true;
}

}  // namespace ens

#define ENS_REGISTRY_CONCAT_INNER_(a, b) a##b
#define ENS_REGISTRY_CONCAT_(a, b) ENS_REGISTRY_CONCAT_INNER_(a, b)

// Registers `factory` under `name` in `registry` (an expression returning the
// Registry&): at static-initialisation time at file scope, when the enclosing
// function first runs inside one (a plugin's ENS_PLUGIN body).
#define ENS_REGISTER(registry, name, description, schema, factory)                      \
  static const bool ENS_REGISTRY_CONCAT_(ens_registered_, __COUNTER__)                 \
      __attribute__((unused)) = ::ens::RegisterOrDie((registry), (name), (description), \
                                                     (schema), __FILE__, __LINE__, (factory))

#endif  // ENSEMBLES_CORE_REGISTRY_H_
