// The blur corruptions of CIFAR-10-C: gaussian, defocus (a disk), zoom
// (centre zooms averaged) and glass (local pixel shuffles between blurs).
#include <cmath>
#include <vector>

#include <torch/types.h>

#include "shift/corruption.h"
#include "shift/draws.h"
#include "shift/image_filters.h"

namespace ens {
namespace {

// scikit-image's gaussian(): truncate 4, border 'nearest', each channel alone.
torch::Tensor SkimageGaussian(const torch::Tensor& x, double sigma) {
  return GaussianFilter(x, sigma, 4.0, Border::kNearest);
}

Corruption GaussianBlur(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t) {
    return SkimageGaussian(x, LevelOf(p, "sigma", severity)).clamp(0, 1);
  };
}

// OpenCV's GaussianBlur kernel of odd `size` and `sigma`, 1-d, normalised.
torch::Tensor OpenCvGaussian(int64_t size, double sigma) {
  torch::Tensor t = torch::arange(size, torch::kDouble) - static_cast<double>(size / 2);
  t = torch::exp(-t * t / (2 * sigma * sigma));
  return t / t.sum();
}

// The generator's disk(): the pixels within `radius` of the centre on a grid
// of -8..8 (radius <= 8; else -radius..radius), normalised, then antialiased
// by OpenCV's GaussianBlur (3x3, or 5x5 past 8; border REFLECT_101).
torch::Tensor Disk(double radius, double alias_sigma) {
  std::vector<double> grid;
  if (radius <= 8) {
    for (int i = -8; i <= 8; ++i) grid.push_back(i);
  } else {
    for (double v = -radius; v < radius + 1; v += 1) grid.push_back(v);
  }
  const torch::Tensor l = torch::tensor(grid, torch::kDouble);
  torch::Tensor disk = (l.view({-1, 1}).pow(2) + l.view({1, -1}).pow(2) <= radius * radius).to(torch::kDouble);
  disk = disk / disk.sum();
  const int64_t ksize = radius <= 8 ? 3 : 5;
  const torch::Tensor g = OpenCvGaussian(ksize, alias_sigma);
  const torch::Tensor image = disk.view({1, 1, disk.size(0), disk.size(1)});
  return Filter2d(image, g.view({-1, 1}) * g.view({1, -1}), Border::kMirror).view({disk.size(0), disk.size(1)});
}

Corruption DefocusBlur(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t) {
    const torch::Tensor kernel = Disk(LevelOf(p, "radius", severity), LevelOf(p, "alias_blur", severity));
    return Filter2d(x, kernel, Border::kMirror).clamp(0, 1);
  };
}

// The generator's clipped_zoom: the centre ceil(h / z) square, zoomed by z
// (scipy.ndimage.zoom, order 1: corners aligned; output round(side z)),
// trimmed to h x w about the centre.
torch::Tensor ClippedZoom(const torch::Tensor& x, double zoom) {
  const int64_t h = x.size(2);
  const int64_t side = static_cast<int64_t>(std::ceil(static_cast<double>(h) / zoom));
  const int64_t top = (h - side) / 2;
  const torch::Tensor crop = x.slice(2, top, top + side).slice(3, top, top + side);
  const int64_t out = static_cast<int64_t>(std::nearbyint(static_cast<double>(side) * zoom));
  const torch::Tensor zoomed = torch::upsample_bilinear2d(crop, {out, out}, /*align_corners=*/true);
  const int64_t trim = (out - h) / 2;
  return zoomed.slice(2, trim, trim + h).slice(3, trim, trim + x.size(3));
}

Corruption ZoomBlur(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t) {
    // numpy's arange(1, z, 0.01): ceil((z - 1) / 0.01) values 1 + 0.01 i.
    const double last = LevelOf(p, "zoom", severity);
    const int64_t count = static_cast<int64_t>(std::ceil((last - 1.0) / 0.01));
    torch::Tensor sum = x.clone();
    for (int64_t i = 0; i < count; ++i) sum += ClippedZoom(x, 1.0 + 0.01 * static_cast<double>(i));
    return (sum / static_cast<double>(count + 1)).clamp(0, 1);
  };
}

