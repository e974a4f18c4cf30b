#include "tools/predict/png_file.h"

#include <png.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace ens {
namespace {

constexpr png_uint_32 kMaxSide = 1 << 14;  // refuse absurd headers before allocating

}  // namespace

absl::StatusOr<torch::Tensor> DecodePngFile(const std::string& path) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    const std::string message = image.message;
    png_image_free(&image);
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a readable PNG file (libpng: ", message, ")"));
  }
  if (image.width == 0 || image.height == 0 || image.width > kMaxSide || image.height > kMaxSide) {
    png_image_free(&image);
    return absl::InvalidArgumentError(absl::StrCat(path, ": PNG of ", image.width, "x", image.height,
                                                   " pixels refused"));
  }
  const bool colour = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
  image.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  // 16-bit samples are sRGB-encoded like 8-bit ones (libpng's simplified API
  // would otherwise take them as linear light and gamma-encode them).
  image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
  // Zeros: alpha is composited onto the buffer, black.
  torch::Tensor hwc = torch::zeros({image.height, image.width, colour ? 3 : 1}, torch::kUInt8);
  if (!png_image_finish_read(&image, /*background=*/nullptr, hwc.data_ptr<uint8_t>(), /*row_stride=*/0,
                             /*colormap=*/nullptr)) {
    const std::string message = image.message;
    png_image_free(&image);
    return absl::InvalidArgumentError(absl::StrCat(path, ": corrupt PNG data (libpng: ", message, ")"));
  }
  return hwc.permute({2, 0, 1}).contiguous();
}

absl::Status WritePngFile(const std::string& path, const torch::Tensor& image) {
  if (image.dim() != 3 || (image.size(0) != 1 && image.size(0) != 3) || image.scalar_type() != torch::kUInt8) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": a PNG is written from uint8 [1 or 3, H, W]"));
  }
  const torch::Tensor hwc = image.permute({1, 2, 0}).contiguous().cpu();
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.size(2));
  png.height = static_cast<png_uint_32>(image.size(1));
  png.format = image.size(0) == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  if (!png_image_write_to_file(&png, path.c_str(), /*convert_to_8bit=*/0, hwc.data_ptr<uint8_t>(),
                               /*row_stride=*/0, /*colormap=*/nullptr)) {
    const std::string message = png.message;
    png_image_free(&png);
    return absl::InternalError(absl::StrCat(path, ": cannot write PNG (libpng: ", message, ")"));
  }
  return absl::OkStatus();
}

}  // namespace ens
