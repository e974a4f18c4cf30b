#include "datasets/mat_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace ens {
namespace {

enum : uint32_t {
  kMiInt8 = 1, kMiUint8 = 2, kMiInt16 = 3, kMiUint16 = 4, kMiInt32 = 5, kMiUint32 = 6, kMiSingle = 7,
  kMiDouble = 9, kMiInt64 = 12, kMiUint64 = 13, kMiMatrix = 14, kMiCompressed = 15,
};

int ElementSize(uint32_t type) {
  switch (type) {
    case kMiInt8: case kMiUint8: return 1;
    case kMiInt16: case kMiUint16: return 2;
    case kMiInt32: case kMiUint32: case kMiSingle: return 4;
    case kMiDouble: case kMiInt64: case kMiUint64: return 8;
    default: return 0;
  }
}

double ValueAt(const uint8_t* p, uint32_t type) {
  switch (type) {
    case kMiInt8: return static_cast<int8_t>(*p);
    case kMiUint8: return *p;
    case kMiInt16: { int16_t v; std::memcpy(&v, p, 2); return v; }
    case kMiUint16: { uint16_t v; std::memcpy(&v, p, 2); return v; }
    case kMiInt32: { int32_t v; std::memcpy(&v, p, 4); return v; }
    case kMiUint32: { uint32_t v; std::memcpy(&v, p, 4); return v; }
    case kMiSingle: { float v; std::memcpy(&v, p, 4); return v; }
    case kMiDouble: { double v; std::memcpy(&v, p, 8); return v; }
    case kMiInt64: { int64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
    case kMiUint64: { uint64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
    default: return 0;
  }
}

// A view of bytes with a cursor; offsets in errors are where() + base.
class Reader {
 public:
  Reader(const uint8_t* data, uint64_t size, std::string where, uint64_t base)
      : data_(data), size_(size), where_(std::move(where)), base_(base) {}

  struct Tag {
    uint32_t type = 0;
    uint64_t bytes = 0;
    uint64_t offset = 0;      // of the tag
    const uint8_t* data = nullptr;
  };

  bool done() const { return pos_ >= size_; }
  uint64_t pos() const { return pos_; }
  absl::Status Error(uint64_t at, const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(where_, ": ", what, " at byte offset ", base_ + at));
  }

  // Reads one element tag (small or normal) and skips past its padded data.
  absl::StatusOr<Tag> Next() {
    Tag tag;
    tag.offset = pos_;
    if (size_ - pos_ < 8) return Error(pos_, "truncated element tag");
    uint32_t first, second;
    std::memcpy(&first, data_ + pos_, 4);
    std::memcpy(&second, data_ + pos_ + 4, 4);
    if ((first >> 16) != 0) {  // small data element: 2-byte size, 2-byte type, 4 data bytes
      tag.type = first & 0xFFFF;
      tag.bytes = first >> 16;
      if (tag.bytes > 4) return Error(pos_, "small data element longer than 4 bytes");
      tag.data = data_ + pos_ + 4;
      pos_ += 8;
      return tag;
    }
    tag.type = first;
    tag.bytes = second;
    if (tag.bytes > size_ - pos_ - 8) {
      return Error(pos_, absl::StrCat("element of ", tag.bytes, " bytes runs past the end (", size_ - pos_ - 8,
                                      " left)"));
    }
    tag.data = data_ + pos_ + 8;
    // Compressed elements are not padded; every other one to 8 bytes.
    const uint64_t padded = tag.type == kMiCompressed ? tag.bytes : (tag.bytes + 7) / 8 * 8;
    pos_ = std::min<uint64_t>(size_, pos_ + 8 + padded);
    return tag;
  }

 private:
  const uint8_t* data_;
  uint64_t size_;
  std::string where_;
  uint64_t base_;
  uint64_t pos_ = 0;
};

// Parses one miMATRIX element's contents; `name` gets its name.
absl::Status ParseMatrix(Reader& matrix, std::string* name, MatArray* array) {
  ENS_ASSIGN_OR_RETURN(Reader::Tag flags, matrix.Next());
  if (flags.type != kMiUint32 || flags.bytes != 8) return matrix.Error(flags.offset, "bad array flags");
  uint32_t flag_word;
  std::memcpy(&flag_word, flags.data, 4);
  array->matlab_class = static_cast<int>(flag_word & 0xFF);
  const bool complex = (flag_word & 0x800) != 0;
  ENS_ASSIGN_OR_RETURN(Reader::Tag dims, matrix.Next());
  if (dims.type != kMiInt32 || dims.bytes % 4 != 0 || dims.bytes < 8) {
    return matrix.Error(dims.offset, "bad dimensions element");
  }
  uint64_t numel = 1;
  for (uint64_t i = 0; i < dims.bytes / 4; ++i) {
    int32_t d;
    std::memcpy(&d, dims.data + 4 * i, 4);
    if (d < 0) return matrix.Error(dims.offset, absl::StrCat("negative dimension ", d));
    array->dims.push_back(d);
    numel *= static_cast<uint64_t>(d);
    if (numel > (uint64_t{1} << 40)) return matrix.Error(dims.offset, "absurd dimensions");
  }
  ENS_ASSIGN_OR_RETURN(Reader::Tag name_tag, matrix.Next());
  if (name_tag.type != kMiInt8) return matrix.Error(name_tag.offset, "bad array name element");
  name->assign(reinterpret_cast<const char*>(name_tag.data), name_tag.bytes);
  // Classes 6..15 are numeric (double, single, int8 .. uint64).
  if (array->matlab_class < 6 || array->matlab_class > 15) return absl::OkStatus();  // not numeric: skipped
  if (complex) return matrix.Error(flags.offset, absl::StrCat("array '", *name, "' is complex"));
  ENS_ASSIGN_OR_RETURN(Reader::Tag real, matrix.Next());
  const int size = ElementSize(real.type);
  if (size == 0) return matrix.Error(real.offset, absl::StrCat("unsupported data type ", real.type));
  if (real.bytes != numel * static_cast<uint64_t>(size)) {
    return matrix.Error(real.offset, absl::StrCat("array '", *name, "' holds ", real.bytes / size,
                                                  " values, its dimensions say ", numel));
  }
  if (real.type == kMiUint8) {
    array->bytes.assign(real.data, real.data + numel);
  } else {
    array->values.resize(numel);
    for (uint64_t i = 0; i < numel; ++i) array->values[i] = ValueAt(real.data + i * size, real.type);
  }
  return absl::OkStatus();
}

// zlib inflate of a whole element, its output bounded by zlib's maximum
// compression ratio (about 1032:1) so that a lying stream cannot make us
// allocate more than the file could hold.
absl::StatusOr<std::vector<uint8_t>> Inflate(const uint8_t* data, uint64_t size, const std::string& path,
                                             uint64_t offset) {
  std::vector<uint8_t> out;
  const uint64_t cap = size * 1040 + 1024;
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) return absl::InternalError("zlib inflateInit failed");
  stream.next_in = const_cast<Bytef*>(data);
  stream.avail_in = static_cast<uInt>(std::min<uint64_t>(size, UINT32_MAX));
  int code = Z_OK;
  while (code != Z_STREAM_END) {
    const size_t done = out.size();
    if (done >= cap) break;
    out.resize(std::min<uint64_t>(cap, std::max<uint64_t>(done * 2, 1 << 16)));
    stream.next_out = out.data() + done;
    stream.avail_out = static_cast<uInt>(std::min<uint64_t>(out.size() - done, UINT32_MAX));
    code = inflate(&stream, Z_NO_FLUSH);
    out.resize(out.size() - stream.avail_out);
    if (code != Z_OK && code != Z_STREAM_END) break;
  }
  inflateEnd(&stream);
  if (code != Z_STREAM_END) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": corrupt or truncated compressed element at byte offset ",
                                                   offset, " (zlib: ", stream.msg ? stream.msg : "incomplete stream",
                                                   ")"));
  }
  return out;
}

}  // namespace

