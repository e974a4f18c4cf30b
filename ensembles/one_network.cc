// TrainOrLoadOneNetwork: the one network of methods that work on a trained
// model, trained as `single` trains it or taken from a finished run.
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/user_path.h"
#include "ensembles/method.h"

namespace ens {

absl::StatusOr<std::shared_ptr<Network>> TrainOrLoadOneNetwork(
    const TrainContext& context, const std::string& method, const std::string& weights_from,
    const std::function<absl::Status(const Network&)>& check) {
  const uint64_t seed = DeriveSeed(context.seed, 0);
  ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, context.NewModel(seed));
  if (check) ENS_RETURN_IF_ERROR(check(*net));
  if (weights_from.empty()) {
    ENS_ASSIGN_OR_RETURN(auto schedule, context.UserSchedule("step", "", context.epochs));
    Trainer trainer(net, *context.data, context.TrainerOptionsFor(0, seed, method));
    ENS_RETURN_IF_ERROR(trainer.Run(*schedule, context.epochs, {}, "train"));
    return net;
  }
  ENS_ASSIGN_OR_RETURN(std::unique_ptr<Ensemble> trained,
                       LoadEnsemble(absl::StrCat(UserPath(weights_from), "/members")));
  const auto* weights = dynamic_cast<const NetworkEnsemble*>(trained.get());
  if (weights == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("method '", method, "': weights_from=", weights_from,
                                                   " holds no members that are a network's weights"));
  }
  if (weights->layout().layer_kind != "standard") {
    return absl::InvalidArgumentError(absl::StrCat("method '", method, "': weights_from=", weights_from, " holds '",
                                                   weights->layout().layer_kind, "' layers"));
  }
  absl::Status loaded = weights->PrepareMember(0, *net);
  if (!loaded.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("method '", method, "': weights_from=", weights_from, ": ",
                                                   loaded.message(), " (another --model?)"));
  }
  return net;
}

}  // namespace ens
