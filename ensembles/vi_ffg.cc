// Variational inference with a fully factorised Gaussian posterior (vi_ffg):
// the run's architecture built with the "variational" layer kind, trained on
// the negative ELBO per example,
//   cross-entropy (one draw per example, local reparameterisation)
//   + beta * KL(q || N(0, prior_variance)) / n_train,
// beta rising linearly from 0 to 1 over the first kl_warmup of the budget.
// Weight decay is off: the prior is the regulariser. Member i of the ensemble
// is a stochastic forward pass drawn from the stream (seed, i); BatchNorm in
// eval mode.
#include <algorithm>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "ensembles/method.h"
#include "models/variational.h"

namespace ens {
namespace {

StochasticPassEnsemble::Kind VariationalPasses() {
  return {"variational", "variational", [](Network& net) { SetVariationalSampling(net, true); }};
}

class ViMethod : public Method {
 public:
  explicit ViMethod(const Params& p)
      : prior_variance_(p.Double("prior_variance")), kl_warmup_(p.Double("kl_warmup")),
        layers_(p.Double("init_rho")) {}

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override { return context.epochs; }
  bool MembersExchangeable() const override { return true; }  // i.i.d. draws from q

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    const uint64_t seed = DeriveSeed(context.seed, 0);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, context.NewModel(seed, layers_));
    if (TotalKl(*net, prior_variance_).item<double>() == 0) {
      return absl::InvalidArgumentError("method 'vi_ffg': the model has no Linear or Conv2d layer made through "
                                        "the layer factory");
    }
    ENS_ASSIGN_OR_RETURN(auto schedule, context.UserSchedule("step", "", context.epochs));
    TrainerOptions options = context.TrainerOptionsFor(0, seed, "vi_ffg");
    options.optimizer.weight_decay = 0;
    const double n_train = static_cast<double>(context.data->train.size());
    const double warmup_iterations = kl_warmup_ * context.epochs * context.iterations_per_epoch();
    Network* raw = net.get();
    const double prior_variance = prior_variance_;
    options.loss = [=](const torch::Tensor& logits, const torch::Tensor& targets, const torch::Tensor&,
                       int64_t iteration) {
      const double beta = warmup_iterations > 0 ? std::min(1.0, iteration / warmup_iterations) : 1.0;
      return torch::nll_loss(torch::log_softmax(logits, 1), targets) + beta * TotalKl(*raw, prior_variance) / n_train;
    };
    Trainer trainer(net, *context.data, options);
    ENS_RETURN_IF_ERROR(trainer.Run(*schedule, context.epochs, {}, "train"));
    return std::unique_ptr<Ensemble>(new StochasticPassEnsemble(VariationalPasses(), CaptureState(*net),
                                                                context.members, DeriveSeed(context.seed, 1)));
  }

 private:
  double prior_variance_;
  double kl_warmup_;
  VariationalLayers layers_;
};

ENS_REGISTER(MethodRegistry(), "vi_ffg",
             "variational inference, fully factorised Gaussian (Blundell et al. 2015): every Linear / Conv2d "
             "weight has a mean and a softplus std, trained on the ELBO with local reparameterisation; "
             "--members test-time draws",
             ParamSchema()
                 .Double("prior_variance", 1.0, "variance of the N(0, s^2) prior on every weight").Min(1e-12)
                 .Double("kl_warmup", 0.1, "fraction of the budget over which the KL weight rises from 0 to 1")
                 .Min(0).Max(1)
                 .Double("init_rho", -5.0, "initial rho of every weight (std = softplus(rho))"),
             [](const Params& p) -> absl::StatusOr<std::unique_ptr<Method>> {
               return std::unique_ptr<Method>(new ViMethod(p));
             });

ENS_REGISTER(EnsembleKindRegistry(), "variational", "variational weights, test-time draws", ParamSchema(),
             [](const std::string& dir, const nlohmann::json& manifest) -> absl::StatusOr<std::unique_ptr<Ensemble>> {
               return LoadStochasticPasses(VariationalPasses(), dir, manifest);
             });

}  // namespace
}  // namespace ens
