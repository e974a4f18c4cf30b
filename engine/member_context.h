// MemberContext: what an ensemble is given to predict its members on one
// split (Ensemble::MemberLogProbs). It holds the split, the batch maker
// (normalisation, device), the evaluation batch size, networks of the run's
// architecture by layer kind (built on first use, then reused member after
// member), and the recomputation of BatchNorm statistics from the training
// data. The evaluator, the driver's ranks and methods that tune on the
// validation split all predict through it, so an ensemble's way of predicting
// (weights into a network, views of the input, one pass for all members) is
// the ensemble's own.
//
//   MemberContext context(data.test, batches, /*batch_size=*/1000,
//                         NetworksOf(make_model, device), recompute_batchnorm);
//   ENS_ASSIGN_OR_RETURN(torch::Tensor log_probs, ensemble.MemberLogProbs(0, context));
#ifndef ENSEMBLES_ENGINE_MEMBER_CONTEXT_H_
#define ENSEMBLES_ENGINE_MEMBER_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <torch/types.h>

#include "absl/status/statusor.h"
#include "datasets/batches.h"
#include "datasets/dataset.h"
#include "models/model.h"

namespace ens {

// A network of the run's architecture whose Linear / Conv2d / BatchNorm
// layers `layers` makes, on the evaluation device.
using NetworkSource = std::function<absl::StatusOr<std::shared_ptr<Network>>(LayerFactory& layers)>;

// What the network sees of normalised inputs, rows [begin, end) of the split
// (an ensemble whose members are views of the input).
using InputView = std::function<torch::Tensor(const torch::Tensor& inputs, int64_t begin, int64_t end)>;

// Recomputes `net`'s BatchNorm statistics from the training data, its
// images normalised by `batches` (the context's: members of a finished run
// see the statistics they were trained with).
using BatchNormRecompute = std::function<absl::Status(Network& net, const BatchMaker& batches)>;

// The NetworkSource of a run: `make_model` with the given layers, moved to
// `device` (and to the NHWC layout with `channels_last`).
NetworkSource NetworksOf(ModelMaker make_model, torch::Device device, bool channels_last = false);

class MemberContext {
 public:
  // `recompute_batchnorm` may be empty when no training data is at hand; an
  // ensemble that needs it then gets an error.
  MemberContext(const Split& split, const BatchMaker& batches, int64_t batch_size, NetworkSource networks,
                BatchNormRecompute recompute_batchnorm = nullptr);

  const Split& split() const { return split_; }
  const BatchMaker& batches() const { return *batches_; }
  int64_t batch_size() const { return batch_size_; }

  // The network of `layer_kind`, built on the first call and the same one
  // after (its weights and modes are whatever the last member left).
  absl::StatusOr<Network*> NetworkOf(const std::string& layer_kind = "standard");

  // The network whose layers `layers` makes (a layer kind with parameters:
  // members packed side by side, fast weights, ...), built on the first call
  // under `key` and the same one after; `key` names the layers and their
  // parameters.
  absl::StatusOr<std::shared_ptr<Network>> NetworkWith(const std::string& key, LayerFactory& layers);

  // Recomputes `net`'s BatchNorm statistics from the training data (then
  // eval mode); FailedPrecondition when the context has no training data.
  absl::Status RecomputeBatchNorm(Network& net) const;

  // Log-probabilities [N, C] (float, CPU) of `net`, as it is set up now, on
  // the split, in batches of batch_size(); `view` (optional) replaces each
  // normalised batch of rows [begin, end) by what the network sees.
  torch::Tensor Predict(Network& net, const InputView& view = nullptr) const;

  // Log-probabilities [M, N, C] (float, CPU) of `members` members that come
  // out of one forward pass: `net` maps a batch of n inputs to the members'
  // logits member-major, [M * n, C] (member m's rows m * n .. m * n + n - 1).
  torch::Tensor PredictMembers(Network& net, int64_t members) const;

  // The same networks and BatchNorm data on another split (out-of-domain,
  // shifted, validation).
  MemberContext OnSplit(const Split& split) const;

  // The same split, batch size and BatchNorm data for members of another
  // architecture and normalisation (an ensemble of finished runs): networks
  // from `networks`, kept under `key` beside this context's, inputs
  // normalised by `batches`.
  MemberContext WithInputs(const std::string& key, NetworkSource networks,
                           std::shared_ptr<const BatchMaker> batches) const;

 private:
  const Split& split_;
  const BatchMaker* batches_;
  std::shared_ptr<const BatchMaker> owned_batches_;  // WithInputs' own normalisation
  std::string key_prefix_;                           // WithInputs' networks in built_
  int64_t batch_size_;
  // Shared so that contexts on other splits reuse the same networks.
  std::shared_ptr<std::map<std::string, std::shared_ptr<Network>>> built_;
  NetworkSource networks_;
  BatchNormRecompute recompute_batchnorm_;
};

// Log-probabilities [N, C] (float, CPU) of `net` as it is set up now.
torch::Tensor PredictLogProbs(Network& net, const Split& split, const BatchMaker& batches, int64_t batch_size,
                              const InputView& view = nullptr);

}  // namespace ens

#endif  // ENSEMBLES_ENGINE_MEMBER_CONTEXT_H_
