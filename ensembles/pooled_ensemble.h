// An ensemble of finished runs' members: `combine` puts several runs
// together, `select` keeps a greedy choice from such a pool, `distill` asks
// its teacher through it. Each part is one run's ensemble (any method, any
// kind, plugins' too) with what its members need to predict as they did in
// their own run: the architecture (model, its parameters) and the
// normalisation statistics of the training split they were trained on. Its
// members predict through the part's own MemberLogProbs, in a MemberContext
// of their own architecture and normalisation (MemberContext::WithInputs);
// BatchNorm statistics that a part recomputes (SWAG, Laplace) come from this
// run's training split, normalised as the part's inputs are.
//
// Saved as members/ensemble.json (kind "pooled": the parts' settings, the
// members as (part, member) pairs, a selection's record) with each part's
// own members/ in members/part_XXX/, so the run stands alone.
#ifndef ENSEMBLES_ENSEMBLES_POOLED_ENSEMBLE_H_
#define ENSEMBLES_ENSEMBLES_POOLED_ENSEMBLE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "absl/status/statusor.h"
#include "engine/ensemble.h"
#include "engine/member_context.h"
#include "models/model.h"

namespace ens {

struct PoolPart {
  std::string run;     // the directory it was read from (a record; not read again)
  std::string method;  // how its members were trained
  std::string model, model_args;
  ModelSpec spec;
  std::vector<double> mean, std;  // its training split's normalisation
  std::shared_ptr<const Ensemble> ensemble;
};

// A member of the pooled ensemble: member `member` of part `part`.
struct PoolMember {
  int64_t part = 0;
  int64_t member = 0;
};

// Every member of every part, part after part.
std::vector<PoolMember> AllMembers(const std::vector<PoolPart>& parts);

class PooledEnsemble : public Ensemble {
 public:
  // `members` may name one member several times (a greedy selection with
  // replacement): it is predicted once per split. `record` (JSON, may be
  // null) is kept in the manifest: what chose the members.
  PooledEnsemble(std::vector<PoolPart> parts, std::vector<PoolMember> members, nlohmann::json record = nullptr);

  int64_t size() const override { return static_cast<int64_t>(members_.size()); }
  absl::StatusOr<torch::Tensor> MemberLogProbs(int64_t i, MemberContext& context) const override;
  absl::Status Save(const std::string& dir) const override;

  const std::vector<PoolPart>& parts() const { return parts_; }
  const std::vector<PoolMember>& members() const { return members_; }
  const nlohmann::json& record() const { return record_; }

  // The same ensemble with only the parts its members use.
  std::unique_ptr<PooledEnsemble> WithoutUnusedParts() const;

 private:
  std::vector<PoolPart> parts_;
  std::vector<PoolMember> members_;
  nlohmann::json record_;
  // Members named more than once: their log-probabilities on the last split
  // (its images tensor held, its version, the batch size), by (part, member).
  std::map<std::pair<int64_t, int64_t>, int> repeats_;
  mutable std::mutex mutex_;
  mutable std::map<std::pair<int64_t, int64_t>, torch::Tensor> kept_;
  mutable torch::Tensor kept_images_;
  mutable int64_t kept_version_ = -1;
  mutable int64_t kept_batch_size_ = -1;
};

}  // namespace ens

#endif  // ENSEMBLES_ENSEMBLES_POOLED_ENSEMBLE_H_
