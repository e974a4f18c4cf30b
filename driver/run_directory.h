// The run directory (--out_dir) across a run's life: new, interrupted
// (checkpoints/ without results.json) or finished (results.json). A finished
// run is never replaced without --overwrite, an interrupted one is continued
// with --resume only under the flags it started with, and problems with the
// directory (not writable, disk too full) are reported before any training.
#ifndef ENSEMBLES_DRIVER_RUN_DIRECTORY_H_
#define ENSEMBLES_DRIVER_RUN_DIRECTORY_H_

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"

namespace ens {

std::string CheckpointDir(const std::string& out_dir);

// Makes `out_dir` ready for a training job: refuses a finished or interrupted
// run unless `overwrite` (which removes the run's outputs) or, for an
// interrupted one, `resume`; on resume, `identity` (what defines the
// training: method, model, data, budget, seed, ...) must equal the one the
// run started with (checkpoints/job.json), else the error names the first
// difference. Creates members/ and checkpoints/ and records `identity`.
absl::Status PrepareRunDirectory(const std::string& out_dir, bool resume, bool overwrite,
                                 const nlohmann::json& identity);

// The first key whose value differs between two identities, as
// "key is X <where_here> but Y <where_other>"; empty when they are equal.
std::string FirstDifference(const nlohmann::json& here, const nlohmann::json& other, const std::string& where_here,
                            const std::string& where_other);

// Fails when the file system of `out_dir` has less than `bytes` free.
absl::Status CheckFreeSpace(const std::string& out_dir, uint64_t bytes, const std::string& what);

// After results.json is written: checkpoints/ is no longer needed.
absl::Status RemoveCheckpoints(const std::string& out_dir);

// A rank's own state directory (distributed runs), once the job is done.
absl::Status RemoveDirectory(const std::string& dir);

}  // namespace ens

#endif  // ENSEMBLES_DRIVER_RUN_DIRECTORY_H_
