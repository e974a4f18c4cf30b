// Fast Geometric Ensembling (Garipov et al., NeurIPS 2018): pre-train with
// the SWA-style schedule, then triangular cycles of `cycle_epochs` between
// lr1 and lr2, collecting the weights at each cycle's midpoint (lr = lr2).
// Budget: --epochs in all = pre-training + members x cycle_epochs. The
// optimizer state (momentum) carries over from pre-training; no BatchNorm
// re-estimation, as in the official code.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "ensembles/method.h"

namespace ens {
namespace {

class FgeMethod : public Method {
 public:
  explicit FgeMethod(const Params& p)
      : cycle_epochs_(p.Int("cycle_epochs")), lr1_(p.Double("lr1")), lr2_(p.Double("lr2")) {}

  bool TakesUserSchedule() const override { return false; }

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override {
    const int64_t fge_epochs = context.members * cycle_epochs_;
    if (context.epochs - fge_epochs < 1) {
      return absl::InvalidArgumentError(absl::StrCat("method 'fge': --epochs=", context.epochs, " leaves no pre-training after ",
                                                     context.members, " cycles of ", cycle_epochs_, " epochs"));
    }
    return context.epochs;
  }

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    ENS_RETURN_IF_ERROR(PlannedEpochs(context).status());
    const int64_t fge_epochs = context.members * cycle_epochs_;
    const int64_t pretrain_epochs = context.epochs - fge_epochs;
    const uint64_t seed = DeriveSeed(context.seed, 0);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, context.NewModel(seed));
    Trainer trainer(net, *context.data, context.TrainerOptionsFor(0, seed, "fge"));

    ENS_ASSIGN_OR_RETURN(auto pretrain, context.NamedSchedule("swa", "", pretrain_epochs));
    ENS_RETURN_IF_ERROR(trainer.Run(*pretrain, pretrain_epochs, {}, "pretrain"));

    const int64_t cycle = cycle_epochs_ * context.iterations_per_epoch();
    ENS_ASSIGN_OR_RETURN(auto cyclic, context.NamedSchedule("triangular",
                                                            absl::StrCat("lr1=", lr1_, ",lr2=", lr2_,
                                                                         ",cycle_iters=", cycle),
                                                            fge_epochs));
    // Midpoint: t(i) = (mod(i-1, c) + 1) / c = 1/2 (the nearest iteration for odd c).
    const int64_t middle = cycle / 2;
    CollectAtIterations at_midpoints([=](int64_t i) { return (i - 1) % cycle + 1 == middle; });
    ENS_RETURN_IF_ERROR(trainer.Run(*cyclic, fge_epochs, {&at_midpoints}, "fge"));
    return std::unique_ptr<Ensemble>(new StoredEnsemble(std::move(at_midpoints.collected())));
  }

 private:
  int64_t cycle_epochs_;
  double lr1_, lr2_;
};

ENS_REGISTER(MethodRegistry(), "fge",
             "Fast Geometric Ensembling (Garipov et al. 2018): SWA-style pre-training, then --members "
             "triangular cycles, a member at each cycle's midpoint; --epochs is the whole budget",
             ParamSchema()
                 .Int("cycle_epochs", 2, "cycle length in epochs (the paper: 2-4)").Min(1)
                 .Double("lr1", 0.05, "alpha1, the rate at cycle ends").Min(0)
                 .Double("lr2", 0.0005, "alpha2, the rate at mid-cycle").Min(0),
             [](const Params& p) -> absl::StatusOr<std::unique_ptr<Method>> {
               return std::unique_ptr<Method>(new FgeMethod(p));
             });

}  // namespace
}  // namespace ens
