// Training progress: a live bar on a terminal, plain lines otherwise.
//
//   ProgressReporter progress(stderr, /*live=*/isatty(2));
//   progress.Plan(total_epochs);
//   progress.Iteration("member 1/5", done, total, loss, lr);   // redraws the bar
//   progress.EpochDone(record);                                // one line per epoch, with ETA
#ifndef ENSEMBLES_ENGINE_PROGRESS_H_
#define ENSEMBLES_ENGINE_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <string>

namespace ens {

// One epoch of one training run, as kept in results.json's history.
struct EpochRecord {
  int64_t member = 0;  // index of the run (0-based)
  std::string phase;   // e.g. "train", "pretrain"
  int64_t epoch = 0;   // 1-based within the run
  double lr = 0;       // at the epoch's last iteration
  double loss = 0;     // mean training loss
  double accuracy = 0; // training accuracy, percent
  double seconds = 0;
  double images_per_sec = 0;
  // Training FLOPs of the epoch: the forward pass's, counted on the run's
  // first step (engine/flops.h), per example x examples x 3 (the backward
  // pass as twice the forward). NaN: not counted (runs older than the count).
  double train_flops = NAN;
  // Trained by an earlier process and restored from a checkpoint (--resume):
  // its seconds count in the run's training time. Not saved.
  bool restored = false;
};

class ProgressReporter {
 public:
  ProgressReporter(std::FILE* out, bool live);

  // Total epochs the whole run will train (for the ETA); 0 = unknown.
  void Plan(int64_t total_epochs);
  // Epochs no longer ahead (nor timed): restored from a checkpoint, or
  // covered by another run's records (members trained together); negative:
  // planned again.
  void Skip(int64_t epochs);
  void Iteration(const std::string& label, int64_t done, int64_t total, double loss, double lr);
  void EpochDone(const std::string& label, const EpochRecord& record);
  void Message(const std::string& text);

 private:
  void ClearLine();

  std::FILE* out_;
  bool live_;
  bool line_dirty_ = false;
  int64_t planned_epochs_ = 0;
  int64_t finished_epochs_ = 0;
  double trained_seconds_ = 0;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace ens

#endif  // ENSEMBLES_ENGINE_PROGRESS_H_
