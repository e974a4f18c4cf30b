// A library that claims a plugin API version this driver does not have, and
// whose registration function would register a schedule: the loader must
// close it without calling that function.
#include "core/plugin_loader.h"
#include "schedulers/schedule.h"

namespace {

void RegisterFromTheFuture() {
  ENS_REGISTER(ens::ScheduleRegistry(), "from_the_future", "must never be registered", ens::ParamSchema(),
               [](const ens::Params&, const ens::ScheduleContext&) -> absl::StatusOr<std::unique_ptr<ens::Schedule>> {
                 return std::unique_ptr<ens::Schedule>(new ens::FunctionSchedule([](int64_t) { return 1.0; }));
               });
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const ens::PluginInfo* ens_plugin_info() {
  static const ens::PluginInfo info{999, "from the future", &RegisterFromTheFuture};
  return &info;
}
