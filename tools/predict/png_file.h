// PNG files decoded by libpng (its simplified API): grey files as [1, H, W],
// colour and palette files as [3, H, W], uint8; 16-bit samples reduced to 8,
// an alpha channel composited onto black (a gAMA chunk other than sRGB's is
// applied, as libpng does).
#ifndef ENSEMBLES_TOOLS_PREDICT_PNG_FILE_H_
#define ENSEMBLES_TOOLS_PREDICT_PNG_FILE_H_

#include <string>

#include <torch/types.h>

#include "absl/status/statusor.h"

namespace ens {

// Errors name the file and say what libpng found.
absl::StatusOr<torch::Tensor> DecodePngFile(const std::string& path);

// Writes uint8 [1 or 3, H, W] as an 8-bit grey or RGB PNG (tests, examples).
absl::Status WritePngFile(const std::string& path, const torch::Tensor& image);

}  // namespace ens

#endif  // ENSEMBLES_TOOLS_PREDICT_PNG_FILE_H_
