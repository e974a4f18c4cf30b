// The standard fully connected layer on the CPU: y = x W^T + b with each of
// its three matrix products (forward; input and weight gradients backward)
// split by output rows across ATen's intra-op threads, one single-threaded
// BLAS product per thread. OpenBLAS is held at one thread of its own
// (engine/cpu_threads.h: its spinning pool fights ATen's OpenMP threads in the
// convolutions around it), so a plain torch::nn::Linear runs lenet's fc1
// (9216 x 128) on one core; split, the three products take half the time on
// two cores (`BM_Linear` in benchmarks/training_benchmark.cc). Values and
// gradients are LibTorch's up to float rounding (each block of rows is its
// own BLAS call, whose kernels may order a sum differently). Small products,
// CUDA tensors and autocast regions go to LibTorch's own linear; a backward
// pass that records its graph (create_graph) uses LibTorch's products, so
// the layer is differentiable twice.
#ifndef ENSEMBLES_MODELS_THREADED_LINEAR_H_
#define ENSEMBLES_MODELS_THREADED_LINEAR_H_

#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace ens {

// x W^T + b for x [rows, in] (other ranks go to LibTorch's linear, which
// for them is a matmul and an add), weight [out, in], bias [out] or
// undefined; differentiable.
torch::Tensor ThreadedLinearForward(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

// Whether this build splits products at all: ATen's parallel_for is an
// OpenMP pragma in its header, so threaded_linear.cc must be compiled with
// -fopenmp (Bazel and CMake both do) or it silently runs on one thread.
bool ThreadedLinearSplits();

// Whether splitting beats LibTorch's own linear here: a build that splits,
// against a LibTorch whose BLAS is not MKL. MKL (PyPI's LibTorch 2.x) threads
// each product itself and is as fast or faster (BM_Linear:
// docs/PERFORMANCE.md); OpenBLAS, held at one thread (Debian's 1.13), is not.
bool ThreadedLinearPaysOff();

// ThreadedLinearForward where ThreadedLinearPaysOff(), LibTorch's linear
// elsewhere: the forward of every fully connected layer (ThreadedLinear,
// BatchEnsemble's shared weight).
torch::Tensor LinearForward(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

// torch::nn::Linear (same options, parameters and initialisation) whose
// forward is LinearForward.
class ThreadedLinearImpl : public torch::nn::LinearImpl {
 public:
  using torch::nn::LinearImpl::LinearImpl;
  torch::Tensor forward(const torch::Tensor& input);
};
TORCH_MODULE(ThreadedLinear);

}  // namespace ens

#endif  // ENSEMBLES_MODELS_THREADED_LINEAR_H_
