#include "driver/list.h"

#include "absl/strings/str_cat.h"
#include "core/plugin_loader.h"
#include "datasets/dataset.h"
#include "ensembles/method.h"
#include "models/model.h"
#include "schedulers/schedule.h"
#include "shift/corruption.h"
#include "shift/ood_set.h"

namespace ens {
namespace {

template <typename Factory>
void Describe(const Registry<Factory>& registry, std::string* out) {
  absl::StrAppend(out, registry.kind(), "s (", registry.flag(), ", parameters via ", registry.flag(), "_args=k=v,...):\n");
  for (const auto* entry : registry.Entries()) {
    absl::StrAppend(out, "  ", entry->name, "  ", entry->description, "  [", entry->file, "]\n");
    absl::StrAppend(out, entry->schema.Describe("      "));
  }
  absl::StrAppend(out, "\n");
}

}  // namespace

std::string DescribeRegistries() {
  std::string out;
  Describe(MethodRegistry(), &out);
  Describe(ModelRegistry(), &out);
  Describe(DatasetRegistry(), &out);
  Describe(ScheduleRegistry(), &out);
  Describe(OodSetRegistry(), &out);
  Describe(CorruptionRegistry(), &out);
  const auto plugins = LoadedPlugins();
  absl::StrAppend(&out, "plugins loaded: ", plugins.empty() ? "none" : "", "\n");
  for (const auto& plugin : plugins) absl::StrAppend(&out, "  ", plugin, "\n");
  return out;
}

}  // namespace ens
