// A plugin that registers a name the core already has: loading it must stop
// the driver with both registration sites named.
#include "core/plugin_loader.h"
#include "schedulers/schedule.h"

ENS_PLUGIN("duplicate cosine") {
  ENS_REGISTER(ens::ScheduleRegistry(), "cosine", "a second cosine", ens::ParamSchema(),
               [](const ens::Params&, const ens::ScheduleContext&) -> absl::StatusOr<std::unique_ptr<ens::Schedule>> {
                 return std::unique_ptr<ens::Schedule>(new ens::FunctionSchedule([](int64_t) { return 1.0; }));
               });
}
