// Reading and writing members/: for Ensemble kinds' Save and loaders.
#ifndef ENSEMBLES_ENGINE_ENSEMBLE_IO_H_
#define ENSEMBLES_ENGINE_ENSEMBLE_IO_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "absl/status/statusor.h"
#include "engine/ensemble.h"

namespace ens {

// Tensors as a tensor list file (torch::save of std::vector<Tensor>, the same
// format in LibTorch 1.x and 2.x), written atomically.
absl::Status SaveTensors(const std::vector<torch::Tensor>& tensors, const std::string& path);
// Reads such a file; it must hold `count` tensors.
absl::StatusOr<std::vector<torch::Tensor>> LoadTensors(const std::string& path, size_t count);

absl::Status SaveState(const StateDict& state, const std::string& path);
absl::StatusOr<StateDict> LoadStateFile(const std::string& path, const std::vector<std::string>& names);
std::vector<std::string> StateNames(const StateDict& state);
// "member_007.pt"
std::string MemberFile(int64_t i);
// What a members/ directory holds: the floating-point values of its tensor
// files (weights, BatchNorm statistics, SWAG's moments, ...) and its bytes,
// subfolders included.
struct StoredSize {
  int64_t values = 0;
  int64_t bytes = 0;
};
absl::StatusOr<StoredSize> MeasureStored(const std::string& dir);
// Writes members/ensemble.json atomically.
absl::Status WriteManifest(const std::string& dir, const nlohmann::json& manifest);

}  // namespace ens

#endif  // ENSEMBLES_ENGINE_ENSEMBLE_IO_H_
