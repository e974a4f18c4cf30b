// Corruptions: the shifted test sets of Hendrycks & Dietterich (2019, the
// CIFAR-10-C generator `make_cifar_c.py`) and Ovadia et al. (2019:
// rotation, translation), registered by name like every other component.
// Each is a pure function of (images, severity 1..5, seed): its random
// draws come from a CPU generator seeded by `seed`, the same on every device;
// the arithmetic runs where the images are (CUDA's convolutions and sampling
// may round differently from the CPU's, a level of 8 bits at most here and
// there after the 8-bit storage).
// Its constants are parameters, one ':'-separated list of five values (one
// per severity) each, with the CIFAR-10-C constants as defaults.
//
//   ENS_ASSIGN_OR_RETURN(const Corruption corruption, MakeCorruption("gaussian_noise", ""));
//   torch::Tensor shifted = corruption(images01, /*severity=*/3, /*seed=*/7);
//
// Images are float [N, C, H, W] in [0, 1] (C = 1 or 3); the result has the
// same shape, clipped to [0, 1].
#ifndef ENSEMBLES_SHIFT_CORRUPTION_H_
#define ENSEMBLES_SHIFT_CORRUPTION_H_

#include <cstdint>
#include <functional>
#include <string>

#include <torch/types.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/params.h"
#include "core/registry.h"

namespace ens {

constexpr int kMaxSeverity = 5;

// A corruption with its parameters bound: (images, severity, seed) -> images.
using Corruption = std::function<torch::Tensor(const torch::Tensor& images, int severity, uint64_t seed)>;

// The registered factory: binds parsed parameters (after CheckLevels).
using CorruptionFactory = std::function<Corruption(const Params& params)>;

Registry<CorruptionFactory>& CorruptionRegistry();

// Looks `name` up, parses `args` with its schema and checks that every list
// parameter holds one value per severity.
absl::StatusOr<Corruption> MakeCorruption(absl::string_view name, absl::string_view args);

// The value of list parameter `name` at `severity` (1-based).
double LevelOf(const Params& params, absl::string_view name, int severity);

// Parses "1:2:5": severities in 1..5, each once; the error names --shift_severities.
absl::StatusOr<std::vector<int>> ParseSeverities(absl::string_view text);

}  // namespace ens

#endif  // ENSEMBLES_SHIFT_CORRUPTION_H_
