#include "shift/corruption.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"

namespace ens {

Registry<CorruptionFactory>& CorruptionRegistry() {
  static auto* registry = new Registry<CorruptionFactory>("corruption", "--shift");
  return *registry;
}

absl::StatusOr<Corruption> MakeCorruption(absl::string_view name, absl::string_view args) {
  ENS_ASSIGN_OR_RETURN(const auto* entry, CorruptionRegistry().Find(name));
  const std::string owner = absl::StrCat("corruption '", name, "'");
  ENS_ASSIGN_OR_RETURN(const Params params, Params::Parse(entry->schema, args, owner));
  for (const ParamSpec& spec : entry->schema.specs()) {
    if (spec.type != ParamType::kDoubleList) continue;
    const size_t count = params.DoubleList(spec.name).size();
    if (count != kMaxSeverity) {
      return absl::InvalidArgumentError(absl::StrCat(owner, ": ", spec.name, " has ", count,
                                                     " values; it needs one per severity 1..", kMaxSeverity));
    }
  }
  return entry->factory(params);
}

double LevelOf(const Params& params, absl::string_view name, int severity) {
  return params.DoubleList(name).at(static_cast<size_t>(severity - 1));
}

absl::StatusOr<std::vector<int>> ParseSeverities(absl::string_view text) {
  std::vector<int> severities;
  std::set<int> seen;
  for (absl::string_view part : absl::StrSplit(text, ':')) {
    int severity = 0;
    if (!absl::SimpleAtoi(part, &severity) || severity < 1 || severity > kMaxSeverity) {
      return absl::InvalidArgumentError(absl::StrCat("--shift_severities=", text, ": '", part,
                                                     "' is not a severity in 1..", kMaxSeverity));
    }
    if (!seen.insert(severity).second) {
      return absl::InvalidArgumentError(absl::StrCat("--shift_severities=", text, ": ", severity, " given twice"));
    }
    severities.push_back(severity);
  }
  return severities;
}

}  // namespace ens
