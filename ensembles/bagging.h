// Bagging (Breiman 1996): each member trains on its own bootstrap sample of
// the training split, n draws with replacement.
#ifndef ENSEMBLES_ENSEMBLES_BAGGING_H_
#define ENSEMBLES_ENSEMBLES_BAGGING_H_

#include <cstdint>

#include <torch/types.h>

#include "datasets/dataset.h"

namespace ens {

// n indices drawn uniformly with replacement from [0, n), from `seed`.
torch::Tensor BootstrapIndices(int64_t n, uint64_t seed);

// `data` with its training split replaced by the rows `indices` of it (the
// validation and test splits and the normalisation are kept).
Dataset WithTrainingRows(const Dataset& data, const torch::Tensor& indices);

}  // namespace ens

#endif  // ENSEMBLES_ENSEMBLES_BAGGING_H_
