// Resumable training. Every Trainer::Run call of a job is a numbered "run"
// (methods are deterministic given their seed, so the k-th Run of a resumed
// job is the k-th Run of the interrupted one). At each epoch end the Trainer
// saves the run's whole state as one file, written atomically:
//   run_0003.ckpt: the network (parameters + buffers), the optimizer
//   (momentum buffers), the data-order generator, LibTorch's default
//   generators (dropout, augmentation), the callbacks' states (collected
//   members, SWAG moments, Langevin noise streams) and the run's history.
// On resume, a finished run is restored without training and an interrupted
// one continues after its last saved epoch; on CPU the job then ends with the
// same members and metrics as an uninterrupted one.
#ifndef ENSEMBLES_ENGINE_CHECKPOINT_H_
#define ENSEMBLES_ENGINE_CHECKPOINT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "engine/ensemble.h"
#include "engine/progress.h"
#include "models/model.h"

namespace ens {

// What a run keeps besides the network and optimizer.
struct RunCheckpoint {
  int64_t epochs_done = 0;     // epochs of this Run call finished
  int64_t trainer_epochs = 0;  // the Trainer's epoch counter (over all its Run calls)
  std::string order_rng;       // the data-order generator, as text
  std::vector<EpochRecord> history;                   // this run's epochs
  std::vector<std::vector<torch::Tensor>> callbacks;  // each callback's SaveState()
};

class Checkpointer {
 public:
  // `dir`: where the run files live (created by the driver).
  explicit Checkpointer(std::string dir) : dir_(std::move(dir)) {}

  // The number of the next Run call.
  int64_t NextRun() { return next_run_++; }

  // Saves run `run` after an epoch; `device` is the training device (its
  // default generator is saved too).
  absl::Status Save(int64_t run, const RunCheckpoint& checkpoint, const Network& net,
                    torch::optim::Optimizer& optimizer, torch::Device device) const;

  // Restores the network, optimizer and generators of run `run` and returns
  // the rest; nullopt when the run has no checkpoint (it never started).
  absl::StatusOr<std::optional<RunCheckpoint>> Load(int64_t run, Network& net, torch::optim::Optimizer& optimizer,
                                                    torch::Device device) const;

  std::string RunFile(int64_t run) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  int64_t next_run_ = 0;
};

// One epoch of a run's history as JSON (checkpoints, results.json; a
// non-finite loss as null) and back (null loss: NaN).
nlohmann::json EpochRecordToJson(const EpochRecord& record);
EpochRecord EpochRecordFromJson(const nlohmann::json& json);

// A list of state dicts (collected members) as flat tensors: [count, then the
// tensors of each], and back (names from `net`, whose state they share).
void AppendStateList(const std::vector<StateDict>& states, std::vector<torch::Tensor>& out);
absl::StatusOr<std::vector<StateDict>> ReadStateList(const std::vector<torch::Tensor>& in, size_t& offset,
                                                     const Network& net);

}  // namespace ens

#endif  // ENSEMBLES_ENGINE_CHECKPOINT_H_
