#include "shift/image_filters.h"

#include <cmath>
#include <vector>

namespace ens {
namespace {

// Index of padded position p (in [-pad, size + pad)) in [0, size).
int64_t BorderIndex(int64_t p, int64_t size, Border border) {
  while (p < 0 || p >= size) {
    switch (border) {
      case Border::kNearest:
        return p < 0 ? 0 : size - 1;
      case Border::kReflect:
        p = p < 0 ? -p - 1 : 2 * size - p - 1;
        break;
      case Border::kMirror:
        if (size == 1) return 0;
        p = p < 0 ? -p : 2 * size - p - 2;
        break;
    }
  }
  return p;
}

torch::Tensor PadIndex(int64_t size, int64_t pad, Border border, const torch::Device& device) {
  std::vector<int64_t> index;
  for (int64_t p = -pad; p < size + pad; ++p) index.push_back(BorderIndex(p, size, border));
  return torch::tensor(index, torch::kLong).to(device);
}

// Correlation of every channel with a [kh, kw] kernel, after padding.
torch::Tensor Correlate(const torch::Tensor& x, const torch::Tensor& kernel, Border border) {
  const int64_t kh = kernel.size(0), kw = kernel.size(1), channels = x.size(1);
  torch::Tensor padded = x.index_select(2, PadIndex(x.size(2), kh / 2, border, x.device()))
                             .index_select(3, PadIndex(x.size(3), kw / 2, border, x.device()));
  const torch::Tensor weight =
      kernel.to(x.options()).view({1, 1, kh, kw}).expand({channels, 1, kh, kw}).contiguous();
  const std::vector<int64_t> one = {1, 1}, none = {0, 0};
  return torch::conv2d(padded, weight, torch::Tensor(), one, none, one, channels);
}

// PIL's BOX resampling coefficients from `in` to `out` samples, [out, in].
torch::Tensor BoxCoefficients(int64_t in, int64_t out) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double filter_scale = std::max(scale, 1.0);
  const double support = 0.5 * filter_scale;
  torch::Tensor weights = torch::zeros({out, in}, torch::kDouble);
  auto w = weights.accessor<double, 2>();
  for (int64_t o = 0; o < out; ++o) {
    const double center = (static_cast<double>(o) + 0.5) * scale;
    const int64_t lo = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), 0);
    const int64_t hi = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), in);
    double total = 0;
    for (int64_t i = lo; i < hi; ++i) {
      const double t = (static_cast<double>(i) - center + 0.5) / filter_scale;
      const double value = (t > -0.5 && t <= 0.5) ? 1.0 : 0.0;
      w[o][i] = value;
      total += value;
    }
    for (int64_t i = lo; i < hi && total != 0; ++i) w[o][i] /= total;
  }
  return weights;
}

}  // namespace

torch::Tensor PadImages(const torch::Tensor& x, int64_t pad, Border border) {
  return x.index_select(2, PadIndex(x.size(2), pad, border, x.device()))
      .index_select(3, PadIndex(x.size(3), pad, border, x.device()));
}

torch::Tensor GaussianFilter(const torch::Tensor& x, double sigma, double truncate, Border border) {
  if (sigma <= 0) return x;
  const int64_t radius = static_cast<int64_t>(truncate * sigma + 0.5);
  torch::Tensor taps = torch::arange(-radius, radius + 1, torch::kDouble);
  taps = torch::exp(-0.5 * taps * taps / (sigma * sigma));
  taps = taps / taps.sum();
  return Correlate(Correlate(x, taps.view({-1, 1}), border), taps.view({1, -1}), border);
}

torch::Tensor Filter2d(const torch::Tensor& x, const torch::Tensor& kernel, Border border) {
  return Correlate(x, kernel, border);
}

torch::Tensor BoxResize(const torch::Tensor& x255, int64_t out_h, int64_t out_w) {
  const auto options = x255.options().dtype(torch::kDouble);
  const torch::Tensor horizontal = BoxCoefficients(x255.size(3), out_w).to(options.device());
  const torch::Tensor vertical = BoxCoefficients(x255.size(2), out_h).to(options.device());
  // PIL rounds half up (fixed point plus one half, shifted).
  torch::Tensor y = torch::floor(torch::matmul(x255.to(torch::kDouble), horizontal.t()) + 0.5).clamp(0, 255);
  y = torch::floor(torch::matmul(vertical, y) + 0.5).clamp(0, 255);
  return y.to(x255.scalar_type());
}

}  // namespace ens
