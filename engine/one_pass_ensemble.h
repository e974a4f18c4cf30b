// Ensembles whose members come out of one forward pass of one network
// (Packed-Ensembles, BatchEnsemble, MIMO, Masksembles): the network maps a
// batch of n inputs to every member's logits, member-major [M * n, C]. The
// first member asked for on a split runs that pass over the whole split and
// keeps the M members' log-probabilities; the others are served from them, so
// evaluating the ensemble costs one pass, as it does for its users. The kept
// predictions are those of the last split asked for (its very images tensor,
// unchanged since, at the same batch size).
//
//   class PackedEnsemble : public OnePassEnsemble {
//     absl::StatusOr<std::shared_ptr<Network>> Members(MemberContext& context) const override;
//   };
//
// Saved as members/ensemble.json (kind, member count, the method's settings,
// the weights' names) and member_000.pt (the one network's weights).
#ifndef ENSEMBLES_ENGINE_ONE_PASS_ENSEMBLE_H_
#define ENSEMBLES_ENGINE_ONE_PASS_ENSEMBLE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "absl/status/statusor.h"
#include "engine/ensemble.h"
#include "engine/member_context.h"
#include "models/model.h"

namespace ens {

class OnePassEnsemble : public Ensemble {
 public:
  // `kind`: the manifest's kind (its loader in EnsembleKindRegistry());
  // `weights`: the network's; `settings`: what Members needs to rebuild it.
  OnePassEnsemble(std::string kind, int64_t members, StateDict weights, nlohmann::json settings)
      : kind_(std::move(kind)), members_(members), weights_(std::move(weights)), settings_(std::move(settings)) {}

  int64_t size() const override { return members_; }
  absl::StatusOr<torch::Tensor> MemberLogProbs(int64_t i, MemberContext& context) const override;
  absl::Status Save(const std::string& dir) const override;

  const StateDict& weights() const { return weights_; }
  const nlohmann::json& settings() const { return settings_; }

 protected:
  // The network of all members on the context's device, weights() loaded, in
  // eval mode: forward maps [n, ...] to member-major logits [M * n, C].
  virtual absl::StatusOr<std::shared_ptr<Network>> Members(MemberContext& context) const = 0;

  // The context's network of `layers` (built once under `key`), weights()
  // loaded, in eval mode: what Members wraps.
  absl::StatusOr<std::shared_ptr<Network>> Loaded(MemberContext& context, const std::string& key,
                                                  LayerFactory& layers) const;

 private:
  std::string kind_;
  int64_t members_;
  StateDict weights_;
  nlohmann::json settings_;
  // The last split's members [M, N, C] and what they were computed from:
  // the split's images (held, so their memory cannot come back as another
  // split's), their version (in-place changes) and the batch size.
  mutable std::mutex mutex_;
  mutable torch::Tensor last_;
  mutable torch::Tensor last_images_;
  mutable int64_t last_version_ = -1;
  mutable int64_t last_batch_size_ = -1;
};

// What OnePassEnsemble::Save wrote: the member count, settings and weights
// (for a kind's loader).
struct OnePassParts {
  int64_t members = 0;
  StateDict weights;
  nlohmann::json settings;
};
absl::StatusOr<OnePassParts> LoadOnePassParts(const std::string& members_dir, const nlohmann::json& manifest);

// `x` as `times` whole copies one after another along `dim`: the batch once
// per member (dim 0, member-major) or an image in every member's input slot.
torch::Tensor RepeatAlong(const torch::Tensor& x, int64_t dim, int64_t times);

}  // namespace ens

#endif  // ENSEMBLES_ENGINE_ONE_PASS_ENSEMBLE_H_
