// NumPy .npy files (format version 1.0), so predictions can be read with
// numpy.load and every metric recomputed in Python.
#ifndef ENSEMBLES_CORE_NPY_H_
#define ENSEMBLES_CORE_NPY_H_

#include <string>

#include <torch/types.h>

#include "absl/status/status.h"

namespace ens {

// Writes a float32 or int64 tensor (any shape, C order, little-endian),
// atomically.
absl::Status WriteNpy(const std::string& path, const torch::Tensor& tensor);

// The bytes of an .npy file for `tensor` (header and data).
std::string EncodeNpy(const torch::Tensor& tensor);

}  // namespace ens

#endif  // ENSEMBLES_CORE_NPY_H_
