#include "datasets/training_batches.h"

#include <torch/types.h>

#include "datasets/image_stream.h"

namespace ens {

class TrainingBatches::Stream {
 public:
  explicit Stream(std::unique_ptr<ImageStream::Reader> reader) : reader(std::move(reader)) {}
  std::unique_ptr<ImageStream::Reader> reader;
};

TrainingBatches::TrainingBatches(const Split& split, torch::Device device)
    : split_(split), images_(split.streamed() ? torch::Tensor() : split.images.to(device)) {}

TrainingBatches::~TrainingBatches() = default;

absl::Status TrainingBatches::StartEpoch(const std::vector<int64_t>& order, int64_t batch_size, int64_t count) {
  if (split_.streamed()) stream_ = std::make_unique<Stream>(split_.stream->Read(order, batch_size, count));
  return absl::OkStatus();
}

absl::StatusOr<torch::Tensor> TrainingBatches::Next(const torch::Tensor& index, int64_t first, int64_t last) {
  if (!stream_) return images_.index_select(0, index);
  absl::StatusOr<torch::Tensor> batch = stream_->reader->Next();  // the whole batch
  if (!batch.ok()) return batch.status();
  return batch->slice(0, first, last);
}

}  // namespace ens
