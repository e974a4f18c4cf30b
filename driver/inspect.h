// What the driver prints without training: a schedule (--print_lr) and an
// architecture (--describe_model).
#ifndef ENSEMBLES_DRIVER_INSPECT_H_
#define ENSEMBLES_DRIVER_INSPECT_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "driver/run_config.h"

namespace ens {

// --print_lr: CSV "iteration,lr", one row per iteration from 1.
absl::Status PrintLearningRates(const RunConfig& config, std::FILE* out);

// --describe_model: the architecture of --model for --input_shape (CxHxW) and
// --num_classes, one line per top-level layer, then "parameters: N".
absl::Status DescribeModel(const RunConfig& config, const std::string& input_shape, int64_t num_classes,
                           std::FILE* out);

}  // namespace ens

#endif  // ENSEMBLES_DRIVER_INSPECT_H_
