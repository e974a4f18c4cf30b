// What the driver checks and resolves from its flags before any work: every
// component named (method, model, dataset, schedule) with its parsed
// parameters, the common flags' ranges, the device, --eval_sizes.
#ifndef ENSEMBLES_DRIVER_RUN_SETUP_H_
#define ENSEMBLES_DRIVER_RUN_SETUP_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "absl/status/statusor.h"
#include "core/params.h"
#include "datasets/dataset.h"
#include "driver/run_config.h"
#include "ensembles/method.h"
#include "models/model.h"

namespace ens {

// --device: cpu, cuda or auto (a CPU run never touches the CUDA runtime).
absl::StatusOr<torch::Device> ResolveDevice(const std::string& name);

// The run's device, with cuDNN's algorithm search as --cudnn_benchmark says;
// a rank of a distributed job takes GPU LOCAL_RANK (modulo the count).
absl::StatusOr<torch::Device> DeviceFor(const RunConfig& config, int local_rank = 0);

// --eval_sizes: ascending sizes in [1, ensemble_size]; empty text: all.
absl::StatusOr<std::vector<int64_t>> ParseEvalSizes(const std::string& text, int64_t ensemble_size);

// Every component resolved and every argument list parsed.
struct Components {
  std::unique_ptr<Method> method;
  Params model_params;
  // Parsed parameters, defaults included, per component ("method", ...).
  std::map<std::string, std::map<std::string, std::string>> params;
};
absl::StatusOr<Components> ResolveComponents(const RunConfig& config);

// The ranges of the flags every run has.
absl::Status CheckCommonFlags(const RunConfig& config);

// The model spec a dataset asks for.
ModelSpec SpecOf(const Dataset& data);

}  // namespace ens

#endif  // ENSEMBLES_DRIVER_RUN_SETUP_H_
