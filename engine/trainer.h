// The one training loop. Methods compose Trainer runs and hook in through
// callbacks (after each iteration and epoch), the loss, and a batch hook
// (the shape of each batch); they never copy the loop.
//
//   Trainer trainer(net, data, options);
//   ENS_RETURN_IF_ERROR(trainer.Run(*schedule, epochs, {&snapshot_callback}, "train"));
//
// Each call to Run is a phase: the schedule sees iterations 1..T of that
// phase; the optimizer (and its momentum buffers) carries over between calls.
// A run is: resume (from its checkpoint, if any), then epochs, each a
// sequence of steps and an epoch end (history, callbacks, checkpoint).
#ifndef ENSEMBLES_ENGINE_TRAINER_H_
#define ENSEMBLES_ENGINE_TRAINER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <torch/optim/sgd.h>
#include <torch/types.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/checkpoint.h"
#include "engine/distributed.h"
#include "engine/gradient_exchange.h"
#include "engine/progress.h"
#include "datasets/batches.h"
#include "datasets/dataset.h"
#include "models/model.h"
#include "schedulers/schedule.h"

namespace ens {

struct OptimizerSettings {
  double momentum = 0.9;
  bool nesterov = false;
  double weight_decay = 5e-4;
};

// Parameters trained with their own learning-rate factor (times the
// schedule's rate) and weight decay: BatchEnsemble's fast weights.
struct ParameterGroup {
  std::vector<torch::Tensor> parameters;
  double lr_factor = 1.0;
  double weight_decay = 0.0;
};

struct IterationInfo {
  int64_t iteration = 0;  // 1-based within the phase
  int64_t total = 0;      // iterations in the phase
  int64_t epoch = 0;      // 1-based within the phase
  double lr = 0;
};

// One training batch as the step sees it.
struct TrainingBatch {
  torch::Tensor inputs;   // normalised and augmented, on the device
  torch::Tensor targets;  // class indices
  torch::Tensor index;    // the examples' rows in the training split
};

// A method's say over each training batch: reshape it before the forward
// pass (tile the inputs M times and repeat the targets, stack M inputs on
// the channels, ...) and count its correct predictions. The loss
// (TrainerOptions::loss) sees the reshaped batch.
class BatchHook {
 public:
  virtual ~BatchHook() = default;
  virtual void Reshape(TrainingBatch& batch, int64_t iteration) const {}
  // Correctly classified examples among those the batch came in with (the
  // epoch's accuracy is their sum over the examples seen); the default: rows
  // whose largest logit is their target.
  virtual torch::Tensor Correct(const torch::Tensor& logits, const TrainingBatch& batch) const;
};

class TrainerCallback {
 public:
  virtual ~TrainerCallback() = default;
  virtual void OnIterationEnd(const IterationInfo& info, Network& net) {}
  virtual void OnEpochEnd(const EpochRecord& record, Network& net) {}
  // For resumable runs: the state the callback carries from one epoch to the
  // next (collected weights, generators), saved with every checkpoint, and
  // given back on resume (`net` has the run's architecture, for names).
  virtual std::vector<torch::Tensor> SaveState() const { return {}; }
  virtual absl::Status RestoreState(const std::vector<torch::Tensor>& state, const Network& net) {
    return absl::OkStatus();
  }
};

struct TrainerOptions {
  torch::Device device = torch::kCPU;
  int64_t batch_size = 128;
  OptimizerSettings optimizer;
  uint64_t data_seed = 0;  // the order in which examples are visited
  int64_t member = 0;      // for history and progress
  std::string label;       // e.g. "member 2/5"
  ProgressReporter* progress = nullptr;
  std::vector<EpochRecord>* history = nullptr;
  // The loss of one batch; empty: cross-entropy. `index` holds the batch's
  // rows in the training split, for losses with per-example targets
  // (boosting's residuals); `iteration` is 1-based within the phase.
  std::function<torch::Tensor(const torch::Tensor& logits, const torch::Tensor& targets, const torch::Tensor& index,
                              int64_t iteration)>
      loss;
  // Groups of the network's parameters with their own settings (the others
  // keep `optimizer`'s and the schedule's rate); empty: none.
  std::function<std::vector<ParameterGroup>(Network& net)> parameter_groups;
  // Reshapes batches and counts their correct predictions; null: as they come.
  std::shared_ptr<const BatchHook> batch_hook;
  // Saves every epoch and resumes runs that have a checkpoint (see
  // engine/checkpoint.h); null: no checkpoints.
  Checkpointer* checkpointer = nullptr;
  // NHWC network and batches (see ToChannelsLast).
  bool channels_last = false;
  // bf16 autocast for the forward pass and the loss (core/autocast.h).
  bool bf16_autocast = false;
  // Members trained together (models/batched.h): member k's data order comes
  // from seed k, as it would alone; each batch holds the members' batches one
  // after the other, and the loss is the sum of the members' losses. The
  // epoch record's loss and accuracy are over all members' examples. Empty:
  // one network, its order from data_seed.
  std::vector<uint64_t> member_data_seeds;
  // Data-parallel training over these processes: every rank visits the same
  // batches in the same order and trains on its part of each
  // (DataParallelRows); gradients are summed over ranks, weighted so that
  // they equal the whole batch's; BatchNorm normalises with each rank's own
  // batch statistics and keeps rank 0's running statistics, as PyTorch's
  // DistributedDataParallel. Null: this process alone.
  const Distributed* data_parallel = nullptr;
};

class TrainingBatches;

class Trainer {
 public:
  Trainer(std::shared_ptr<Network> net, const Dataset& data, TrainerOptions options);
  ~Trainer();

