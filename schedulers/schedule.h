// Learning-rate schedules: pure functions of the iteration over a known budget.
//
//   ENS_ASSIGN_OR_RETURN(auto schedule,
//                        MakeSchedule("cyclic_cosine", "cycles=5", {total, per_epoch, 0.1}));
//   double lr = schedule->LearningRate(1);   // iterations are numbered from 1
//
// Schedules register in ScheduleRegistry(); plugins can add their own (see
// plugins/one_cycle_schedule.cc). No LibTorch here: a plugin that only adds a
// schedule compiles in a second.
#ifndef ENSEMBLES_SCHEDULERS_SCHEDULE_H_
#define ENSEMBLES_SCHEDULERS_SCHEDULE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "core/params.h"
#include "core/registry.h"

namespace ens {

struct ScheduleContext {
  int64_t total_iterations = 0;     // T: the whole budget of this training phase
  int64_t iterations_per_epoch = 0;
  double base_lr = 0.1;             // --lr; the default initial rate
};

class Schedule {
 public:
  virtual ~Schedule() = default;
  // Learning rate at iteration `t`, 1 <= t <= total_iterations.
  virtual double LearningRate(int64_t t) const = 0;
};

// A schedule given by a function of the iteration.
class FunctionSchedule : public Schedule {
 public:
  explicit FunctionSchedule(std::function<double(int64_t)> fn) : fn_(std::move(fn)) {}
  double LearningRate(int64_t t) const override { return fn_(t); }

 private:
  std::function<double(int64_t)> fn_;
};

using ScheduleFactory = std::function<absl::StatusOr<std::unique_ptr<Schedule>>(
    const Params& params, const ScheduleContext& context)>;

// The one registry of schedules (defined in schedule.cc, exported to plugins).
Registry<ScheduleFactory>& ScheduleRegistry();

// Looks up `name`, parses `args` ("k=v,...") against its schema and builds it.
absl::StatusOr<std::unique_ptr<Schedule>> MakeSchedule(absl::string_view name, absl::string_view args,
                                                       const ScheduleContext& context);

}  // namespace ens

#endif  // ENSEMBLES_SCHEDULERS_SCHEDULE_H_
