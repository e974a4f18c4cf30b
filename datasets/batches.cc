#include "datasets/batches.h"

#include <torch/types.h>

namespace ens {

BatchMaker::BatchMaker(const Dataset& data, torch::Device device, bool channels_last)
    : device_(device), channels_last_(channels_last) {
  const int64_t channels = static_cast<int64_t>(data.mean.size());
  mean_ = torch::tensor(data.mean, torch::kFloat).view({1, channels, 1, 1}).to(device);
  inv_std_ = torch::tensor(data.std, torch::kFloat).reciprocal().view({1, channels, 1, 1}).to(device);
}

torch::Tensor BatchMaker::Normalize(const torch::Tensor& images) const {
  // (x/255 - mean) / std, in two fused in-place steps.
  // A copy even of float images already on the device: the steps are in place.
  return Layout(images.to(device_, torch::kFloat, /*non_blocking=*/false, /*copy=*/true)
                    .mul_(1.0 / 255)
                    .sub_(mean_)
                    .mul_(inv_std_));
}

AugmentationDraws DrawAugmentation(int64_t n, const Augmentation& augmentation, const torch::TensorOptions& floats,
                                   c10::optional<torch::Generator> generator) {
  AugmentationDraws draws;
  const auto longs = floats.dtype(torch::kLong);
  if (augmentation.crop_padding > 0) {
    const int64_t offsets = 2 * augmentation.crop_padding + 1;
    draws.dy = torch::randint(offsets, {n, 1}, generator, longs);
    draws.dx = torch::randint(offsets, {n, 1}, generator, longs);
  }
  if (augmentation.flip) draws.flip = torch::rand({n, 1, 1, 1}, generator, floats) < 0.5;
  return draws;
}

torch::Tensor BatchMaker::Augment(const torch::Tensor& batch, const Augmentation& augmentation) const {
  return Augment(batch, augmentation, DrawAugmentation(batch.size(0), augmentation, batch.options()));
}

torch::Tensor BatchMaker::Augment(const torch::Tensor& batch, const Augmentation& augmentation,
                                  const AugmentationDraws& draws) const {
  torch::Tensor out = batch;
  const int64_t n = batch.size(0), height = batch.size(2), width = batch.size(3);
  if (augmentation.crop_padding > 0) {
    const int64_t pad = augmentation.crop_padding;
    const torch::Tensor padded = torch::constant_pad_nd(batch, {pad, pad, pad, pad}, 0);
    auto options = torch::TensorOptions().dtype(torch::kLong).device(batch.device());
    const torch::Tensor rows = (draws.dy.to(batch.device()) + torch::arange(height, options)).view({n, 1, height, 1});
    const torch::Tensor cols = (draws.dx.to(batch.device()) + torch::arange(width, options)).view({n, 1, 1, width});
    const torch::Tensor samples = torch::arange(n, options).view({n, 1, 1, 1});
    const torch::Tensor channels = torch::arange(batch.size(1), options).view({1, -1, 1, 1});
    out = padded.index({samples, channels, rows, cols});
  }
  if (augmentation.flip) out = torch::where(draws.flip.to(batch.device()), out.flip({3}), out);
  return Layout(out);
}

torch::Tensor BatchMaker::Layout(torch::Tensor batch) const {
  return channels_last_ && batch.dim() == 4 ? batch.contiguous(torch::MemoryFormat::ChannelsLast) : batch;
}

}  // namespace ens
