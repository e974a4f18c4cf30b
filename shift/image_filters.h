// The image filters the corruptions are made of, with the border rules of
// the libraries the CIFAR-10-C generator calls (scipy.ndimage / scikit-image,
// OpenCV, PIL), on float [N, C, H, W] tensors on any device.
#ifndef ENSEMBLES_SHIFT_IMAGE_FILTERS_H_
#define ENSEMBLES_SHIFT_IMAGE_FILTERS_H_

#include <cstdint>

#include <torch/types.h>

namespace ens {

enum class Border {
  kNearest,    // a a a | a b c d | d d d  (scipy 'nearest', OpenCV REPLICATE)
  kReflect,    // c b a | a b c d | d c b  (scipy 'reflect', half-sample symmetric)
  kMirror,     // d c b | a b c d | c b a  (scipy 'mirror', OpenCV REFLECT_101)
};

// `x` [N, C, H, W] padded by `pad` rows and columns on every side.
torch::Tensor PadImages(const torch::Tensor& x, int64_t pad, Border border);

// scipy.ndimage.gaussian_filter over H and W (each channel alone): weights
// exp(-t^2 / 2 sigma^2) on t in [-r, r], r = int(truncate * sigma + 0.5),
// normalised. sigma <= 0 returns x.
torch::Tensor GaussianFilter(const torch::Tensor& x, double sigma, double truncate, Border border);

// OpenCV's filter2D (correlation with a square float64 `kernel` [k, k], k
// odd, anchored at its centre), each channel alone.
torch::Tensor Filter2d(const torch::Tensor& x, const torch::Tensor& kernel, Border border);

// PIL's Image.resize with the BOX filter, to out_h x out_w, on values in
// [0, 255], rounded to integers after each pass (horizontal, then vertical)
// as PIL's 8-bit images are.
torch::Tensor BoxResize(const torch::Tensor& x255, int64_t out_h, int64_t out_w);

}  // namespace ens

#endif  // ENSEMBLES_SHIFT_IMAGE_FILTERS_H_
