#include "datasets/image_files.h"

#include <dirent.h>
#include <sys/stat.h>
#include <turbojpeg.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include <torch/nn/functional/upsampling.h>
#include <torch/types.h>

#include "absl/strings/str_cat.h"

namespace ens {
namespace {

constexpr int64_t kMaxSide = 1 << 14;  // refuse absurd headers before allocating

struct TjHandle {
  tjhandle handle = tjInitDecompress();
  ~TjHandle() {
    if (handle) tjDestroy(handle);
  }
};

}  // namespace

absl::StatusOr<torch::Tensor> DecodeJpegFile(const std::string& path, bool keep_grey) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  const std::streamoff size = in.tellg();
  if (size <= 0) return absl::InvalidArgumentError(absl::StrCat(path, ": empty file"));
  std::string bytes(static_cast<size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), size)) return absl::DataLossError(absl::StrCat(path, ": read failed"));
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  if (size < 3 || data[0] != 0xFF || data[1] != 0xD8) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a JPEG file (no SOI marker at byte offset 0)"));
  }
  TjHandle tj;
  if (!tj.handle) return absl::InternalError("tjInitDecompress failed");
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(tj.handle, data, static_cast<unsigned long>(size), &width, &height, &subsampling,
                          &colorspace) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": bad JPEG header (", tjGetErrorStr2(tj.handle), ")"));
  }
  if (width <= 0 || height <= 0 || width > kMaxSide || height > kMaxSide) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": JPEG of ", width, "x", height, " pixels refused"));
  }
  const bool grey = keep_grey && colorspace == TJCS_GRAY;
  torch::Tensor hwc = torch::empty({height, width, grey ? 1 : 3}, torch::kUInt8);
  if (tjDecompress2(tj.handle, data, static_cast<unsigned long>(size), hwc.data_ptr<uint8_t>(), width, 0, height,
                    grey ? TJPF_GRAY : TJPF_RGB, TJFLAG_ACCURATEDCT) != 0) {
    // Truncated files decode with a warning; anything else is an error.
    if (tjGetErrorCode(tj.handle) != TJERR_WARNING) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": corrupt JPEG data (", tjGetErrorStr2(tj.handle), ")"));
    }
    return absl::InvalidArgumentError(absl::StrCat(path, ": truncated or damaged JPEG (",
                                                   tjGetErrorStr2(tj.handle), ")"));
  }
  return hwc.permute({2, 0, 1}).contiguous();
}

torch::Tensor ResizeAndCrop(const torch::Tensor& image, int64_t side) { return ResizeAndCrop(image, side, side); }

torch::Tensor ResizeAndCrop(const torch::Tensor& image, int64_t height, int64_t width) {
  const int64_t h = image.size(1), w = image.size(2);
  if (h == height && w == width) return image;
  torch::Tensor resized = image;
  const double factor = std::max(static_cast<double>(height) / h, static_cast<double>(width) / w);
  const int64_t nh = std::max<int64_t>(height, std::llround(h * factor));
  const int64_t nw = std::max<int64_t>(width, std::llround(w * factor));
  if (nh != h || nw != w) {
    resized = torch::nn::functional::interpolate(
                  image.unsqueeze(0).to(torch::kFloat),
                  torch::nn::functional::InterpolateFuncOptions()
                      .size(std::vector<int64_t>{nh, nw})
                      .mode(torch::kBilinear)
                      .align_corners(false))
                  .squeeze(0);
    if (image.scalar_type() == torch::kUInt8) resized = resized.round().clamp(0, 255).to(torch::kUInt8);
  }
  const int64_t top = (nh - height) / 2, left = (nw - width) / 2;
  return resized.slice(1, top, top + height).slice(2, left, left + width).contiguous();
}

absl::StatusOr<torch::Tensor> DecodeImages(const std::vector<std::string>& paths, int64_t side, int threads) {
  const int64_t n = static_cast<int64_t>(paths.size());
  torch::Tensor out = torch::empty({n, 3, side, side}, torch::kUInt8);
  std::vector<absl::Status> errors(paths.size());
  std::atomic<int64_t> next{0};
  auto work = [&] {
    for (int64_t i = next++; i < n; i = next++) {
      absl::StatusOr<torch::Tensor> image = DecodeJpegFile(paths[i]);
      if (!image.ok()) {
        errors[i] = image.status();
        continue;
      }
      out[i].copy_(ResizeAndCrop(*image, side));
    }
  };
  const int count = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (count == 1) {
    work();  // on the caller's thread (the stream's workers call it per batch)
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < count; ++t) pool.emplace_back(work);
    for (auto& thread : pool) thread.join();
  }
  for (const auto& error : errors) {
    if (!error.ok()) return error;
  }
  return out;
}

namespace {

absl::StatusOr<std::vector<std::string>> ListEntries(const std::string& dir, bool directories) {
  DIR* handle = opendir(dir.c_str());
  if (handle == nullptr) return absl::NotFoundError(absl::StrCat(dir, ": cannot open directory"));
  std::vector<std::string> names;
  while (dirent* entry = readdir(handle)) {
    const std::string name = entry->d_name;
    if (name.empty() || name[0] == '.') continue;
    struct stat info;
    if (stat(absl::StrCat(dir, "/", name).c_str(), &info) != 0) continue;
    if (directories ? S_ISDIR(info.st_mode) : S_ISREG(info.st_mode)) names.push_back(name);
  }
  closedir(handle);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ListFiles(const std::string& dir) { return ListEntries(dir, false); }
absl::StatusOr<std::vector<std::string>> ListDirectories(const std::string& dir) { return ListEntries(dir, true); }

}  // namespace ens
