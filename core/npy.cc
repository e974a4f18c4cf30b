#include "core/npy.h"

#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

}  // namespace ens
