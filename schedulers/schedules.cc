// The built-in schedules, each the formula of its paper (see
// ../shared/reference/PAPERS.md), iterations numbered from 1.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "schedulers/schedule.h"

namespace ens {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::unique_ptr<Schedule> Fn(std::function<double(int64_t)> fn) {
  return std::make_unique<FunctionSchedule>(std::move(fn));
}

ENS_REGISTER(ScheduleRegistry(), "constant", "a constant learning rate",
             ParamSchema().OptionalDouble("lr", "--lr", "the rate").Min(0),
             [](const Params& p, const ScheduleContext& c) -> absl::StatusOr<std::unique_ptr<Schedule>> {
               const double lr = p.DoubleOr("lr", c.base_lr);
               return Fn([lr](int64_t) { return lr; });
             });

// Epoch-wise multi-step decay, as PyTorch's MultiStepLR: the rate is
// multiplied by gamma at the first iteration of each milestone epoch.
ENS_REGISTER(ScheduleRegistry(), "step",
             "multi-step decay: lr0 * gamma^(milestones passed); milestones as fractions of the budget",
             ParamSchema()
                 .OptionalDouble("lr0", "--lr", "initial rate").Min(0)
                 .DoubleList("milestones", "0.5:0.75", "fractions of the epoch budget").Min(0).Max(1)
                 .Double("gamma", 0.1, "factor at each milestone").Min(0).Max(1),
             [](const Params& p, const ScheduleContext& c) -> absl::StatusOr<std::unique_ptr<Schedule>> {
               const double lr0 = p.DoubleOr("lr0", c.base_lr);
               const int64_t epochs = std::max<int64_t>(1, c.total_iterations / c.iterations_per_epoch);
               std::vector<int64_t> milestone_epochs;
               for (double m : p.DoubleList("milestones")) {
                 milestone_epochs.push_back(static_cast<int64_t>(std::llround(m * epochs)));
               }
               const double gamma = p.Double("gamma");
               const int64_t per_epoch = c.iterations_per_epoch;
               return Fn([=](int64_t t) {
                 const int64_t epoch = (t - 1) / per_epoch;  // 0-based
                 double lr = lr0;
                 for (int64_t m : milestone_epochs) {
                   if (epoch >= m) lr *= gamma;
                 }
                 return lr;
               });
             });

ENS_REGISTER(ScheduleRegistry(), "cosine", "cosine annealing from lr0 to lr_min over the budget",
             ParamSchema()
                 .OptionalDouble("lr0", "--lr", "initial rate").Min(0)
                 .Double("lr_min", 0.0, "final rate").Min(0),
             [](const Params& p, const ScheduleContext& c) -> absl::StatusOr<std::unique_ptr<Schedule>> {
               const double lr0 = p.DoubleOr("lr0", c.base_lr);
               const double lr_min = p.Double("lr_min");
               const double total = static_cast<double>(c.total_iterations);
               return Fn([=](int64_t t) {
                 return lr_min + (lr0 - lr_min) / 2 * (1 + std::cos(kPi * (t - 1) / total));
               });
             });

// Snapshot Ensembles (Huang et al. 2017):
//   lr(t) = lr0/2 * (cos(pi * mod(t-1, ceil(T/M)) / ceil(T/M)) + 1).
ENS_REGISTER(ScheduleRegistry(), "cyclic_cosine",
             "Snapshot Ensembles' cyclic cosine annealing: M restarts over the budget",
             ParamSchema()
                 .OptionalDouble("lr0", "--lr", "rate at the start of each cycle").Min(0)
                 .Int("cycles", 5, "number of cycles M").Min(1),
             [](const Params& p, const ScheduleContext& c) -> absl::StatusOr<std::unique_ptr<Schedule>> {
               const int64_t cycles = p.Int("cycles");
               if (cycles > c.total_iterations) {
                 return absl::InvalidArgumentError(absl::StrCat(
                     "schedule 'cyclic_cosine': cycles=", cycles, " exceeds the ",
                     c.total_iterations, " iterations of the budget"));
               }
               const double lr0 = p.DoubleOr("lr0", c.base_lr);
               const int64_t cycle_length = (c.total_iterations + cycles - 1) / cycles;  // ceil(T/M)
               return Fn([=](int64_t t) {
                 const double phase = static_cast<double>((t - 1) % cycle_length) / cycle_length;
                 return lr0 / 2 * (std::cos(kPi * phase) + 1);
               });
             });

// Fast Geometric Ensembling (Garipov et al. 2018), cycle of c iterations:
//   t(i) = (mod(i-1, c) + 1) / c
//   lr = (1-2t) a1 + 2t a2        for 0 < t <= 1/2
//   lr = (2-2t) a2 + (2t-1) a1    for 1/2 < t <= 1
ENS_REGISTER(ScheduleRegistry(), "triangular",
             "FGE's triangular cycles between lr1 and lr2 (lr2 at mid-cycle)",
             ParamSchema()
                 .Double("lr1", 0.05, "alpha1, the rate at cycle ends").Min(0)
                 .Double("lr2", 0.0005, "alpha2, the rate at mid-cycle (alpha1 > alpha2)").Min(0)
                 .Int("cycle_iters", 0, "cycle length in iterations (0: use cycle_epochs)").Min(0)
                 .Double("cycle_epochs", 2, "cycle length in epochs").Min(0),
             [](const Params& p, const ScheduleContext& c) -> absl::StatusOr<std::unique_ptr<Schedule>> {
               const double a1 = p.Double("lr1");
               const double a2 = p.Double("lr2");
               if (!(a1 > a2)) {
                 return absl::InvalidArgumentError(absl::StrCat(
                     "schedule 'triangular': needs lr1 > lr2, got lr1=", a1, " lr2=", a2));
               }
               int64_t cycle = p.Int("cycle_iters");
               if (cycle == 0) {
                 cycle = static_cast<int64_t>(std::llround(p.Double("cycle_epochs") * c.iterations_per_epoch));
               }
               if (cycle < 2) {
                 return absl::InvalidArgumentError(
                     absl::StrCat("schedule 'triangular': the cycle must be at least 2 iterations, got ", cycle));
               }
               return Fn([=](int64_t i) {
                 const double t = static_cast<double>((i - 1) % cycle + 1) / cycle;
                 return t <= 0.5 ? (1 - 2 * t) * a1 + 2 * t * a2 : (2 - 2 * t) * a2 + (2 * t - 1) * a1;
               });
             });

// The SWA / FGE pre-training shape (Izmailov et al. 2018, official code),
// per epoch e (0-based) with t = e / horizon_epochs:
//   lr_init for t <= 0.5, linear to swa_lr at t = 0.9, then swa_lr.
ENS_REGISTER(ScheduleRegistry(), "swa",
             "SWA-style: constant, then linear decay (50%..90% of the horizon) to swa_lr",
             ParamSchema()
                 .OptionalDouble("lr_init", "--lr", "initial rate").Min(0)
                 .OptionalDouble("swa_lr", "1% of lr_init", "final rate").Min(0)
                 .Double("horizon", 1.0, "fraction of the budget where t = 1 (swa_start / epochs for SWA)")
                 .Min(1e-9).Max(1),
             [](const Params& p, const ScheduleContext& c) -> absl::StatusOr<std::unique_ptr<Schedule>> {
               const double lr_init = p.DoubleOr("lr_init", c.base_lr);
               const double ratio = p.DoubleOr("swa_lr", 0.01 * lr_init) / lr_init;
               const double epochs = static_cast<double>(c.total_iterations) / c.iterations_per_epoch;
               const double horizon = p.Double("horizon") * epochs;
               const int64_t per_epoch = c.iterations_per_epoch;
               return Fn([=](int64_t i) {
                 const double t = static_cast<double>((i - 1) / per_epoch) / horizon;
                 double factor = ratio;
                 if (t <= 0.5) {
                   factor = 1.0;
                 } else if (t <= 0.9) {
                   factor = 1.0 - (1.0 - ratio) * (t - 0.5) / 0.4;
                 }
                 return lr_init * factor;
               });
             });

}  // namespace
}  // namespace ens
