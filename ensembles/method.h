// Methods: how an ensemble is trained. A method composes Trainer runs (and
// callbacks) and returns an Ensemble; it never copies the training loop.
//
//   ENS_REGISTER(MethodRegistry(), "deep_ensemble", "K independently trained networks",
//                ParamSchema(), [](const Params& p) { return MakeDeepEnsemble(p); });
#ifndef ENSEMBLES_ENSEMBLES_METHOD_H_
#define ENSEMBLES_ENSEMBLES_METHOD_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "absl/status/statusor.h"
#include "engine/distributed.h"
#include "engine/ensemble.h"
#include "engine/progress.h"
#include "core/registry.h"
#include "engine/trainer.h"
#include "datasets/dataset.h"
#include "models/model.h"
#include "schedulers/schedule.h"

namespace ens {

// Everything a method needs to train, built by the driver from its flags.
struct TrainContext {
  const Dataset* data = nullptr;
  torch::Device device = torch::kCPU;
  uint64_t seed = 0;
  int64_t members = 5;     // ensemble size (members, snapshots, samples)
  int64_t epochs = 10;     // the budget of one training run (see each method)
  int64_t batch_size = 128;
  double lr = 0.05;        // --lr: the default initial rate of every schedule
  OptimizerSettings optimizer;
  // A freshly initialised network (from LibTorch's current seed) of the
  // run's architecture, its Linear / Conv2d layers made by `layers`.
  ModelMaker make_model;
  // --schedule / --schedule_args for methods that take the user's schedule;
  // empty name = the method's default.
  std::string schedule;
  std::string schedule_args;
  ProgressReporter* progress = nullptr;
  std::vector<EpochRecord>* history = nullptr;
  Checkpointer* checkpointer = nullptr;  // resumable runs (the driver's)
  // --on_divergence=skip_member: methods of independent members drop a
  // member whose loss turns non-finite (the others still train); otherwise
  // divergence stops the job.
  bool skip_diverged_members = false;
  bool channels_last = false;  // --channels_last
  bool bf16_autocast = false;  // --autocast=bf16
  // --members_together: TrainIndependentMembers trains this many members at
  // once as one BatchedNetwork (models/batched.h).
  int64_t members_together = 1;
  // Several processes (engine/distributed.h), or null. Trainer runs are then
  // data-parallel over them, except in TrainIndependentMembers, which spreads
  // the members instead and records here which rank holds each one.
  const Distributed* distributed = nullptr;
  std::vector<int>* member_ranks = nullptr;

  int64_t iterations_per_epoch() const;
  // A new network initialised from `seed`, on the device.
  absl::StatusOr<std::shared_ptr<Network>> NewModel(uint64_t seed, LayerFactory& layers = StandardLayers()) const;
  // Trainer options for run `member` (data order from `data_seed`).
  TrainerOptions TrainerOptionsFor(int64_t member, uint64_t data_seed, const std::string& label) const;
  // The user's schedule over `epochs`, or `default_name` with `default_args`.
  absl::StatusOr<std::unique_ptr<Schedule>> UserSchedule(const std::string& default_name,
                                                         const std::string& default_args, int64_t epochs) const;
  // A named schedule over `epochs`.
  absl::StatusOr<std::unique_ptr<Schedule>> NamedSchedule(const std::string& name, const std::string& args,
                                                          int64_t epochs) const;
};

class Method {
 public:
  virtual ~Method() = default;
  virtual absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) = 0;
  // Epochs the whole method will train (progress ETA); checks the budget.
  virtual absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const = 0;
  // The size of the ensemble Train returns (fewer where diverged members are
  // skipped), known from the flags alone: --eval_sizes is checked against it
  // before any work. Reads no data.
  virtual int64_t PlannedMembers(const TrainContext& context) const { return context.members; }
  // Whether --schedule applies (false for methods that fix their schedule).
  virtual bool TakesUserSchedule() const { return true; }
  // Whether --model builds this method's networks (false for methods that
  // pool finished runs' members, each run with its own architecture).
  virtual bool UsesModelFlag() const { return true; }
  // Whether the method trains its members as independent networks on the same
  // data, so that --members_together may batch them.
  virtual bool TrainsMembersTogether() const { return false; }
  // Whether the ensemble's members are networks trained independently on the
  // same data, as a deep ensemble's (results.json records it as
  // independent_members_on_shared_data, what a --dee_reference run must
  // have): those the method trains, or (combine) finished runs' of one recipe.
  virtual bool IndependentMembersOnSharedData() const { return TrainsMembersTogether(); }
  // Whether the members are exchangeable (independently trained, or i.i.d.
  // draws), so that a curve over ensemble sizes may average over their
  // orders (--eval_orders); false for members that come in a sequence
  // (snapshots, cycles, a chain's samples, boosting's stages).
  virtual bool MembersExchangeable() const { return false; }
  // Why not, for --eval_orders' refusal (asked only when MembersExchangeable
  // is false).
  virtual std::string WhyMembersNotExchangeable() const {
    return "made in a sequence: the curve over sizes follows their order";
  }
};

