// KFAC-Laplace (Ritter et al., ICLR 2018): a Gaussian around a trained (MAP)
// network whose covariance, per Linear / Conv2d layer, is the inverse of a
// Kronecker-factored curvature:
//   W ~ N(W_map, scale * (A + sqrt(tau) I)^-1 (x) (G + sqrt(tau) I)^-1)
// with A = E[a a^T] over the layer's inputs (a 1 appended for the bias;
// patches unfolded and averaged over positions for convolutions) and
// G = E[g g^T] over the gradients of the per-example loss at the layer's
// outputs (summed over positions for convolutions, the KFC approximation).
// Labels for the gradients are drawn from the model's own predictive
// distribution (the Fisher), or the true ones (the empirical Fisher).
#ifndef ENSEMBLES_ENSEMBLES_KRONECKER_FACTORS_H_
#define ENSEMBLES_ENSEMBLES_KRONECKER_FACTORS_H_

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "absl/status/statusor.h"
#include "datasets/batches.h"
#include "datasets/dataset.h"
#include "models/model.h"

namespace ens {

// Linear / Conv2d layers with the parameter names of the standard ones that
// record their input and the gradient at their output while capturing.
LayerFactory& KfacCaptureLayers();

struct LayerFactors {
  std::string name;  // the layer's module path, e.g. "conv1"
  bool bias = false;
  torch::Tensor a;   // float64 [in (+1)]^2, in = C k k for a convolution
  torch::Tensor g;   // float64 [out, out]
};

// One pass over `split` in eval mode through `net`, built with
// KfacCaptureLayers(). `sampled_labels`: labels drawn from the model
// (stream `seed`); otherwise the split's labels.
absl::StatusOr<std::vector<LayerFactors>> ComputeKroneckerFactors(Network& net, const Split& split,
                                                                  const BatchMaker& batches, int64_t batch_size,
                                                                  bool sampled_labels, uint64_t seed);

}  // namespace ens

#endif  // ENSEMBLES_ENSEMBLES_KRONECKER_FACTORS_H_
