// svhn: the Street View House Numbers cropped digits (Netzer et al. 2011),
// train_32x32.mat / test_32x32.mat (and extra_32x32.mat): X is uint8
// [32, 32, 3, N] in MATLAB's column-major order, y is [N, 1] with labels
// 1..10, 10 meaning the digit 0.
#include <cstring>

#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/user_path.h"
#include "datasets/dataset.h"
#include "datasets/mat_reader.h"

namespace ens {
namespace {

absl::StatusOr<Split> ReadSvhnFile(const std::string& path) {
  ENS_ASSIGN_OR_RETURN(auto arrays, ReadMatFile(path, {"X", "y"}));
  for (const char* name : {"X", "y"}) {
    if (!arrays.count(name)) return absl::InvalidArgumentError(absl::StrCat(path, ": no numeric array '", name, "'"));
  }
  const MatArray& x = arrays["X"];
  const MatArray& y = arrays["y"];
  if (x.dims.size() != 4 || x.dims[0] != 32 || x.dims[1] != 32 || x.dims[2] != 3) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": X must be 32x32x3xN"));
  }
  const int64_t n = x.dims[3];
  if (y.numel() != n) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": X holds ", n, " images but y holds ", y.numel(), " labels"));
  }
  Split split;
  torch::Tensor column_major = torch::empty({n, 3, 32, 32}, torch::kUInt8);  // [n][channel][col][row]
  uint8_t* out = column_major.data_ptr<uint8_t>();
  if (!x.bytes.empty()) {
    std::memcpy(out, x.bytes.data(), x.bytes.size());
  } else {
    for (size_t i = 0; i < x.values.size(); ++i) {
      const double v = x.values[i];
      if (!(v >= 0 && v <= 255)) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": X value ", v, " at element ", i, " is not a pixel"));
      }
      out[i] = static_cast<uint8_t>(v);
    }
  }
  split.images = column_major.transpose(2, 3).contiguous();
  split.labels = torch::empty({n}, torch::kLong);
  int64_t* labels = split.labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const double v = y.bytes.empty() ? y.values[i] : y.bytes[i];
    if (!(v >= 1 && v <= 10) || v != static_cast<int64_t>(v)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": label ", v, " at element ", i,
                                                     " of y is not one of 1..10"));
    }
    labels[i] = static_cast<int64_t>(v) % 10;  // 10 is the digit 0
  }
  return split;
}

absl::StatusOr<Dataset> LoadSvhn(const Params& p, const DatasetContext& context) {
  const std::string dir = UserPath(p.String("dir"));
  if (dir.empty()) {
    return absl::InvalidArgumentError("dataset 'svhn': set dir= to the folder holding train_32x32.mat and test_32x32.mat");
  }
  Dataset data;
  data.num_classes = 10;
  ENS_ASSIGN_OR_RETURN(data.train, ReadSvhnFile(absl::StrCat(dir, "/train_32x32.mat")));
  if (p.Bool("extra")) {
    ENS_ASSIGN_OR_RETURN(Split extra, ReadSvhnFile(absl::StrCat(dir, "/extra_32x32.mat")));
    data.train = {torch::cat({data.train.images, extra.images}), torch::cat({data.train.labels, extra.labels})};
  }
  ENS_ASSIGN_OR_RETURN(data.test, ReadSvhnFile(absl::StrCat(dir, "/test_32x32.mat")));
  ENS_RETURN_IF_ERROR(ApplyCommonDatasetParams(p, context, &data));
  return data;
}

ParamSchema SvhnSchema() {
  ParamSchema schema;
  schema.String("dir", "", "folder with train_32x32.mat and test_32x32.mat (format 2, cropped digits)")
      .Bool("extra", false, "also train on extra_32x32.mat");
  AddCommonDatasetParams(schema, 0, "crop");
  return schema;
}

ENS_REGISTER(DatasetRegistry(), "svhn",
             "SVHN cropped digits (MATLAB files): 73k/26k 32x32 colour images, 10 classes; crop by default "
             "(no flip: digits)",
             SvhnSchema(), LoadSvhn);

}  // namespace
}  // namespace ens
