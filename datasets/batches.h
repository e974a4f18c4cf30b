// Batches built on the training device from the uint8 dataset: gather by
// index, scale to [0, 1], normalise per channel, augment the whole batch.
#ifndef ENSEMBLES_DATASETS_BATCHES_H_
#define ENSEMBLES_DATASETS_BATCHES_H_

#include <torch/types.h>

#include "datasets/dataset.h"

namespace ens {

// The random choices of an augmentation for n examples: crop offsets dy, dx
// [n, 1] (long) in [0, 2 * padding], flips [n, 1, 1, 1] (bool); undefined
// for what the augmentation does not do.
struct AugmentationDraws {
  torch::Tensor dy, dx, flip;
};

// Draws them in this order (dy, dx, flip) from `generator`, or LibTorch's
// default one of the device in `floats` (a float type: the flips' draw).
AugmentationDraws DrawAugmentation(int64_t n, const Augmentation& augmentation, const torch::TensorOptions& floats,
                                   c10::optional<torch::Generator> generator = c10::nullopt);

class BatchMaker {
 public:
  // Keeps per-channel mean and std as [1, C, 1, 1] tensors on `device`.
  // `channels_last`: batches come out in the NHWC memory layout (for
  // networks converted with ToChannelsLast; faster convolutions).
  BatchMaker(const Dataset& data, torch::Device device, bool channels_last = false);

  // uint8 [B, C, H, W] (any device) -> normalised float on the device.
  torch::Tensor Normalize(const torch::Tensor& images) const;

  // Random crop (after zero padding) and horizontal flip, per example, done
  // with batched indexing; randomness from LibTorch's generator.
  torch::Tensor Augment(const torch::Tensor& batch, const Augmentation& augmentation) const;
  // The same with the random choices given (rows of `draws` for the batch's
  // examples, on any device).
  torch::Tensor Augment(const torch::Tensor& batch, const Augmentation& augmentation,
                        const AugmentationDraws& draws) const;

  torch::Device device() const { return device_; }

 private:
  torch::Tensor Layout(torch::Tensor batch) const;

  torch::Device device_;
  bool channels_last_ = false;
  torch::Tensor mean_, inv_std_;
};

}  // namespace ens

#endif  // ENSEMBLES_DATASETS_BATCHES_H_
