// The training split's images, batch by batch, for the Trainer and for
// BatchNorm recomputation: gathered by index from a copy on the device (a
// split in memory), or decoded ahead by worker threads from files (a
// streamed split; see datasets/image_stream.h). Whoever trains sees only
// this, not where the images come from.
//
//   TrainingBatches source(data.train, device);
//   ENS_RETURN_IF_ERROR(source.StartEpoch(order, batch_size, iterations));
//   for (...) ENS_ASSIGN_OR_RETURN(torch::Tensor images, source.Next(index, first, last));
#ifndef ENSEMBLES_DATASETS_TRAINING_BATCHES_H_
#define ENSEMBLES_DATASETS_TRAINING_BATCHES_H_

#include <cstdint>
#include <memory>
#include <vector>

#include <torch/types.h>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"

namespace ens {

class TrainingBatches {
 public:
  TrainingBatches(const Split& split, torch::Device device);
  ~TrainingBatches();

  // Starts an epoch that visits `order` in `count` batches of `batch_size`
  // rows (the last one shorter). A streamed split starts decoding here.
  absl::Status StartEpoch(const std::vector<int64_t>& order, int64_t batch_size, int64_t count);

  // uint8 images [last - first, C, H, W] of the next batch's rows [first,
  // last) (this process's part of it), whose split indices are `index`.
  absl::StatusOr<torch::Tensor> Next(const torch::Tensor& index, int64_t first, int64_t last);

 private:
  class Stream;
  const Split& split_;
  torch::Tensor images_;            // in memory: the split on the device
  std::unique_ptr<Stream> stream_;  // streamed: this epoch's reader
};

}  // namespace ens

#endif  // ENSEMBLES_DATASETS_TRAINING_BATCHES_H_