  // Trains for `epochs` epochs, the learning rate set from `schedule` before
  // every iteration. A non-finite loss stops with an error naming the member,
  // epoch and iteration. With a checkpointer, a run that has a checkpoint
  // continues after its last saved epoch (callbacks' states restored).
  absl::Status Run(const Schedule& schedule, int64_t epochs, const std::vector<TrainerCallback*>& callbacks,
                   const std::string& phase);

  int64_t iterations_per_epoch() const { return iterations_per_epoch_; }
  Network& net() { return *net_; }
  const BatchMaker& batches() const { return batches_; }

 private:
  // What one step adds to its epoch: the batch's mean loss (over every
  // rank's rows) and correct predictions.
  struct StepResult {
    double loss = 0;
    torch::Tensor correct;
  };

  // Continues run `run` from its checkpoint, if it has one (network,
  // optimizer, generators, callbacks' states, history); the progress so far.
  absl::StatusOr<RunCheckpoint> Resume(std::optional<int64_t> run, int64_t epochs,
                                       const std::vector<TrainerCallback*>& callbacks, const std::string& phase);
  // Puts a run back where its checkpoint left it (besides the network and
  // optimizer, which the checkpointer restores).
  absl::Status Restore(const RunCheckpoint& saved, int64_t epochs, const std::vector<TrainerCallback*>& callbacks,
                       const std::string& phase, const std::string& file);
  // One epoch of the phase; `iteration` counts on.
  absl::StatusOr<EpochRecord> Epoch(const Schedule& schedule, int64_t epoch, int64_t total, int64_t& iteration,
                                    const std::vector<TrainerCallback*>& callbacks, const std::string& phase);
  // One SGD step on the examples `rows` (split indices; member-major when
  // members train together) at learning rate `lr`.
  absl::StatusOr<StepResult> Step(const torch::Tensor& rows, int64_t iteration, double lr);
  // The network's forward pass on `inputs`, made from `rows` examples; the
  // first one of this Trainer is counted (forward_flops_per_row_).
  torch::Tensor Forward(const torch::Tensor& inputs, int64_t rows);
  // The epoch's record into the history, progress, callbacks, checkpoint.
  absl::Status EndEpoch(const EpochRecord& record, int64_t epoch, std::optional<int64_t> run,
                        RunCheckpoint& progress_so_far, const std::vector<TrainerCallback*>& callbacks);

  std::shared_ptr<Network> net_;
  const Dataset& data_;
  TrainerOptions options_;
  BatchMaker batches_;
  std::unique_ptr<TrainingBatches> source_;  // the training split's images
  torch::Tensor labels_;                     // the training split's, on the device
  int64_t iterations_per_epoch_;
  int64_t epochs_done_ = 0;
  std::vector<std::mt19937_64> order_rngs_;  // one per member trained together
  std::unique_ptr<torch::optim::SGD> optimizer_;
  std::vector<double> lr_factors_;  // per optimizer parameter group
  // FLOPs of the forward pass per training example, measured on the first
  // step (the batch hook's reshaping included); -1 until then, NaN when it
  // could not be counted.
  double forward_flops_per_row_ = -1;
  GradientExchange exchange_;  // data-parallel runs' communication
};

// Whether `status` is a "training diverged" error (a non-finite loss: the
// Trainer's, or a method's about all its members), which methods of
// independent members may skip. The mark is a payload, not the message.
bool IsDivergence(const absl::Status& status);

// An Internal error with `message`, marked as a divergence.
absl::Status DivergenceError(const std::string& message);

// Iterations in one epoch of `examples` at `batch_size` (a last batch of one
// example is dropped: BatchNorm cannot train on it).
int64_t IterationsPerEpoch(int64_t examples, int64_t batch_size);

// Recomputes every BatchNorm's running statistics with one pass over the
// training data (cumulative average, as SWA's bn_update), then sets eval mode.
// Streamed splits are read in order from their files.
absl::Status RecomputeBatchNorm(Network& net, const Dataset& data, const BatchMaker& batches, int64_t batch_size);

}  // namespace ens

#endif  // ENSEMBLES_ENGINE_TRAINER_H_
