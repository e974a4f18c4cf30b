// Readers for the IDX format of MNIST and Fashion-MNIST (LeCun et al.),
// gzip-compressed or not:
//   magic (0x00 0x00 0x08 ndims), ndims big-endian uint32 sizes, uint8 data.
// Images are idx3 (0x00000803, [N, rows, cols]); labels idx1 (0x00000801, [N]).
//
// Every malformation is an error naming the file and the byte offset (in the
// decompressed stream); sizes are checked before anything is allocated.
#ifndef ENSEMBLES_DATASETS_IDX_READER_H_
#define ENSEMBLES_DATASETS_IDX_READER_H_

#include <cstdint>
#include <string>

#include <torch/types.h>

#include "absl/status/statusor.h"

namespace ens {

// Images as uint8 [N, 1, rows, cols].
absl::StatusOr<torch::Tensor> ReadIdxImages(const std::string& path);

// Labels as int64 [N]; every label must be < num_classes.
absl::StatusOr<torch::Tensor> ReadIdxLabels(const std::string& path, int64_t num_classes);

}  // namespace ens

#endif  // ENSEMBLES_DATASETS_IDX_READER_H_