int64_t MatArray::numel() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

absl::StatusOr<std::map<std::string, MatArray>> ReadMatFile(const std::string& path,
                                                           const std::vector<std::string>& names) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  const int64_t size = static_cast<int64_t>(in.tellg());
  std::vector<uint8_t> file(static_cast<size_t>(std::max<int64_t>(size, 0)));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(file.data()), size)) {
    return absl::DataLossError(absl::StrCat(path, ": read failed"));
  }
  if (size < 128) return absl::InvalidArgumentError(absl::StrCat(path, ": truncated MAT-file header (", size, " bytes)"));
  if (std::memcmp(file.data(), "MATLAB 5.0 MAT-file", 19) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a MATLAB 5.0 MAT-file (header text at byte offset 0)"));
  }
  if (file[126] != 'I' || file[127] != 'M') {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": unsupported endianness indicator at byte offset 126 (only little-endian 'IM' files are read)"));
  }
  std::map<std::string, MatArray> found;
  Reader top(file.data() + 128, static_cast<uint64_t>(size) - 128, path, 128);
  while (!top.done()) {
    ENS_ASSIGN_OR_RETURN(Reader::Tag tag, top.Next());
    std::vector<uint8_t> inflated;
    Reader::Tag matrix_tag = tag;
    std::string where = path;
    uint64_t base = 128;  // offsets of `tag` are relative to the end of the header
    if (tag.type == kMiCompressed) {
      const uint64_t file_offset = 128 + tag.offset;
      ENS_ASSIGN_OR_RETURN(inflated, Inflate(tag.data, tag.bytes, path, file_offset));
      where = absl::StrCat(path, " (in the element decompressed from byte offset ", file_offset, ")");
      base = 0;
      Reader inner(inflated.data(), inflated.size(), where, 0);
      ENS_ASSIGN_OR_RETURN(matrix_tag, inner.Next());
    }
    if (matrix_tag.type != kMiMatrix) continue;  // other top-level elements are skipped
    Reader matrix(matrix_tag.data, matrix_tag.bytes, where, base + matrix_tag.offset + 8);
    std::string name;
    MatArray array;
    ENS_RETURN_IF_ERROR(ParseMatrix(matrix, &name, &array));
    if (std::find(names.begin(), names.end(), name) != names.end()) found[name] = std::move(array);
  }
  return found;
}

}  // namespace ens
