#include "core/npy.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <torch/types.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/atomic_file.h"

namespace ens {

std::string EncodeNpy(const torch::Tensor& tensor) {
  const torch::Tensor data = tensor.detach().cpu().contiguous();
  const char* descr = data.scalar_type() == torch::kLong ? "<i8" : "<f4";
  const torch::Tensor typed = data.scalar_type() == torch::kLong ? data : data.to(torch::kFloat);
  std::vector<std::string> dims;
  for (int64_t d : typed.sizes()) dims.push_back(std::to_string(d));
  std::string shape = absl::StrJoin(dims, ", ");
  if (dims.size() == 1) shape += ",";
  std::string header = absl::StrCat("{'descr': '", descr, "', 'fortran_order': False, 'shape': (", shape, "), }");
  // Magic (6) + version (2) + header length (2) + header, padded with spaces
  // and ended by '\n' to a multiple of 64 bytes.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  out.append(static_cast<const char*>(typed.data_ptr()), typed.numel() * typed.element_size());
  return out;
}

absl::Status WriteNpy(const std::string& path, const torch::Tensor& tensor) {
  return WriteFileAtomically(path, EncodeNpy(tensor));
}

namespace {

// The text after `key` in the header dictionary, up to `end` (exclusive).
bool HeaderField(absl::string_view header, absl::string_view key, char end, absl::string_view* value) {
  const size_t at = header.find(absl::StrCat("'", key, "':"));
  if (at == absl::string_view::npos) return false;
  absl::string_view rest = header.substr(at + key.size() + 3);
  rest = absl::StripLeadingAsciiWhitespace(rest);
  const size_t stop = rest.find_first_of(end == ')' ? absl::string_view(")") : absl::string_view(",}"));
  if (stop == absl::string_view::npos) return false;
  *value = rest.substr(0, stop + 1);
  return true;
}

}  // namespace

absl::StatusOr<torch::Tensor> ReadNpy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not an .npy file (no \\x93NUMPY magic at byte offset 0)"));
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_length = 0, header_start = 0;
  if (major == 1) {
    header_length = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
    header_start = 10;
  } else if ((major == 2 || major == 3) && bytes.size() >= 12) {
    for (int i = 3; i >= 0; --i) header_length = header_length << 8 | static_cast<unsigned char>(bytes[8 + i]);
    header_start = 12;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(path, ": .npy format version ", major, " not supported"));
  }
  if (bytes.size() < header_start + header_length) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": header runs past the end of the file (byte offset ",
                                                   bytes.size(), ")"));
  }
  const absl::string_view header(bytes.data() + header_start, header_length);
  absl::string_view descr, fortran, shape_text;
  if (!HeaderField(header, "descr", ',', &descr) || !HeaderField(header, "fortran_order", ',', &fortran) ||
      !HeaderField(header, "shape", ')', &shape_text)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": unreadable .npy header: ", header));
  }
  descr = absl::StripSuffix(absl::StripSuffix(absl::StripSuffix(descr, ","), "}"), "'");
  descr = absl::StripPrefix(descr, "'");
  torch::ScalarType type;
  if (descr == "|u1" || descr == "<u1") {
    type = torch::kUInt8;
  } else if (descr == "<f4") {
    type = torch::kFloat;
  } else if (descr == "<f8") {
    type = torch::kDouble;
  } else if (descr == "<i8") {
    type = torch::kLong;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(path, ": .npy values of type '", descr,
                                                   "' not supported (uint8, int64, float32 or float64, little-endian)"));
  }
  if (absl::StartsWith(fortran, "True")) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": Fortran-ordered .npy not supported (save a C-ordered "
                                                   "array: numpy.ascontiguousarray)"));
  }
  std::vector<int64_t> shape;
  int64_t count = 1;
  shape_text = absl::StripSuffix(absl::StripPrefix(shape_text, "("), ")");
  for (absl::string_view dim : absl::StrSplit(shape_text, ',', absl::SkipWhitespace())) {
    int64_t value = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(dim), &value) || value < 0) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": bad .npy shape (", shape_text, ")"));
    }
    if (value > 0 && count > (int64_t{1} << 40) / value) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": .npy shape (", shape_text, ") too large"));
    }
    shape.push_back(value);
    count *= value;
  }
  const size_t data_start = header_start + header_length;
  const size_t needed = static_cast<size_t>(count) * torch::elementSize(type);
  if (bytes.size() - data_start < needed) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", count, " values need ", needed,
                                                   " bytes from byte offset ", data_start, ", the file ends at ",
                                                   bytes.size()));
  }
  torch::Tensor tensor = torch::empty(shape, type);
  if (needed > 0) std::memcpy(tensor.data_ptr(), bytes.data() + data_start, needed);
  return tensor;
}

}  // namespace ens
