#include "datasets/image_stream.h"

#include <algorithm>

#include <torch/types.h>

#include "datasets/image_files.h"

namespace ens {

ImageStream::ImageStream(std::vector<std::string> paths, int64_t side, int workers, int64_t prefetch)
    : paths_(std::move(paths)),
      side_(side),
      workers_(workers > 0 ? workers : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))),
      prefetch_(std::max<int64_t>(1, prefetch)) {}

std::shared_ptr<ImageStream> ImageStream::Subset(const std::vector<int64_t>& rows) const {
  std::vector<std::string> paths;
  paths.reserve(rows.size());
  for (int64_t row : rows) paths.push_back(paths_.at(row));
  return std::make_shared<ImageStream>(std::move(paths), side_, workers_, prefetch_);
}

absl::StatusOr<torch::Tensor> ImageStream::DecodeRows(const std::vector<int64_t>& rows) const {
  std::vector<std::string> paths;
  for (int64_t row : rows) paths.push_back(paths_.at(row));
  return DecodeImages(paths, side_, workers_);
}

std::unique_ptr<ImageStream::Reader> ImageStream::Read(std::vector<int64_t> order, int64_t batch_size,
                                                       int64_t batches) const {
  return std::unique_ptr<Reader>(new Reader(*this, std::move(order), batch_size, batches));
}

ImageStream::Reader::Reader(const ImageStream& stream, std::vector<int64_t> order, int64_t batch_size,
                            int64_t batches)
    : stream_(stream), order_(std::move(order)), batch_size_(batch_size), batches_(batches) {
  for (int t = 0; t < stream_.workers_; ++t) workers_.emplace_back([this] { Work(); });
}

ImageStream::Reader::~Reader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ImageStream::Reader::Work() {
  const int64_t n = static_cast<int64_t>(order_.size());
  while (true) {
    int64_t batch = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // Decode ahead, but at most `prefetch` batches beyond the consumer.
      changed_.wait(lock, [&] {
        return stopping_ || next_to_decode_ >= batches_ || next_to_decode_ < next_to_return_ + stream_.prefetch_;
      });
      if (stopping_ || next_to_decode_ >= batches_) return;
      batch = next_to_decode_++;
    }
    const int64_t begin = std::min(batch * batch_size_, n), end = std::min(begin + batch_size_, n);
    std::vector<std::string> paths;
    for (int64_t i = begin; i < end; ++i) paths.push_back(stream_.paths_[order_[i]]);
    absl::StatusOr<torch::Tensor> images = DecodeImages(paths, stream_.side_, /*threads=*/1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.emplace(batch, std::move(images));
    }
    changed_.notify_all();
  }
}

absl::StatusOr<torch::Tensor> ImageStream::Reader::Next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (next_to_return_ >= batches_) return absl::OutOfRangeError("the epoch's batches are all read");
  changed_.wait(lock, [&] { return ready_.count(next_to_return_) > 0; });
  auto it = ready_.find(next_to_return_);
  absl::StatusOr<torch::Tensor> images = std::move(it->second);
  ready_.erase(it);
  ++next_to_return_;
  lock.unlock();
  changed_.notify_all();
  return images;
}

}  // namespace ens
