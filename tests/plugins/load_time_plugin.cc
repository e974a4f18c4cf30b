// A plugin written the old way: it registers at file scope, so while dlopen
// runs, before the loader could check its API version. The loader refuses it.
#include "core/plugin_loader.h"
#include "schedulers/schedule.h"

ENS_PLUGIN("registers too early") {}

ENS_REGISTER(ens::ScheduleRegistry(), "too_early", "registered at load time", ens::ParamSchema(),
             [](const ens::Params&, const ens::ScheduleContext&) -> absl::StatusOr<std::unique_ptr<ens::Schedule>> {
               return std::unique_ptr<ens::Schedule>(new ens::FunctionSchedule([](int64_t) { return 1.0; }));
             });
