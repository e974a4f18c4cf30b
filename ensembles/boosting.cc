// Gradient boosting of networks for classification (Friedman 2001, with the
// seed lecture's b_1, b_2, ... construction):
//   member 1 is trained on the loss itself (cross-entropy);
//   member m >= 2 fits, by squared error, the negative gradient of the
//   cross-entropy at the ensemble so far, r = onehot(y) - softmax(F(x)), on
//   the training split; a line search finds the step rho minimising the
//   training cross-entropy of F + rho h_m; F += shrinkage * rho * h_m.
// The ensemble's prediction is softmax(F), F the weighted sum of the members'
// logits: the ensemble combines members by these weights (Combination::WeightedLogits), not
// by averaging probabilities.
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/member_context.h"
#include "core/status_macros.h"
#include "ensembles/method.h"
#include "metrics/golden_section.h"

namespace ens {
namespace {

// Mean training cross-entropy of softmax(scores), scores [N, C] float64.
double CrossEntropy(const torch::Tensor& scores, const torch::Tensor& labels) {
  return -torch::log_softmax(scores, 1).gather(1, labels.view({-1, 1})).mean().item<double>();
}

class BoostingMethod : public Method {
 public:
  explicit BoostingMethod(const Params& p) : shrinkage_(p.Double("shrinkage")), max_step_(p.Double("max_step")) {}

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override {
    return context.members * context.epochs;
  }

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    ENS_RETURN_IF_ERROR(RequireInMemory(context.data->train, "method 'boosting'"));
    const Split& train = context.data->train;
    const torch::Tensor labels = train.labels.cpu();
    const int64_t classes = context.data->num_classes;
    const BatchMaker batches(*context.data, context.device);
    torch::Tensor scores;  // F on the training split, float64 [N, C] (up to a constant per row)
    std::vector<StateDict> members;
    std::vector<double> weights;
    for (int64_t m = 0; m < context.members; ++m) {
      const uint64_t member_seed = DeriveSeed(context.seed, static_cast<uint64_t>(m));
      ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, context.NewModel(member_seed));
      ENS_ASSIGN_OR_RETURN(auto schedule, context.UserSchedule("step", "", context.epochs));
      TrainerOptions options =
          context.TrainerOptionsFor(m, member_seed, absl::StrCat("member ", m + 1, "/", context.members));
      if (m > 0) {
        const torch::Tensor residual =
            (torch::one_hot(labels, classes).to(torch::kDouble) - torch::softmax(scores, 1))
                .to(context.device, torch::kFloat);
        options.loss = [residual](const torch::Tensor& outputs, const torch::Tensor&, const torch::Tensor& index,
                                  int64_t) {
          return 0.5 * (outputs - residual.index_select(0, index)).pow(2).sum(1).mean();
        };
      }
      Trainer trainer(net, *context.data, options);
      ENS_RETURN_IF_ERROR(trainer.Run(*schedule, context.epochs, {}, m == 0 ? "train" : "fit residual"));
      net->eval();
      // log_softmax(h) differs from h by a constant per row, which softmax(F)
      // ignores: the members' log-probabilities serve as their outputs.
      const torch::Tensor outputs = PredictLogProbs(*net, train, batches, 1000).to(torch::kDouble).clamp_min(-1e4);
      double weight = 1.0;
      if (m == 0) {
        scores = outputs;
      } else {
        const double step = GoldenSectionMinimize(
            [&](double rho) { return CrossEntropy(scores + rho * outputs, labels); }, 0.0, max_step_);
        weight = shrinkage_ * step;
        const double before = CrossEntropy(scores, labels);
        scores = scores + weight * outputs;
        if (context.progress) {
          context.progress->Message(absl::StrFormat("boosting member %d: step %.4f, weight %.4f, training "
                                                    "cross-entropy %.4f -> %.4f",
                                                    m + 1, step, weight, before, CrossEntropy(scores, labels)));
        }
      }
      members.push_back(CaptureState(*net));
      weights.push_back(weight);
    }
    return std::unique_ptr<Ensemble>(new StoredEnsemble(std::move(members), std::move(weights)));
  }

 private:
  double shrinkage_;
  double max_step_;
};

ENS_REGISTER(MethodRegistry(), "boosting",
             "gradient boosting (Friedman 2001): member 1 trained on cross-entropy, each next one fits the "
             "negative gradient of the ensemble's loss; prediction = softmax of the shrunken weighted sum of "
             "logits; --epochs per member",
             ParamSchema()
                 .Double("shrinkage", 0.5, "nu: each member's line-searched step is multiplied by it").Min(1e-6).Max(1)
                 .Double("max_step", 50, "upper end of the line search for the step").Min(1e-6),
             [](const Params& p) -> absl::StatusOr<std::unique_ptr<Method>> {
               return std::unique_ptr<Method>(new BoostingMethod(p));
             });

}  // namespace
}  // namespace ens
