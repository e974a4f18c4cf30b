// The corruptions that move pixels: CIFAR-10-C's elastic transform and
// Ovadia et al.'s (2019) rotation and translation.
#include <cmath>
#include <cstdint>

#include <torch/types.h>

#include "shift/corruption.h"
#include "shift/draws.h"
#include "shift/image_filters.h"

namespace ens {
namespace {

constexpr int kBilinear = 0;
constexpr int kZeros = 0, kReflection = 2;

// The sampling grid of grid_sampler for source pixel coordinates (x: column,
// y: row) [N, H, W]: corners aligned (pixel centres at -1 and 1) or not
// (pixel edges at -1 and 1).
torch::Tensor Grid(const torch::Tensor& sx, const torch::Tensor& sy, int64_t h, int64_t w, bool align_corners) {
  const auto normalise = [align_corners](const torch::Tensor& s, int64_t side) {
    const double n = static_cast<double>(side);
    return align_corners ? s * (2.0 / (n - 1)) - 1 : (s * 2 + 1) / n - 1;
  };
  return torch::stack({normalise(sx, w), normalise(sy, h)}, 3);
}

// Pixel coordinates [N, H, W] of every output pixel: columns and rows.
std::pair<torch::Tensor, torch::Tensor> PixelCoordinates(int64_t n, int64_t h, int64_t w, const torch::Tensor& like) {
  const auto options = like.options();
  const torch::Tensor cols = torch::arange(w, options).view({1, 1, w}).expand({n, h, w});
  const torch::Tensor rows = torch::arange(h, options).view({1, h, 1}).expand({n, h, w});
  return {cols, rows};
}

// The generator's elastic_transform, its constants in units of the image
// side (CIFAR-10-C's times 32): a random affine map of three points moved by
// up to `affine` (OpenCV warpAffine, bilinear, border reflect-101), then a
// displacement field of U(-1, 1) noise smoothed by Gaussian `sigma`
// (truncate 3, border reflect) times `alpha` (scipy map_coordinates, order
// 1, border reflect).
Corruption Elastic(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t seed) {
    const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
    const double side = static_cast<double>(std::min(h, w));
    const double alpha = side * LevelOf(p, "alpha", severity), sigma = side * LevelOf(p, "sigma", severity);
    const double affine = side * LevelOf(p, "affine", severity);
    Draws draws(seed);
    const auto dbl = x.options().dtype(torch::kDouble);
    // Three points about the centre (x, y), moved at random.
    const double cx = std::floor(static_cast<double>(w) / 2), cy = std::floor(static_cast<double>(h) / 2);
    const double s = std::floor(side / 3);
    const torch::Tensor from = torch::tensor({cx + s, cy + s, cx + s, cy - s, cx - s, cy - s}, dbl).view({1, 3, 2});
    const torch::Tensor to = from + draws.Uniform({n, 3, 2}, -affine, affine, from);
    // The affine map taking `from` to `to` ([x y 1] M^T = to), inverted: for
    // each output pixel, where it comes from.
    const torch::Tensor ones = torch::ones({n, 3, 1}, dbl);
    const torch::Tensor lhs = torch::cat({from.expand({n, 3, 2}), ones}, 2);                // [N, 3, 3]
    const torch::Tensor forward = torch::linalg_solve(lhs, to).transpose(1, 2);            // [N, 2, 3]
    const torch::Tensor a = forward.slice(2, 0, 2), b = forward.slice(2, 2, 3);
    const torch::Tensor a_inv = torch::linalg_inv(a);
    auto [cols, rows] = PixelCoordinates(n, h, w, torch::empty({0}, dbl));
    const torch::Tensor points = torch::stack({cols.reshape({n, -1}), rows.reshape({n, -1})}, 1);  // [N, 2, HW]
    const torch::Tensor source = torch::matmul(a_inv, points - b);
    const torch::Tensor sx = source.select(1, 0).view({n, h, w}), sy = source.select(1, 1).view({n, h, w});
    torch::Tensor warped = torch::grid_sampler(x.to(torch::kDouble), Grid(sx, sy, h, w, true), kBilinear,
                                               kReflection, /*align_corners=*/true);
    // The smoothed displacement field (dx first, as the generator draws it).
    const torch::Tensor noise_x = draws.Uniform({n, 1, h, w}, -1, 1, warped);
    const torch::Tensor noise_y = draws.Uniform({n, 1, h, w}, -1, 1, warped);
    const torch::Tensor dx = GaussianFilter(noise_x, sigma, 3.0, Border::kReflect).squeeze(1) * alpha;
    const torch::Tensor dy = GaussianFilter(noise_y, sigma, 3.0, Border::kReflect).squeeze(1) * alpha;
    warped = torch::grid_sampler(warped, Grid(cols + dx, rows + dy, h, w, false), kBilinear, kReflection,
                                 /*align_corners=*/false);
    return warped.to(x.scalar_type()).clamp(0, 1);
  };
}

// Rotation by `degrees` counter-clockwise about the image centre, bilinear,
// zero (black) outside.
Corruption Rotation(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t) {
    const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
    const double angle = LevelOf(p, "degrees", severity) * M_PI / 180.0;
    const double cx = (static_cast<double>(w) - 1) / 2, cy = (static_cast<double>(h) - 1) / 2;
    auto [cols, rows] = PixelCoordinates(n, h, w, torch::empty({0}, x.options().dtype(torch::kDouble)));
    // Rows grow downwards: a counter-clockwise turn on screen.
    const torch::Tensor u = cols - cx, v = rows - cy;
    const torch::Tensor sx = std::cos(angle) * u - std::sin(angle) * v + cx;
    const torch::Tensor sy = std::sin(angle) * u + std::cos(angle) * v + cy;
    return torch::grid_sampler(x.to(torch::kDouble), Grid(sx, sy, h, w, true), kBilinear, kZeros, true)
        .to(x.scalar_type())
        .clamp(0, 1);
  };
}

// np.roll along the width: what leaves on the right comes back on the left.
Corruption Translation(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t) {
    return torch::roll(x, {static_cast<int64_t>(LevelOf(p, "pixels", severity))}, {3});
  };
}

ENS_REGISTER(CorruptionRegistry(), "elastic",
             "random affine and smoothed displacement field (CIFAR-10-C, constants in units of the image side: "
             "CIFAR-10-C's times 32)",
             ParamSchema()
                 .DoubleList("alpha", "0:0.05:0.08:0.1:0.1", "displacement scale / side per severity")
                 .Min(0)
                 .DoubleList("sigma", "0:0.2:0.06:0.04:0.03", "displacement smoothing sigma / side per severity")
                 .Min(0)
                 .DoubleList("affine", "0.08:0.07:0.06:0.05:0.03", "affine point offset / side per severity")
                 .Min(0),
             Elastic);
ENS_REGISTER(CorruptionRegistry(), "rotation",
             "rotation about the centre, bilinear, black outside (Ovadia et al. 2019: 15..180 degrees)",
             ParamSchema().DoubleList("degrees", "15:45:90:135:180", "angle per severity"), Rotation);
ENS_REGISTER(CorruptionRegistry(), "translation",
             "horizontal roll, wrapping around (Ovadia et al. 2019: 2..26 pixels; on a 28-pixel image a roll of 26 "
             "is one of -2 and 20 one of -8: severity is not monotone there)",
             ParamSchema().DoubleList("pixels", "2:8:14:20:26", "shift per severity").Min(0), Translation);

}  // namespace
}  // namespace ens
