// Dropout whose mask comes from a counter-based generator (SplitMix64)
// keyed by one 64-bit draw from LibTorch's default CPU generator: element k
// of the input (in memory order) is kept when the k-th random 32-bit word is
// below (1 - p) * 2^32. The mask is never stored: the forward pass masks and
// scales in one sweep, the backward pass recomputes the same mask from the
// saved key. (LibTorch 1.13's CPU dropout draws a Bernoulli per element with
// mt19937, then divides and multiplies in two more sweeps: `BM_Dropout` in
// benchmarks/training_benchmark.cc compares the two.) CUDA tensors use
// LibTorch's fused dropout.
#ifndef ENSEMBLES_MODELS_DROPOUT_H_
#define ENSEMBLES_MODELS_DROPOUT_H_

#include <cstdint>
#include <ostream>

#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace ens {

// input * mask / (1 - p), the mask drawn from `key` as above; differentiable.
torch::Tensor CounterDropout(const torch::Tensor& input, double p, uint64_t key);

class DropoutImpl : public torch::nn::Cloneable<DropoutImpl> {
 public:
  explicit DropoutImpl(double p = 0.5);
  void reset() override {}
  // Identity in eval mode or with p = 0.
  torch::Tensor forward(const torch::Tensor& input);
  double p() const { return p_; }
  void pretty_print(std::ostream& stream) const override;

 private:
  double p_;
};
TORCH_MODULE(Dropout);

}  // namespace ens

#endif  // ENSEMBLES_MODELS_DROPOUT_H_
