// Image files decoded into uint8 tensors: JPEG through libjpeg-turbo's
// TurboJPEG API, resized (shorter side) and centre-cropped to a square, with
// a pool of worker threads for many files.
#ifndef ENSEMBLES_DATASETS_IMAGE_FILES_H_
#define ENSEMBLES_DATASETS_IMAGE_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "absl/status/statusor.h"

namespace ens {

// RGB uint8 [3, H, W] of a JPEG file (grey and CMYK JPEGs converted; with
// `keep_grey`, a grey JPEG is [1, H, W]); errors name the file.
absl::StatusOr<torch::Tensor> DecodeJpegFile(const std::string& path, bool keep_grey = false);

// [C, side, side]: the shorter side resized to `side` (bilinear), then the
// centre crop; unchanged when already side x side. uint8 images stay uint8
// (rounded), float ones float.
torch::Tensor ResizeAndCrop(const torch::Tensor& image, int64_t side);
// [C, height, width]: scaled (bilinear) until it covers height x width, then
// the centre crop.
torch::Tensor ResizeAndCrop(const torch::Tensor& image, int64_t height, int64_t width);

// Decodes every file (in order) into uint8 [N, 3, side, side] with `threads`
// workers (0: every core); the first error (by file order) wins.
absl::StatusOr<torch::Tensor> DecodeImages(const std::vector<std::string>& paths, int64_t side, int threads = 0);

// Regular files of `dir` (sorted by name) / its subdirectories (sorted).
absl::StatusOr<std::vector<std::string>> ListFiles(const std::string& dir);
absl::StatusOr<std::vector<std::string>> ListDirectories(const std::string& dir);

}  // namespace ens

#endif  // ENSEMBLES_DATASETS_IMAGE_FILES_H_
