// MATLAB level-5 MAT-files (the format of SVHN's train_32x32.mat and
// test_32x32.mat): a 128-byte header, then tagged data elements, each either a
// miMATRIX or a miCOMPRESSED (zlib) wrapper around one. Numeric arrays only
// (real, any MATLAB numeric class, stored as any numeric element type); the
// values come back as uint8 (stored as miUINT8) or float64, in MATLAB's
// column-major order.
//
// Errors name the file and the byte offset (in the file, or inside the
// decompressed element and the file offset of that element); nothing is
// allocated beyond what the file can hold (zlib's ratio bound for compressed
// elements).
#ifndef ENSEMBLES_DATASETS_MAT_READER_H_
#define ENSEMBLES_DATASETS_MAT_READER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ens {

struct MatArray {
  std::vector<int64_t> dims;       // MATLAB's dimensions
  int matlab_class = 0;            // mxDOUBLE_CLASS = 6, mxUINT8_CLASS = 9, ...
  std::vector<uint8_t> bytes;      // the values when stored as miUINT8 (column-major)
  std::vector<double> values;      // the values as float64 when stored as any other type
  int64_t numel() const;
};

// The named numeric arrays of `path` among `names` (others are skipped).
absl::StatusOr<std::map<std::string, MatArray>> ReadMatFile(const std::string& path,
                                                           const std::vector<std::string>& names);

}  // namespace ens

#endif  // ENSEMBLES_DATASETS_MAT_READER_H_
