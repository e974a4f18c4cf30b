// Example plugin: Smith & Topin's one-cycle schedule ("Super-Convergence",
// 2019), the shape of PyTorch's OneCycleLR with cosine annealing. Not in the
// core: it shows how a component comes in from outside.
//
//   bazel build //plugins:one_cycle_schedule.so
//   bazel run //:driver -- --plugins=bazel-bin/plugins/one_cycle_schedule.so
//       --schedule=one_cycle --schedule_args=pct_start=0.25 --print_lr
//
// It includes only the registry and schedule headers; the registry it fills
// is the driver's own.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/plugin_loader.h"
#include "schedulers/schedule.h"

namespace {

constexpr double kPi = 3.14159265358979323846;

double CosineBetween(double start, double end, double fraction) {
  return end + (start - end) / 2 * (std::cos(kPi * fraction) + 1);
}

}  // namespace

// Called by the driver after it has checked the plugin API version.
ENS_PLUGIN("one_cycle learning-rate schedule") {
  ENS_REGISTER(ens::ScheduleRegistry(), "one_cycle",
               "one-cycle: cosine warm-up from lr_max/div_factor to lr_max, then cosine decay (plugin)",
               ens::ParamSchema()
                   .OptionalDouble("lr_max", "--lr", "peak rate").Min(0)
                   .Double("pct_start", 0.3, "fraction of the budget spent warming up").Min(0.01).Max(0.99)
                   .Double("div_factor", 25, "initial rate = lr_max / div_factor").Min(1)
                   .Double("final_div_factor", 1e4, "final rate = initial rate / final_div_factor").Min(1),
               [](const ens::Params& p, const ens::ScheduleContext& c)
                   -> absl::StatusOr<std::unique_ptr<ens::Schedule>> {
                 const double lr_max = p.DoubleOr("lr_max", c.base_lr);
                 const double initial = lr_max / p.Double("div_factor");
                 const double final_lr = initial / p.Double("final_div_factor");
                 // Steps counted from 0 as in PyTorch: the peak is at step pct_start*T - 1.
                 const double peak = p.Double("pct_start") * c.total_iterations - 1;
                 const double last = static_cast<double>(c.total_iterations - 1);
                 if (peak < 1 || peak >= last) {
                   return absl::InvalidArgumentError(absl::StrCat(
                       "schedule 'one_cycle': pct_start leaves no room in a budget of ",
                       c.total_iterations, " iterations"));
                 }
                 return std::unique_ptr<ens::Schedule>(new ens::FunctionSchedule([=](int64_t t) {
                   const double step = static_cast<double>(t - 1);
                   if (step <= peak) return CosineBetween(initial, lr_max, step / peak);
                   return CosineBetween(lr_max, final_lr, (step - peak) / (last - peak));
                 }));
               });
}
