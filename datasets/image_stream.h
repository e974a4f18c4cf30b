// A training split read from JPEG files while training, for image folders
// too large for memory: only the labels (and file names) are resident; each
// epoch a pool of worker threads decodes the batches of that epoch's order
// ahead of the trainer, at most `prefetch` batches beyond the one in use.
// Batches come in order, so training is the same as from memory.
//
//   auto reader = stream.Read(order, batch_size, batches);
//   ENS_ASSIGN_OR_RETURN(torch::Tensor images, reader->Next());  // uint8 [B, 3, side, side]
#ifndef ENSEMBLES_DATASETS_IMAGE_STREAM_H_
#define ENSEMBLES_DATASETS_IMAGE_STREAM_H_

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <torch/types.h>

#include "absl/status/statusor.h"

namespace ens {

class ImageStream {
 public:
  // `workers` 0: every core.
  ImageStream(std::vector<std::string> paths, int64_t side, int workers, int64_t prefetch);

  int64_t size() const { return static_cast<int64_t>(paths_.size()); }
  int64_t side() const { return side_; }
  const std::vector<std::string>& paths() const { return paths_; }

  // The same stream over `rows` of this one (hold-out splits).
  std::shared_ptr<ImageStream> Subset(const std::vector<int64_t>& rows) const;
  // `rows` decoded into memory, uint8 [rows, 3, side, side].
  absl::StatusOr<torch::Tensor> DecodeRows(const std::vector<int64_t>& rows) const;

  class Reader {
   public:
    ~Reader();
    // The next batch in order; an error names the file.
    absl::StatusOr<torch::Tensor> Next();

   private:
    friend class ImageStream;
    Reader(const ImageStream& stream, std::vector<int64_t> order, int64_t batch_size, int64_t batches);
    void Work();

    const ImageStream& stream_;
    const std::vector<int64_t> order_;
    const int64_t batch_size_, batches_;
    std::mutex mutex_;
    std::condition_variable changed_;
    int64_t next_to_decode_ = 0, next_to_return_ = 0;
    bool stopping_ = false;
    std::map<int64_t, absl::StatusOr<torch::Tensor>> ready_;
    std::vector<std::thread> workers_;
  };

  // Reads `batches` batches of `batch_size` rows of `order` (the last one
  // may be shorter).
  std::unique_ptr<Reader> Read(std::vector<int64_t> order, int64_t batch_size, int64_t batches) const;

 private:
  std::vector<std::string> paths_;
  int64_t side_;
  int workers_;
  int64_t prefetch_;
};

}  // namespace ens

#endif  // ENSEMBLES_DATASETS_IMAGE_STREAM_H_
