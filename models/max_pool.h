// 2x2 max-pooling with stride 2, the pooling of lenet and vgg. On CPU for
// contiguous (NCHW) float and double batches it runs our kernel: one sweep
// forward (four windows at a time in SSE2 for float) that also records which
// of the four inputs won as one byte per output, and one sweep backward that
// writes every input's gradient (the winner's upstream gradient, zero
// elsewhere). LibTorch 1.13's kernel keeps 8-byte indices, handles padding
// and dilation in its scalar inner loop, and its backward fills the input
// gradient with zeros, then scatters into it (`BM_MaxPool` in
// benchmarks/training_benchmark.cc compares the two). Values and gradients
// are bit for bit LibTorch's: the first maximum in row-major window order
// wins, and NaN wins as in LibTorch. Other devices, dtypes and memory formats
// (channels_last) go to torch::max_pool2d.
#ifndef ENSEMBLES_MODELS_MAX_POOL_H_
#define ENSEMBLES_MODELS_MAX_POOL_H_

#include <torch/types.h>

namespace ens {

// max_pool2d(input, kernel 2, stride 2) of an N x C x H x W batch; odd H or
// W drop the last row or column, as LibTorch does. Differentiable once.
torch::Tensor MaxPool2x2(const torch::Tensor& input);

}  // namespace ens

#endif  // ENSEMBLES_MODELS_MAX_POOL_H_
