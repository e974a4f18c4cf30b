// Ensemble: what a method returns, what the evaluator streams.
//
// Members are stored weights (deep ensembles, snapshots, FGE) or draws from
// a posterior (MC dropout, ...), reproducible from (seed, member index).
// PrepareMember puts one member into a network of the run's architecture.
#ifndef ENSEMBLES_CORE_ENSEMBLE_H_
#define ENSEMBLES_CORE_ENSEMBLE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/module.h>
#include <torch/types.h>

#include "absl/status/statusor.h"
#include "core/registry.h"
#include "models/model.h"

namespace ens {

// Parameters and buffers of a network, by name, detached copies.
using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

StateDict CaptureState(const torch::nn::Module& net);
// Copies `state` into `net`; names and shapes must match.
absl::Status LoadState(torch::nn::Module& net, const StateDict& state);

class Ensemble {
 public:
  virtual ~Ensemble() = default;
  virtual int64_t size() const = 0;
  // Loads member `i` into `net` and sets its train/eval modes (and, for
  // samplers, seeds the draw from (seed, i)).
  virtual absl::Status PrepareMember(int64_t i, Network& net) const = 0;
  // Writes members/ under `dir`: ensemble.json plus weight files.
  virtual absl::Status Save(const std::string& dir) const = 0;
  // True when every member's BatchNorm statistics must be recomputed from
  // the training data after PrepareMember (sampled weights: SWAG, Laplace).
  virtual bool NeedsBatchNormUpdate() const { return false; }
  // How members combine. Empty (the default): the mean of their
  // probabilities. Otherwise member i's log-probabilities are multiplied by
  // weight i, summed and renormalised, which equals the softmax of the
  // weighted sum of logits (per-row constants cancel): boosting.
  virtual std::vector<double> LogitWeights() const { return {}; }
  // The layer kind (LayerKindRegistry) of the network members load into.
  virtual std::string LayerKind() const { return "standard"; }
};

// Members as stored weights, evaluated in eval mode; optionally combined by
// weighted logits (see Ensemble::LogitWeights).
class StoredEnsemble : public Ensemble {
 public:
  explicit StoredEnsemble(std::vector<StateDict> members, std::vector<double> logit_weights = {})
      : members_(std::move(members)), logit_weights_(std::move(logit_weights)) {}
  int64_t size() const override { return static_cast<int64_t>(members_.size()); }
  absl::Status PrepareMember(int64_t i, Network& net) const override;
  absl::Status Save(const std::string& dir) const override;
  std::vector<double> LogitWeights() const override { return logit_weights_; }

 private:
  std::vector<StateDict> members_;
  std::vector<double> logit_weights_;
};

// One set of weights; member i is a forward pass with some modules left
// stochastic (BatchNorm in eval mode) under the random stream (seed, i): MC
// dropout (Dropout modules), variational inference (variational layers).
class StochasticPassEnsemble : public Ensemble {
 public:
  struct Kind {
    std::string name;                               // the manifest's "kind"
    std::string layer_kind = "standard";            // see Ensemble::LayerKind
    std::function<void(Network&)> make_stochastic;  // called after net.eval()
  };
  StochasticPassEnsemble(Kind kind, StateDict weights, int64_t samples, uint64_t seed)
      : kind_(std::move(kind)), weights_(std::move(weights)), samples_(samples), seed_(seed) {}
  int64_t size() const override { return samples_; }
  absl::Status PrepareMember(int64_t i, Network& net) const override;
  absl::Status Save(const std::string& dir) const override;
  std::string LayerKind() const override { return kind_.layer_kind; }

 private:
  Kind kind_;
  StateDict weights_;
  int64_t samples_;
  uint64_t seed_;
};

// MC dropout: Dropout modules in training mode.
StochasticPassEnsemble::Kind DropoutPasses();

// The loader of a StochasticPassEnsemble kind (for EnsembleKindRegistry).
absl::StatusOr<std::unique_ptr<Ensemble>> LoadStochasticPasses(const StochasticPassEnsemble::Kind& kind,
                                                                const std::string& members_dir,
                                                                const nlohmann::json& manifest);

// Reads what Save wrote (members/ensemble.json and the weight files): the
// manifest's "kind" selects a loader from EnsembleKindRegistry().
absl::StatusOr<std::unique_ptr<Ensemble>> LoadEnsemble(const std::string& members_dir);

// Loaders by manifest kind ("stored", "mc_dropout", "swag", ...), so that a
// method in a plugin can bring its own kind of ensemble.
using EnsembleLoader = std::function<absl::StatusOr<std::unique_ptr<Ensemble>>(const std::string& members_dir,
                                                                               const nlohmann::json& manifest)>;
Registry<EnsembleLoader>& EnsembleKindRegistry();

// A well-mixed 64-bit seed for stream `index` of `seed` (members, samples).
uint64_t DeriveSeed(uint64_t seed, uint64_t index);

}  // namespace ens

#endif  // ENSEMBLES_CORE_ENSEMBLE_H_
