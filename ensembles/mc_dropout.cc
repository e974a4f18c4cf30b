// MC dropout (Gal & Ghahramani 2016): one network trained with dropout; at
// test time dropout stays active (BatchNorm in eval mode) and --members
// stochastic passes are averaged, pass i drawn from the stream (seed, i).
// With weights_from=RUN_DIR the network is not trained but taken from an
// earlier run's members/ (its first member): MC dropout is a test-time
// procedure, and the `single` run with the same seed trains the very network
// this method would.
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "ensembles/method.h"
#include "models/dropout.h"

namespace ens {
namespace {

// Member i: the network in eval mode with its Dropout modules in training
// mode, the masks drawn from (seed, i).
StochasticPassEnsemble::Kind DropoutPasses() {
  return {"mc_dropout", "standard", [](Network& net) {
            for (const auto& module : net.modules(/*include_self=*/false)) {
              if (auto* dropout = dynamic_cast<DropoutImpl*>(module.get())) dropout->train(true);
            }
          }};
}

class McDropoutMethod : public Method {
 public:
  explicit McDropoutMethod(const Params& p) : weights_from_(p.String("weights_from")) {}

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override {
    return weights_from_.empty() ? context.epochs : 0;
  }
  bool MembersExchangeable() const override { return true; }  // i.i.d. dropout masks

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    auto needs_dropout = [](const Network& net) {
      return HasDropout(net) ? absl::OkStatus()
                             : absl::InvalidArgumentError("method 'mc_dropout' needs a model with dropout > 0 "
                                                          "(e.g. --model_args=dropout=0.2)");
    };
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net,
                         TrainOrLoadOneNetwork(context, "mc_dropout", weights_from_, needs_dropout));
    return std::unique_ptr<Ensemble>(new StochasticPassEnsemble(DropoutPasses(), CaptureState(*net), context.members,
                                                                DeriveSeed(context.seed, 1)));
  }

 private:
  std::string weights_from_;
};

ENS_REGISTER(MethodRegistry(), "mc_dropout",
             "MC dropout (Gal & Ghahramani 2016): one network; --members test passes with dropout on",
             ParamSchema().String("weights_from", "",
                                  "a finished run's --out_dir whose first member to use instead of training"),
             [](const Params& p) -> absl::StatusOr<std::unique_ptr<Method>> {
               return std::unique_ptr<Method>(new McDropoutMethod(p));
             });

ENS_REGISTER(EnsembleKindRegistry(), "mc_dropout", "one set of weights, dropout active at test time",
             ParamSchema(),
             [](const std::string& dir, const nlohmann::json& manifest) -> absl::StatusOr<std::unique_ptr<Ensemble>> {
               return LoadStochasticPasses(DropoutPasses(), dir, manifest);
             });

}  // namespace
}  // namespace ens
