// What //:predict reads: a directory of PNG and JPEG files (recursively), an
// IDX image file (gzipped or not), or an .npy array of N x C x H x W or
// N x H x W uint8 values, or floats in [0, 1]; every image checked against the
// run's C x H x W, or brought to it.
#ifndef ENSEMBLES_TOOLS_PREDICT_INPUTS_H_
#define ENSEMBLES_TOOLS_PREDICT_INPUTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ens {

// An image whose shape is not the run's: refused (naming the file and both
// shapes), or resized (its shorter side to the run's, bilinear, then the
// centre crop) and its channels converted (RGB to grey by ITU-R BT.601
// luma, grey to RGB by copying).
enum class ShapeRule { kReject, kResize };
absl::StatusOr<ShapeRule> ParseShapeRule(absl::string_view text);

struct InputImages {
  // Directory input: the files' paths; IDX and .npy: empty (rows by index).
  std::vector<std::string> files;
  // [N, C, H, W]: uint8, or float in [0, 255] (from a float .npy).
  torch::Tensor images;
  // Directory input: files that are neither PNG nor JPEG (by extension).
  int64_t skipped = 0;
};

// `shape`: the run's {C, H, W}. A directory's files are listed depth-first,
// each directory's files by name before its subdirectories by name.
absl::StatusOr<InputImages> ReadInputs(const std::string& path, const std::vector<int64_t>& shape, ShapeRule rule);

// One image [c, h, w] brought to `shape` under `rule`; `name` names it in
// the error.
absl::StatusOr<torch::Tensor> ConformImage(const torch::Tensor& image, const std::vector<int64_t>& shape,
                                           ShapeRule rule, const std::string& name);

}  // namespace ens

#endif  // ENSEMBLES_TOOLS_PREDICT_INPUTS_H_
