#include "tools/predict/inputs.h"

#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <utility>

#include <torch/types.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/npy.h"
#include "core/status_macros.h"
#include "datasets/idx_reader.h"
#include "datasets/image_files.h"
#include "tools/predict/png_file.h"

namespace ens {
namespace {

std::string ShapeText(at::IntArrayRef shape) { return absl::StrJoin(shape, " x "); }

bool IsPng(const std::string& name) { return absl::EndsWithIgnoreCase(name, ".png"); }
bool IsJpeg(const std::string& name) {
  return absl::EndsWithIgnoreCase(name, ".jpg") || absl::EndsWithIgnoreCase(name, ".jpeg");
}

// `visited`: the directories listed so far (device, inode): a link back up
// the tree is not followed twice.
absl::Status ListImageFiles(const std::string& dir, std::vector<std::string>* files, int64_t* skipped,
                            std::set<std::pair<dev_t, ino_t>>* visited) {
  struct stat info;
  if (stat(dir.c_str(), &info) != 0 || !visited->insert({info.st_dev, info.st_ino}).second) return absl::OkStatus();
  ENS_ASSIGN_OR_RETURN(const std::vector<std::string> names, ListFiles(dir));
  for (const auto& name : names) {
    if (IsPng(name) || IsJpeg(name)) {
      files->push_back(absl::StrCat(dir, "/", name));
    } else {
      ++*skipped;
    }
  }
  ENS_ASSIGN_OR_RETURN(const std::vector<std::string> subdirectories, ListDirectories(dir));
  for (const auto& sub : subdirectories) {
    ENS_RETURN_IF_ERROR(ListImageFiles(absl::StrCat(dir, "/", sub), files, skipped, visited));
  }
  return absl::OkStatus();
}

// Rows of an IDX or .npy array conformed one by one (only when a shape differs).
absl::StatusOr<torch::Tensor> ConformRows(const torch::Tensor& images, const std::vector<int64_t>& shape,
                                          ShapeRule rule, const std::string& path) {
  if (images.sizes().slice(1) == at::IntArrayRef(shape)) return images;
  std::vector<torch::Tensor> rows;
  for (int64_t i = 0; i < images.size(0); ++i) {
    ENS_ASSIGN_OR_RETURN(torch::Tensor row, ConformImage(images[i], shape, rule, absl::StrCat(path, " row ", i)));
    rows.push_back(row);
  }
  return torch::stack(rows);
}

absl::StatusOr<torch::Tensor> ReadNpyImages(const std::string& path) {
  ENS_ASSIGN_OR_RETURN(torch::Tensor array, ReadNpy(path));
  if (array.dim() == 3) array = array.unsqueeze(1);
  if (array.dim() != 4 || array.size(0) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": an array of ", ShapeText(array.sizes()),
                                                   "; images are N x C x H x W or N x H x W"));
  }
  if (array.scalar_type() == torch::kUInt8) return array;
  if (array.scalar_type() != torch::kFloat && array.scalar_type() != torch::kDouble) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": images are uint8 or float (in [0, 1]), not int64"));
  }
  const torch::Tensor outside = (array < 0).logical_or(array > 1).logical_or(array.isnan()).flatten().nonzero();
  if (outside.numel() > 0) {
    const int64_t at = outside[0].item<int64_t>();
    return absl::InvalidArgumentError(absl::StrCat(path, ": float images must be in [0, 1]; value ",
                                                   array.flatten()[at].item<double>(), " at flat index ", at));
  }
  return array.to(torch::kFloat).mul(255.0);
}

}  // namespace

absl::StatusOr<ShapeRule> ParseShapeRule(absl::string_view text) {
  if (text == "reject") return ShapeRule::kReject;
  if (text == "resize") return ShapeRule::kResize;
  return absl::InvalidArgumentError(absl::StrCat("--resize=", text, ": reject or resize"));
}

absl::StatusOr<torch::Tensor> ConformImage(const torch::Tensor& image, const std::vector<int64_t>& shape,
                                           ShapeRule rule, const std::string& name) {
  if (image.sizes() == at::IntArrayRef(shape)) return image;
  if (rule == ShapeRule::kReject) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": an image of ", ShapeText(image.sizes()),
                                                   ", the run's images are ", ShapeText(shape),
                                                   " (--resize=resize converts)"));
  }
  const bool whole = image.scalar_type() == torch::kUInt8;
  torch::Tensor x = image.to(torch::kFloat);
  if (x.size(0) != shape[0]) {
    if (x.size(0) == 3 && shape[0] == 1) {
      x = (0.299 * x[0] + 0.587 * x[1] + 0.114 * x[2]).unsqueeze(0);
    } else if (x.size(0) == 1) {
      x = x.expand({shape[0], x.size(1), x.size(2)});
    } else {
      return absl::InvalidArgumentError(absl::StrCat(name, ": ", x.size(0), " channels cannot become ", shape[0]));
    }
  }
  x = ResizeAndCrop(x, shape[1], shape[2]).clamp(0, 255);  // float: rounded once, below
  return whole ? x.round().to(torch::kUInt8) : x.contiguous();
}

absl::StatusOr<InputImages> ReadInputs(const std::string& path, const std::vector<int64_t>& shape, ShapeRule rule) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) return absl::NotFoundError(absl::StrCat(path, ": no such file or directory"));
  InputImages input;
  if (S_ISDIR(info.st_mode)) {
    std::set<std::pair<dev_t, ino_t>> visited;
    ENS_RETURN_IF_ERROR(ListImageFiles(path, &input.files, &input.skipped, &visited));
    if (input.files.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": no PNG or JPEG files (.png, .jpg, .jpeg) in it or "
                                                     "its subdirectories"));
    }
    std::vector<torch::Tensor> images;
    for (const auto& file : input.files) {
      absl::StatusOr<torch::Tensor> image = IsPng(file) ? DecodePngFile(file) : DecodeJpegFile(file, /*keep_grey=*/true);
      if (!image.ok()) return image.status();
      ENS_ASSIGN_OR_RETURN(torch::Tensor conformed, ConformImage(*image, shape, rule, file));
      images.push_back(conformed);
    }
    input.images = torch::stack(images);
    return input;
  }
  if (absl::EndsWithIgnoreCase(path, ".npy")) {
    ENS_ASSIGN_OR_RETURN(torch::Tensor array, ReadNpyImages(path));
    ENS_ASSIGN_OR_RETURN(input.images, ConformRows(array, shape, rule, path));
    return input;
  }
  ENS_ASSIGN_OR_RETURN(torch::Tensor idx, ReadIdxImages(path));
  ENS_ASSIGN_OR_RETURN(input.images, ConformRows(idx, shape, rule, path));
  return input;
}

}  // namespace ens
