// MC dropout (Gal & Ghahramani 2016): one network trained with dropout; at
// test time dropout stays active (BatchNorm in eval mode) and --members
// stochastic passes are averaged, pass i drawn from the stream (seed, i).
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "ensembles/method.h"

namespace ens {
namespace {

class McDropoutMethod : public Method {
 public:
  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override { return context.epochs; }

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    const uint64_t seed = DeriveSeed(context.seed, 0);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, context.NewModel(seed));
    if (!HasDropout(*net)) {
      return absl::InvalidArgumentError(
          "method 'mc_dropout' needs a model with dropout > 0 (e.g. --model_args=dropout=0.2)");
    }
    ENS_ASSIGN_OR_RETURN(auto schedule, context.UserSchedule("step", "", context.epochs));
    Trainer trainer(net, *context.data, context.TrainerOptionsFor(0, seed, "mc_dropout"));
    ENS_RETURN_IF_ERROR(trainer.Run(*schedule, context.epochs, {}, "train"));
    return std::unique_ptr<Ensemble>(
        new DropoutEnsemble(CaptureState(*net), context.members, DeriveSeed(context.seed, 1)));
  }
};

ENS_REGISTER(MethodRegistry(), "mc_dropout",
             "MC dropout (Gal & Ghahramani 2016): one network; --members test passes with dropout on",
             ParamSchema(), [](const Params&) -> absl::StatusOr<std::unique_ptr<Method>> {
               return std::unique_ptr<Method>(new McDropoutMethod());
             });

}  // namespace
}  // namespace ens
