#include "schedulers/schedule.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace ens {

Registry<ScheduleFactory>& ScheduleRegistry() {
  static auto* registry = new Registry<ScheduleFactory>("schedule", "--schedule");  // leaked
  return *registry;
}

absl::StatusOr<std::unique_ptr<Schedule>> MakeSchedule(absl::string_view name, absl::string_view args,
                                                       const ScheduleContext& context) {
  ENS_ASSIGN_OR_RETURN(const auto* entry, ScheduleRegistry().Find(name));
  ENS_ASSIGN_OR_RETURN(Params params,
                       Params::Parse(entry->schema, args, absl::StrCat("schedule '", name, "'")));
  if (context.total_iterations < 1 || context.iterations_per_epoch < 1) {
    return absl::InvalidArgumentError(absl::StrCat("schedule '", name, "': the budget is empty (",
                                                   context.total_iterations, " iterations)"));
  }
  return entry->factory(params, context);
}

}  // namespace ens
