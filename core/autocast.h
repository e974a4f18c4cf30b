// bf16 mixed precision for the Trainer's forward pass and loss (--autocast):
// while the guard lives, LibTorch's autocast runs the ops it lists as safe in
// lower precision (convolutions, matmuls) in bfloat16 on `device`'s kind and
// keeps the rest (softmax, losses, reductions) in float32. Weights, gradients
// and the optimizer stay float32; bf16 needs no loss scaling.
#ifndef ENSEMBLES_CORE_AUTOCAST_H_
#define ENSEMBLES_CORE_AUTOCAST_H_

#include <torch/types.h>

namespace ens {

// Whether LibTorch's autocast is on for tensors of `type` in this thread
// (code that runs products on its own threads has to leave them to
// LibTorch's ops then: autocast is thread-local).
bool AutocastEnabled(torch::DeviceType type);

class Bf16AutocastGuard {
 public:
  // Does nothing when `enabled` is false.
  Bf16AutocastGuard(torch::Device device, bool enabled);
  ~Bf16AutocastGuard();
  Bf16AutocastGuard(const Bf16AutocastGuard&) = delete;
  Bf16AutocastGuard& operator=(const Bf16AutocastGuard&) = delete;

 private:
  bool enabled_;
  torch::DeviceType type_;
  bool was_enabled_ = false;
  torch::ScalarType old_dtype_ = torch::kFloat;
};

}  // namespace ens

#endif  // ENSEMBLES_CORE_AUTOCAST_H_
