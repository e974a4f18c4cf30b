// The digital corruptions of CIFAR-10-C on 8-bit images, as the generator's
// PIL calls make them: pixelate (BOX down- and up-sampling) and JPEG
// (libjpeg-turbo at PIL's defaults: standard tables, 4:2:0 chroma for
// colour images, the accurate integer DCT both ways: TurboJPEG's own
// default, the fast DCT, differs from PIL's by up to 33 levels).
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include <turbojpeg.h>
#include <torch/types.h>

#include "shift/corruption.h"
#include "shift/image_filters.h"

namespace ens {
namespace {

torch::Tensor ToBytes(const torch::Tensor& x) { return (x * 255).round().clamp(0, 255); }

// BOX resize to floor(side c), then back
Corruption Pixelate(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t) {
    const double c = LevelOf(p, "c", severity);
    const int64_t h = x.size(2), w = x.size(3);
    const int64_t small_h = std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(h) * c));
    const int64_t small_w = std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(w) * c));
    return BoxResize(BoxResize(ToBytes(x), small_h, small_w), h, w) / 255.0;
  };
}

struct TjHandles {
  tjhandle compress = tjInitCompress();
  tjhandle decompress = tjInitDecompress();
  ~TjHandles() {
    if (compress) tjDestroy(compress);
    if (decompress) tjDestroy(decompress);
  }
};

// Every image JPEG-encoded at `quality` and decoded (on the CPU).
torch::Tensor JpegRoundTrip(const torch::Tensor& x, int quality) {
  const int64_t n = x.size(0), channels = x.size(1), h = x.size(2), w = x.size(3);
  if (channels != 1 && channels != 3) throw std::invalid_argument("jpeg: images need 1 or 3 channels");
  // Interleaved bytes [N, H, W, C].
  torch::Tensor pixels = ToBytes(x).to(torch::kCPU, torch::kByte).permute({0, 2, 3, 1}).contiguous();
  torch::Tensor out = torch::empty_like(pixels);
  const int format = channels == 1 ? TJPF_GRAY : TJPF_RGB;
  const int subsampling = channels == 1 ? TJSAMP_GRAY : TJSAMP_420;
  TjHandles tj;
  if (!tj.compress || !tj.decompress) throw std::runtime_error("jpeg: libjpeg-turbo did not initialise");
  const int64_t stride = h * w * channels;
  for (int64_t i = 0; i < n; ++i) {
    unsigned char* jpeg = nullptr;
    unsigned long size = 0;
    if (tjCompress2(tj.compress, pixels.data_ptr<uint8_t>() + i * stride, static_cast<int>(w), 0, static_cast<int>(h),
                    format, &jpeg, &size, subsampling, quality, TJFLAG_ACCURATEDCT) != 0) {
      tjFree(jpeg);
      throw std::runtime_error(std::string("jpeg: encoding failed: ") + tjGetErrorStr2(tj.compress));
    }
    const int decoded = tjDecompress2(tj.decompress, jpeg, size, out.data_ptr<uint8_t>() + i * stride,
                                      static_cast<int>(w), 0, static_cast<int>(h), format, TJFLAG_ACCURATEDCT);
    tjFree(jpeg);
    if (decoded != 0) throw std::runtime_error(std::string("jpeg: decoding failed: ") + tjGetErrorStr2(tj.decompress));
  }
  return out.permute({0, 3, 1, 2}).to(x.options()) / 255.0;
}

Corruption Jpeg(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t) {
    return JpegRoundTrip(x, static_cast<int>(LevelOf(p, "quality", severity)));
  };
}

ENS_REGISTER(CorruptionRegistry(), "pixelate",
             "PIL BOX resize to floor(side c) and back, 8-bit (CIFAR-10-C)",
             ParamSchema().DoubleList("c", "0.95:0.9:0.85:0.75:0.65", "fraction of the side kept per severity")
                 .Min(0.01)
                 .Max(1),
             Pixelate);
ENS_REGISTER(CorruptionRegistry(), "jpeg",
             "JPEG encoding and decoding at quality c (libjpeg-turbo, PIL's defaults; on the CPU) (CIFAR-10-C)",
             ParamSchema().DoubleList("quality", "80:65:58:50:40", "JPEG quality per severity").Min(1).Max(100),
             Jpeg);

}  // namespace
}  // namespace ens
