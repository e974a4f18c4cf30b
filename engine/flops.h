// Floating-point operations of real work, counted by LibTorch's profiler:
// the tensor operations a piece of code runs, each with LibTorch's estimate.
// Convolutions and matrix products count 2 per multiply-add, element-wise
// additions and multiplications one per element; normalisation, activations
// and pooling count nothing, as in the FLOP counts papers give. Whatever
// layers a method builds (grouped, rank-1 scaled, masked), what runs is what
// is counted.
#ifndef ENSEMBLES_ENGINE_FLOPS_H_
#define ENSEMBLES_ENGINE_FLOPS_H_

#include <functional>
#include <optional>

namespace ens {

// Runs `work` once and returns the FLOPs of the operations it ran on this
// thread and on ATen's worker threads that took this thread's state.
// nullopt (work still run) when a profiler is already recording here, or
// when LibTorch could not estimate an operator's FLOPs on this thread (its
// warning is kept off the screen: a count that misses an operator is no
// count; warnings of ATen's worker threads go to their own handler). An
// operator that calls itself again (autocast casting its inputs) counts once.
std::optional<double> CountFlops(const std::function<void()>& work);

}  // namespace ens

#endif  // ENSEMBLES_ENGINE_FLOPS_H_
