// BatchEnsemble's layers (ensembles/batch_ensemble.cc: the method
// `batch_ensemble`), for tests and methods built on them.
#ifndef ENSEMBLES_ENSEMBLES_BATCH_ENSEMBLE_H_
#define ENSEMBLES_ENSEMBLES_BATCH_ENSEMBLE_H_

#include <cstdint>
#include <memory>

#include "ensembles/method.h"

namespace ens {

// Linear and Conv2d layers of `members` members sharing the weight W: each
// with parameters "weight" (W, as torch::nn's layer draws it), "r" [M, in],
// "s" [M, out] (N(1, 0.5^2)) and, where the layer has a bias, "bias" [M, out];
// input and output member-major ([M * n, ...]). BatchNorm2d is shared, or
// one per member ("bn" over M x C channels, member m's block m).
std::unique_ptr<LayerFactory> MakeBatchEnsembleLayers(int64_t members, bool per_member_batchnorm = false);

}  // namespace ens

#endif  // ENSEMBLES_ENSEMBLES_BATCH_ENSEMBLE_H_
