// Ensemble: what a method returns, what the evaluator streams.
//
// An ensemble predicts its own members (MemberLogProbs, given a
// MemberContext: the split, batches, networks of the run's architecture) and
// says how they combine (Combination). Most members are weights in a network
// of the run's architecture: stored weights (deep ensembles, snapshots, FGE)
// or draws from a posterior (MC dropout, SWAG, ...), reproducible from
// (seed, member index); those ensembles derive from NetworkEnsemble and only
// say how member i goes into the network. Others (views of the input, all
// members out of one forward pass) implement MemberLogProbs themselves.
#ifndef ENSEMBLES_ENGINE_ENSEMBLE_H_
#define ENSEMBLES_ENGINE_ENSEMBLE_H_

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
#include "engine/combination.h"
#include "engine/member_context.h"
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
  // Member `i`'s log-probabilities [N, C] (float, CPU) on context.split().
  // Deterministic: the same call gives the same numbers (samplers draw from
  // (seed, i)).
  virtual absl::StatusOr<torch::Tensor> MemberLogProbs(int64_t i, MemberContext& context) const = 0;
  // How the members combine (default: the mean of their probabilities).
  virtual Combination combination() const { return Combination::MeanOfProbabilities(); }
  // Writes members/ under `dir`: ensemble.json plus weight files.
  virtual absl::Status Save(const std::string& dir) const = 0;
};

// The usual case: member i is weights put into a network of the run's
// architecture, which then runs forward on the split.
class NetworkEnsemble : public Ensemble {
 public:
  struct Layout {
    // The layer kind (LayerKindRegistry) of the network members load into.
    std::string layer_kind = "standard";
    // Whether every member's BatchNorm statistics are recomputed from the
    // training data after PrepareMember (sampled weights: SWAG, Laplace).
    bool recompute_batchnorm = false;
  };
  NetworkEnsemble() = default;
  explicit NetworkEnsemble(Layout layout) : layout_(std::move(layout)) {}
  const Layout& layout() const { return layout_; }

  // Loads member `i` into `net` (a network of layout().layer_kind) and sets
  // its train/eval modes (and, for samplers, seeds the draw from (seed, i)).
  virtual absl::Status PrepareMember(int64_t i, Network& net) const = 0;

  // PrepareMember into the context's network, BatchNorm recomputed where the
  // layout says, forward on the split.
  absl::StatusOr<torch::Tensor> MemberLogProbs(int64_t i, MemberContext& context) const override;

 private:
  Layout layout_;
};

// Members as stored weights, evaluated in eval mode; optionally combined by
// weighted logits (boosting).
class StoredEnsemble : public NetworkEnsemble {
 public:
  explicit StoredEnsemble(std::vector<StateDict> members, std::vector<double> logit_weights = {})
      : members_(std::move(members)), logit_weights_(std::move(logit_weights)) {}
  int64_t size() const override { return static_cast<int64_t>(members_.size()); }
  absl::Status PrepareMember(int64_t i, Network& net) const override;
  absl::Status Save(const std::string& dir) const override;
  Combination combination() const override {
    return logit_weights_.empty() ? Combination::MeanOfProbabilities() : Combination::WeightedLogits(logit_weights_);
  }

 private:
  std::vector<StateDict> members_;
  std::vector<double> logit_weights_;
};

// One set of weights; member i is a forward pass with some modules left
// stochastic (BatchNorm in eval mode) under the random stream (seed, i): MC
// dropout (Dropout modules), variational inference (variational layers).
class StochasticPassEnsemble : public NetworkEnsemble {
 public:
  struct Kind {
    std::string name;                               // the manifest's "kind"
    std::string layer_kind = "standard";            // see NetworkEnsemble::Layout
    std::function<void(Network&)> make_stochastic;  // called after net.eval()
  };
  StochasticPassEnsemble(Kind kind, StateDict weights, int64_t samples, uint64_t seed)
      : NetworkEnsemble({kind.layer_kind}),
        kind_(std::move(kind)),
        weights_(std::move(weights)),
        samples_(samples),
        seed_(seed) {}
  int64_t size() const override { return samples_; }
  absl::Status PrepareMember(int64_t i, Network& net) const override;
  absl::Status Save(const std::string& dir) const override;

 private:
  Kind kind_;
  StateDict weights_;
  int64_t samples_;
  uint64_t seed_;
};

// The loader of a StochasticPassEnsemble kind (for EnsembleKindRegistry).
absl::StatusOr<std::unique_ptr<Ensemble>> LoadStochasticPasses(const StochasticPassEnsemble::Kind& kind,
                                                                const std::string& members_dir,
                                                                const nlohmann::json& manifest);

// Reads what Save wrote (members/ensemble.json and the weight files): the
// manifest's "kind" selects a loader from EnsembleKindRegistry().
absl::StatusOr<std::unique_ptr<Ensemble>> LoadEnsemble(const std::string& members_dir);

// Loaders by manifest kind ("stored" here, the others beside their methods),
// so that a method in a plugin can bring its own kind of ensemble.
using EnsembleLoader = std::function<absl::StatusOr<std::unique_ptr<Ensemble>>(const std::string& members_dir,
                                                                               const nlohmann::json& manifest)>;
Registry<EnsembleLoader>& EnsembleKindRegistry();

// A well-mixed 64-bit seed for stream `index` of `seed` (members, samples).
uint64_t DeriveSeed(uint64_t seed, uint64_t index);

}  // namespace ens

#endif  // ENSEMBLES_ENGINE_ENSEMBLE_H_
