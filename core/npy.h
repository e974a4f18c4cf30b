// NumPy .npy files (format version 1.0), so predictions can be read with
// numpy.load and every metric recomputed in Python.
#ifndef ENSEMBLES_CORE_NPY_H_
#define ENSEMBLES_CORE_NPY_H_

#include <string>

#include <torch/types.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ens {

// Writes a float32 or int64 tensor (any shape, C order, little-endian),
// atomically.
absl::Status WriteNpy(const std::string& path, const torch::Tensor& tensor);

// The bytes of an .npy file for `tensor` (header and data).
std::string EncodeNpy(const torch::Tensor& tensor);

// An .npy file (version 1.0, 2.0 or 3.0) of uint8, int64, float32 or float64
// values in C order, little-endian, as a tensor of that type and shape.
// Errors name the file and, for the data, the byte offset where it falls
// short.
absl::StatusOr<torch::Tensor> ReadNpy(const std::string& path);

}  // namespace ens

#endif  // ENSEMBLES_CORE_NPY_H_
