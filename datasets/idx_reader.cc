#include "datasets/idx_reader.h"

#include <algorithm>
#include <cstring>

#include <zlib.h>

#include <array>
#include <memory>
#include <vector>

#include <torch/types.h>

#include "absl/strings/str_cat.h"

namespace ens {
namespace {

// Refuse headers that would ask for absurd allocations.
constexpr uint64_t kMaxItems = 100'000'000;
constexpr uint64_t kMaxSide = 4096;
constexpr uint64_t kMaxBytes = uint64_t{16} << 30;

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};

class IdxFile {
 public:
  explicit IdxFile(std::string path) : path_(std::move(path)) {}

  absl::Status Open() {
    file_.reset(gzopen(path_.c_str(), "rb"));
    if (!file_) return absl::NotFoundError(absl::StrCat(path_, ": cannot open"));
    gzbuffer(file_.get(), 1 << 20);
    return absl::OkStatus();
  }

  // Reads exactly `size` bytes or fails naming the offset where data ran out.
  absl::Status Read(void* out, uint64_t size, absl::string_view what) {
    auto* bytes = static_cast<char*>(out);
    uint64_t done = 0;
    while (done < size) {
      const unsigned chunk = static_cast<unsigned>(std::min<uint64_t>(size - done, 1u << 30));
      const int got = gzread(file_.get(), bytes + done, chunk);
      if (got < 0) {
        int code = 0;
        const char* message = gzerror(file_.get(), &code);
        return absl::DataLossError(absl::StrCat(path_, ": corrupt gzip stream near byte offset ",
                                                offset_ + done, " (", message, ")"));
      }
      if (got == 0) {
        return absl::DataLossError(absl::StrCat(path_, ": truncated at byte offset ", offset_ + done,
                                                " while reading ", what, " (", size - done,
                                                " more bytes expected)"));
      }
      done += static_cast<uint64_t>(got);
    }
    offset_ += size;
    return absl::OkStatus();
  }

  absl::StatusOr<uint32_t> ReadBigEndian32(absl::string_view what) {
    std::array<unsigned char, 4> b{};
    absl::Status status = Read(b.data(), 4, what);
    if (!status.ok()) return status;
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
  }

  // Reads the magic and the dimension sizes; checks type and rank.
  absl::StatusOr<std::vector<uint64_t>> ReadHeader(uint32_t expected_magic) {
    const uint64_t magic_offset = offset_;
    auto magic = ReadBigEndian32("the magic number");
    if (!magic.ok()) return magic.status();
    if (*magic != expected_magic) {
      return absl::InvalidArgumentError(absl::StrCat(
          path_, ": bad magic number 0x", absl::Hex(*magic, absl::kZeroPad8), " at byte offset ",
          magic_offset, " (expected 0x", absl::Hex(expected_magic, absl::kZeroPad8), ")"));
    }
    std::vector<uint64_t> dims;
    for (uint32_t d = 0; d < (expected_magic & 0xff); ++d) {
      const uint64_t dim_offset = offset_;
      auto dim = ReadBigEndian32("the dimension sizes");
      if (!dim.ok()) return dim.status();
      const uint64_t limit = d == 0 ? kMaxItems : kMaxSide;
      if (*dim == 0 || *dim > limit) {
        return absl::InvalidArgumentError(absl::StrCat(path_, ": dimension ", d, " = ", *dim,
                                                       " at byte offset ", dim_offset,
                                                       " is out of range [1, ", limit, "]"));
      }
      dims.push_back(*dim);
    }
    return dims;
  }

  // Fails if anything follows the declared data.
  absl::Status ExpectEnd() {
    char extra = 0;
    const int got = gzread(file_.get(), &extra, 1);
    if (got < 0) {
      int code = 0;
      return absl::DataLossError(absl::StrCat(path_, ": corrupt gzip stream near byte offset ", offset_,
                                              " (", gzerror(file_.get(), &code), ")"));
    }
    if (got > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          path_, ": unexpected data at byte offset ", offset_, " after the declared items"));
    }
    return absl::OkStatus();
  }

  // `size` bytes, the buffer growing with the data actually read (64 MiB at
  // a time): a header claiming more than the file holds costs an error, not
  // an allocation of the claimed size.
  absl::StatusOr<std::vector<uint8_t>> ReadGrowing(uint64_t size, absl::string_view what) {
    constexpr uint64_t kChunk = uint64_t{64} << 20;
    std::vector<uint8_t> bytes;
    while (bytes.size() < size) {
      const uint64_t old = bytes.size(), chunk = std::min(kChunk, size - old);
      bytes.resize(old + chunk);
      absl::Status status = Read(bytes.data() + old, chunk, what);
      if (!status.ok()) return status;
    }
    return bytes;
  }

  const std::string& path() const { return path_; }
  uint64_t offset() const { return offset_; }

 private:
  std::string path_;
  std::unique_ptr<gzFile_s, GzCloser> file_;
  uint64_t offset_ = 0;
};

}  // namespace

absl::StatusOr<torch::Tensor> ReadIdxImages(const std::string& path) {
  IdxFile file(path);
  absl::Status status = file.Open();
  if (!status.ok()) return status;
  auto dims = file.ReadHeader(0x00000803);
  if (!dims.ok()) return dims.status();
  const uint64_t n = (*dims)[0], rows = (*dims)[1], cols = (*dims)[2];
  // Dimensions are 32-bit: the product fits in 128 bits, never wraps.
  if (static_cast<unsigned __int128>(n) * rows * cols > kMaxBytes) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": header claims ", n, "x", rows, "x", cols,
                                                   " bytes, more than the ", kMaxBytes, " allowed"));
  }
  auto pixels = file.ReadGrowing(n * rows * cols, "the pixels");
  if (!pixels.ok()) return pixels.status();
  status = file.ExpectEnd();
  if (!status.ok()) return status;
  torch::Tensor images = torch::empty({static_cast<int64_t>(n), 1, static_cast<int64_t>(rows),
                                       static_cast<int64_t>(cols)},
                                      torch::kByte);
  if (!pixels->empty()) std::memcpy(images.data_ptr<uint8_t>(), pixels->data(), pixels->size());
  return images;
}

absl::StatusOr<torch::Tensor> ReadIdxLabels(const std::string& path, int64_t num_classes) {
  IdxFile file(path);
  absl::Status status = file.Open();
  if (!status.ok()) return status;
  auto dims = file.ReadHeader(0x00000801);
  if (!dims.ok()) return dims.status();
  const uint64_t n = (*dims)[0];
  const uint64_t data_offset = file.offset();
  auto read = file.ReadGrowing(n, "the labels");
  if (!read.ok()) return read.status();
  const std::vector<uint8_t>& bytes = *read;
  status = file.ExpectEnd();
  if (!status.ok()) return status;
  torch::Tensor labels = torch::empty({static_cast<int64_t>(n)}, torch::kLong);
  auto* out = labels.data_ptr<int64_t>();
  for (uint64_t i = 0; i < n; ++i) {
    if (bytes[i] >= num_classes) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": label ", int{bytes[i]}, " at byte offset ",
                                                     data_offset + i, " is not below ", num_classes));
    }
    out[i] = bytes[i];
  }
  return labels;
}

}  // namespace ens