// Blur, quantise to 8 bits (truncating), swap each pixel of rows and
// columns side - d down to d + 1 with one at offset U{-d..d-1} in each axis
// (colour pixels: copied, as the generator's numpy views do), `iterations`
// times, blur again.
Corruption GlassBlur(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t seed) {
    const double sigma = LevelOf(p, "sigma", severity);
    const int64_t d = static_cast<int64_t>(LevelOf(p, "max_delta", severity));
    const int64_t iterations = static_cast<int64_t>(LevelOf(p, "iterations", severity));
    torch::Tensor pixels = (SkimageGaussian(x, sigma) * 255).floor().clamp(0, 255).to(torch::kCPU).contiguous();
    const int64_t n = pixels.size(0), channels = pixels.size(1), h = pixels.size(2), w = pixels.size(3);
    Draws draws(seed);
    auto a = pixels.accessor<float, 4>();
    for (int64_t image = 0; image < n; ++image) {
      const int64_t rows = std::max<int64_t>(h - 2 * d, 0), cols = std::max<int64_t>(w - 2 * d, 0);
      const torch::Tensor offsets = draws.Integers({iterations, rows, cols, 2}, -d, d);
      auto o = offsets.accessor<int64_t, 4>();
      for (int64_t it = 0; it < iterations; ++it) {
        for (int64_t r = h - d, i = 0; r > d; --r, ++i) {
          for (int64_t c = w - d, j = 0; c > d; --c, ++j) {
            const int64_t r2 = r + o[it][i][j][1], c2 = c + o[it][i][j][0];  // (dx, dy) drawn in that order
            if (r >= h || c >= w || r2 < 0 || r2 >= h || c2 < 0 || c2 >= w) continue;
            // The generator swaps numpy views: a grey pixel's two values trade
            // places, but a colour pixel (a view of its channels) is only
            // overwritten by the other one.
            for (int64_t ch = 0; ch < channels; ++ch) {
              if (channels == 1) {
                std::swap(a[image][ch][r][c], a[image][ch][r2][c2]);
              } else {
                a[image][ch][r][c] = a[image][ch][r2][c2];
              }
            }
          }
        }
      }
    }
    return SkimageGaussian(pixels.to(x.device()) / 255.0, sigma).clamp(0, 1);
  };
}

ENS_REGISTER(CorruptionRegistry(), "gaussian_blur", "Gaussian blur (scikit-image, border nearest) (CIFAR-10-C)",
             ParamSchema().DoubleList("sigma", "0.4:0.6:0.7:0.8:1", "blur sigma in pixels per severity").Min(0),
             GaussianBlur);
ENS_REGISTER(CorruptionRegistry(), "defocus_blur",
             "convolution with an antialiased disk (OpenCV filter2D, border reflect-101) (CIFAR-10-C)",
             ParamSchema()
                 .DoubleList("radius", "0.3:0.4:0.5:1:1.5", "disk radius in pixels per severity")
                 .Min(0)
                 .DoubleList("alias_blur", "0.4:0.5:0.6:0.2:0.1", "sigma of the disk's antialiasing per severity")
                 .Min(0.01),
             DefocusBlur);
ENS_REGISTER(CorruptionRegistry(), "zoom_blur",
             "the mean of the image and its centre zooms 1, 1.01, ... below z (CIFAR-10-C)",
             ParamSchema().DoubleList("zoom", "1.06:1.11:1.16:1.21:1.26", "z (exclusive, as numpy's arange) per "
                                                                          "severity").Min(1),
             ZoomBlur);
ENS_REGISTER(CorruptionRegistry(), "glass_blur",
             "blur, 8-bit, local pixel swaps, blur (CIFAR-10-C; swaps run on the CPU)",
             ParamSchema()
                 .DoubleList("sigma", "0.05:0.25:0.4:0.25:0.4", "blur sigma per severity")
                 .Min(0)
                 .DoubleList("max_delta", "1:1:1:1:1", "largest swap offset in pixels per severity")
                 .Min(1)
                 .DoubleList("iterations", "1:1:1:2:2", "rounds of swaps per severity")
                 .Min(0),
             GlassBlur);

}  // namespace
}  // namespace ens
