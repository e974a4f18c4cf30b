// What the driver does once its flags are parsed: train and evaluate, or
// evaluate a finished run again (printing a schedule or a model:
// driver/inspect.h).
#ifndef ENSEMBLES_DRIVER_JOB_H_
#define ENSEMBLES_DRIVER_JOB_H_

#include "absl/status/status.h"
#include "engine/distributed.h"
#include "driver/run_config.h"

namespace ens {

// Trains --method, evaluates, writes --out_dir, prints the table. With
// `dist` (several processes): every rank must run the same flags; members
// (independent ones) or batches (everything else) are shared out, rank 0
// gathers the members and the evaluation's predictions and writes --out_dir;
// rank r keeps its checkpoints in --out_dir/rank_<r> until the job is done.
absl::Status RunTraining(const RunConfig& config, const Distributed* dist = nullptr);

// --eval_only: evaluates the members saved in --out_dir again.
absl::Status RunEvalOnly(const RunConfig& config);

}  // namespace ens

#endif  // ENSEMBLES_DRIVER_JOB_H_