using MethodFactory = std::function<absl::StatusOr<std::unique_ptr<Method>>(const Params& params)>;

Registry<MethodFactory>& MethodRegistry();

absl::StatusOr<std::unique_ptr<Method>> MakeMethod(absl::string_view name, absl::string_view args);

// The registered methods (with default parameters) that have `capability`,
// by name: what help texts and errors list instead of naming methods.
std::vector<std::string> MethodsThat(const std::function<bool(const Method&)>& capability);

// Records the weights at chosen iterations of a run.
class CollectAtIterations : public TrainerCallback {
 public:
  explicit CollectAtIterations(std::function<bool(int64_t iteration)> when) : when_(std::move(when)) {}
  void OnIterationEnd(const IterationInfo& info, Network& net) override {
    if (when_(info.iteration)) collected_.push_back(CaptureState(net));
  }
  std::vector<torch::Tensor> SaveState() const override {
    std::vector<torch::Tensor> state;
    AppendStateList(collected_, state);
    return state;
  }
  absl::Status RestoreState(const std::vector<torch::Tensor>& state, const Network& net) override;
  std::vector<StateDict>& collected() { return collected_; }

 private:
  std::function<bool(int64_t)> when_;
  std::vector<StateDict> collected_;
};

// Trains independent networks (fresh init and data order per member) and
// keeps their final weights: the deep ensemble and its relatives.
// `member_data`, if given, supplies member m's own training data (bagging's
// bootstrap samples) from the member's seed. Honours
// context.skip_diverged_members (an error only if every member diverges).
// Members train context.members_together at a time as one batched network
// (same initialisation and data order as alone; `member_data` needs 1); a
// group that diverges is retrained one member at a time.
// With context.distributed (W processes), rank r trains members r, r + W, ...
// and sends them, with their history, to rank 0, which returns them all in
// order; another rank returns the same list with only its own members filled
// in (the others empty), and *context.member_ranks says who holds which.
using MemberData = std::function<absl::StatusOr<Dataset>(int64_t member, uint64_t member_seed)>;
absl::StatusOr<std::vector<StateDict>> TrainIndependentMembers(
    const TrainContext& context, int64_t count, int64_t epochs,
    const std::function<absl::StatusOr<std::unique_ptr<Schedule>>()>& make_schedule,
    const MemberData& member_data = nullptr);

// The one network of methods that work on a trained model (mc_dropout,
// kfac_laplace): trained from stream (seed, 0) with the user's schedule
// (default: step) for --epochs, exactly as `single` trains it; or, when
// `weights_from` names an earlier run's --out_dir, that run's first member
// (no training). `check` (optional) vets the architecture before any work.
absl::StatusOr<std::shared_ptr<Network>> TrainOrLoadOneNetwork(
    const TrainContext& context, const std::string& method, const std::string& weights_from,
    const std::function<absl::Status(const Network&)>& check = nullptr);

// Members that come out of one forward pass (engine/one_pass_ensemble.h):
// how they learn from a batch.
struct OnePassTraining {
  int64_t members = 1;
  // The loss is the members' cross-entropies summed (each member's own
  // weights get the gradient of its own mean loss, as trained alone) or
  // averaged (weights shared by every member get the mean gradient).
  bool sum_over_members = false;
  // Reshapes each batch; null: MembersInOnePass (inputs as they come,
  // targets repeated per member).
  std::shared_ptr<const BatchHook> batch_hook;
  // Parameters with their own learning-rate factor and weight decay.
  std::function<std::vector<ParameterGroup>(Network& net)> parameter_groups;
};

// The batch hook of one-pass members: the network sees the batch as it comes
// and returns M * n rows of logits, member-major; the targets are repeated
// per member. The epoch's accuracy is the members' mean accuracy.
class MembersInOnePass : public BatchHook {
 public:
  explicit MembersInOnePass(int64_t members) : members_(members) {}
  void Reshape(TrainingBatch& batch, int64_t iteration) const override;
  torch::Tensor Correct(const torch::Tensor& logits, const TrainingBatch& batch) const override;
  int64_t members() const { return members_; }

 private:
  int64_t members_;
};

// Trains `net` (its forward: a batch of n inputs -> M * n rows of logits,
// member-major) for --epochs with the user's schedule (default: step), its
// data order from stream (seed, 0), as `single` trains one network.
absl::Status TrainOnePass(const TrainContext& context, const std::shared_ptr<Network>& net,
                          const OnePassTraining& how, const std::string& label);

}  // namespace ens

#endif  // ENSEMBLES_ENSEMBLES_METHOD_H_
