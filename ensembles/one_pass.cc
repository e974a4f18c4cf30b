// TrainOnePass: one network whose forward gives every member's logits.
#include <torch/nn/functional/loss.h>

#include "core/status_macros.h"
#include "ensembles/method.h"

namespace ens {

void MembersInOnePass::Reshape(TrainingBatch& batch, int64_t iteration) const {
  batch.targets = batch.targets.repeat({members_});
}

torch::Tensor MembersInOnePass::Correct(const torch::Tensor& logits, const TrainingBatch& batch) const {
  return logits.argmax(1).eq(batch.targets).sum().to(torch::kDouble) / static_cast<double>(members_);
}

absl::Status TrainOnePass(const TrainContext& context, const std::shared_ptr<Network>& net,
                          const OnePassTraining& how, const std::string& label) {
  const uint64_t seed = DeriveSeed(context.seed, 0);
  ENS_ASSIGN_OR_RETURN(auto schedule, context.UserSchedule("step", "", context.epochs));
  TrainerOptions options = context.TrainerOptionsFor(0, seed, label);
  options.batch_hook = how.batch_hook ? how.batch_hook : std::make_shared<MembersInOnePass>(how.members);
  options.parameter_groups = how.parameter_groups;
  const double scale = how.sum_over_members ? static_cast<double>(how.members) : 1.0;
  options.loss = [scale](const torch::Tensor& logits, const torch::Tensor& targets, const torch::Tensor&, int64_t) {
    return torch::nll_loss(torch::log_softmax(logits, 1), targets) * scale;
  };
  Trainer trainer(net, *context.data, options);
  return trainer.Run(*schedule, context.epochs, {}, "train");
}

}  // namespace ens
