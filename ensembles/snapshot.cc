// Snapshot Ensembles (Huang et al., ICLR 2017) and the paper's baselines:
//   cycle        one run of --epochs with M = --members cyclic cosine cycles
//                (lr0 restarts); a snapshot at the end of each cycle
//   nocycle      one run with the standard schedule (--schedule, default
//                step), snapshots at the same M points
//   singlecycle  M networks from fresh inits, each one cosine cycle of
//                --epochs / M epochs
// `keep` uses only the last m snapshots, as the paper often does.
#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "ensembles/method.h"

namespace ens {
namespace {

class SnapshotMethod : public Method {
 public:
  explicit SnapshotMethod(const Params& p)
      : variant_(p.String("variant")), lr0_(p.Has("lr0") && p.Double("lr0") > 0 ? std::optional<double>(p.Double("lr0")) : std::nullopt), keep_(p.Int("keep")) {}

  int64_t PlannedMembers(const TrainContext& context) const override {
    return keep_ > 0 ? std::min(keep_, context.members) : context.members;
  }

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override {
    const int64_t cycles = context.members;
    if (keep_ > cycles) {
      return absl::InvalidArgumentError(
          absl::StrCat("method 'snapshot': keep=", keep_, " exceeds the ", cycles, " snapshots (--members)"));
    }
    if (variant_ == "singlecycle") {
      if (context.epochs < cycles) {
        return absl::InvalidArgumentError(absl::StrCat("method 'snapshot' (singlecycle): --epochs=", context.epochs,
                                                       " cannot give each of ", cycles, " members an epoch"));
      }
      return context.epochs / cycles * cycles;
    }
    const int64_t total = context.epochs * context.iterations_per_epoch();
    const int64_t length = (total + cycles - 1) / cycles;
    if (cycles > total || (total + length - 1) / length != cycles) {
      return absl::InvalidArgumentError(absl::StrCat("method 'snapshot': a budget of ", total,
                                                     " iterations cannot hold ", cycles,
                                                     " cycles of ceil(T/M) iterations; change --epochs or --members"));
    }
    return context.epochs;
  }

  bool TakesUserSchedule() const override { return variant_ == "nocycle"; }

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    ENS_RETURN_IF_ERROR(PlannedEpochs(context).status());
    const int64_t cycles = context.members;
    const std::string lr_arg = lr0_ ? absl::StrCat("lr0=", *lr0_, ",") : "";
    std::vector<StateDict> snapshots;
    if (variant_ == "singlecycle") {
      const int64_t epochs = context.epochs / cycles;
      auto make_schedule = [&] { return context.NamedSchedule("cyclic_cosine", lr_arg + "cycles=1", epochs); };
      ENS_ASSIGN_OR_RETURN(snapshots, TrainIndependentMembers(context, cycles, epochs, make_schedule));
    } else {
      std::unique_ptr<Schedule> schedule;
      if (variant_ == "cycle") {
        ENS_ASSIGN_OR_RETURN(schedule, context.NamedSchedule("cyclic_cosine", absl::StrCat(lr_arg, "cycles=", cycles),
                                                             context.epochs));
      } else {
        ENS_ASSIGN_OR_RETURN(schedule, context.UserSchedule("step", "", context.epochs));
      }
      const int64_t total = context.epochs * context.iterations_per_epoch();
      const int64_t length = (total + cycles - 1) / cycles;  // ceil(T/M), the paper's cycle
      CollectAtIterations at_cycle_ends([=](int64_t t) { return t % length == 0 || t == total; });
      const uint64_t seed = DeriveSeed(context.seed, 0);
      ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, context.NewModel(seed));
      Trainer trainer(net, *context.data, context.TrainerOptionsFor(0, seed, absl::StrCat("snapshot/", variant_)));
      ENS_RETURN_IF_ERROR(trainer.Run(*schedule, context.epochs, {&at_cycle_ends}, variant_));
      snapshots = std::move(at_cycle_ends.collected());
    }
    if (keep_ > 0) snapshots.erase(snapshots.begin(), snapshots.end() - keep_);
    return std::unique_ptr<Ensemble>(new StoredEnsemble(std::move(snapshots)));
  }

 private:
  std::string variant_;
  std::optional<double> lr0_;  // none (or 0): --lr
  int64_t keep_;
};

ENS_REGISTER(MethodRegistry(), "snapshot",
             "Snapshot Ensembles (Huang et al. 2017): M = --members cosine cycles in one run of --epochs, a "
             "snapshot at each cycle end; variants nocycle / singlecycle are the paper's baselines",
             ParamSchema()
                 .String("variant", "cycle", "cycle | nocycle | singlecycle").Choices({"cycle", "nocycle", "singlecycle"})
                 .OptionalDouble("lr0", "--lr", "rate at each cycle start (the paper: 0.1 or 0.2)").Min(0)
                 .Int("keep", 0, "use only the last m snapshots (0: all)").Min(0),
             [](const Params& p) -> absl::StatusOr<std::unique_ptr<Method>> {
               return std::unique_ptr<Method>(new SnapshotMethod(p));
             });

}  // namespace
}  // namespace ens
