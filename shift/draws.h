// A corruption's random draws: from a CPU generator seeded by the caller's
// seed (the same numbers on every device and platform), then moved to the
// images' device. Sizes are those of the images or of what a corruption
// draws per image.
#ifndef ENSEMBLES_SHIFT_DRAWS_H_
#define ENSEMBLES_SHIFT_DRAWS_H_

#include <cstdint>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

namespace ens {

class Draws {
 public:
  explicit Draws(uint64_t seed) : generator_(at::detail::createCPUGenerator(seed)) {}

  // U[lo, hi) of `sizes`, as `like`'s dtype on its device.
  torch::Tensor Uniform(torch::IntArrayRef sizes, double lo, double hi, const torch::Tensor& like) {
    return (at::rand(sizes, generator_, torch::kDouble) * (hi - lo) + lo).to(like.options());
  }
  // N(0, 1) of `sizes`.
  torch::Tensor Normal(torch::IntArrayRef sizes, const torch::Tensor& like) {
    return at::randn(sizes, generator_, torch::kDouble).to(like.options());
  }
  // Poisson(rates) elementwise.
  torch::Tensor Poisson(const torch::Tensor& rates) {
    return at::poisson(rates.to(torch::kCPU, torch::kDouble), generator_).to(rates.options());
  }
  // Integers in [lo, hi) (CPU, int64).
  torch::Tensor Integers(torch::IntArrayRef sizes, int64_t lo, int64_t hi) {
    return at::randint(lo, hi, sizes, generator_, torch::kLong);
  }

 private:
  torch::Generator generator_;
};

}  // namespace ens

#endif  // ENSEMBLES_SHIFT_DRAWS_H_
