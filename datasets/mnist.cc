// fashion_mnist and mnist: the four IDX .gz files of each, in one directory.
#include <string>
#include <vector>

#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/user_path.h"
#include "datasets/dataset.h"
#include "datasets/idx_reader.h"

namespace ens {
namespace {

absl::StatusOr<Dataset> LoadIdxDirectory(const Params& p, const DatasetContext& context,
                                         const std::vector<std::string>& class_names) {
  const std::string dir = UserPath(p.String("dir"));
  auto path = [&](const char* file) { return absl::StrCat(dir, "/", file); };
  Dataset data;
  data.num_classes = 10;
  data.class_names = class_names;
  const std::string train_images = path("train-images-idx3-ubyte.gz");
  const std::string train_labels = path("train-labels-idx1-ubyte.gz");
  const std::string test_images = path("t10k-images-idx3-ubyte.gz");
  const std::string test_labels = path("t10k-labels-idx1-ubyte.gz");
  ENS_ASSIGN_OR_RETURN(data.train.images, ReadIdxImages(train_images));
  ENS_ASSIGN_OR_RETURN(data.train.labels, ReadIdxLabels(train_labels, data.num_classes));
  ENS_ASSIGN_OR_RETURN(data.test.images, ReadIdxImages(test_images));
  ENS_ASSIGN_OR_RETURN(data.test.labels, ReadIdxLabels(test_labels, data.num_classes));
  for (const auto& [images, labels, split] :
       {std::tuple{&train_images, &train_labels, &data.train}, std::tuple{&test_images, &test_labels, &data.test}}) {
    if (split->images.size(0) != split->labels.size(0)) {
      return absl::InvalidArgumentError(absl::StrCat(*images, " holds ", split->images.size(0), " images but ",
                                                     *labels, " holds ", split->labels.size(0), " labels"));
    }
  }
  if (data.train.images.sizes().slice(1) != data.test.images.sizes().slice(1)) {
    return absl::InvalidArgumentError(absl::StrCat(train_images, " and ", test_images,
                                                   " have different image sizes"));
  }
  const int64_t limit = p.Int("train_limit");
  if (limit > 0 && limit < data.train.size()) {
    data.train = {data.train.images.slice(0, 0, limit), data.train.labels.slice(0, 0, limit)};
  }
  const int64_t test_limit = p.Int("test_limit");
  if (test_limit > 0 && test_limit < data.test.size()) {
    data.test = {data.test.images.slice(0, 0, test_limit), data.test.labels.slice(0, 0, test_limit)};
  }
  ENS_RETURN_IF_ERROR(ApplyCommonDatasetParams(p, context, &data));
  return data;
}

ParamSchema IdxSchema(const std::string& default_dir) {
  ParamSchema schema;
  schema.String("dir", default_dir, "directory with the four IDX .gz files")
      .Int("train_limit", 0, "use only the first N training images (0: all)").Min(0)
      .Int("test_limit", 0, "use only the first N test images (0: all): cheaper studies, e.g. of the shift suite")
      .Min(0);
  AddCommonDatasetParams(schema, 5000, "none");
  return schema;
}

// The loader, its classes named (the IDX files hold only numbers).
DatasetFactory Named(std::vector<std::string> class_names) {
  return [class_names](const Params& p, const DatasetContext& context) -> absl::StatusOr<Dataset> {
    return LoadIdxDirectory(p, context, class_names);
  };
}

const std::vector<std::string> kFashionClasses = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                  "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
const std::vector<std::string> kDigits = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

ENS_REGISTER(DatasetRegistry(), "fashion_mnist",
             "Fashion-MNIST (Xiao et al. 2017): 60k/10k 28x28 grey images, 10 classes",
             IdxSchema("/usr/share/datasets/fashion-mnist"), Named(kFashionClasses));

ENS_REGISTER(DatasetRegistry(), "mnist", "MNIST digits in the same IDX .gz layout (set dir=)",
             IdxSchema("/usr/share/datasets/mnist"), Named(kDigits));

}  // namespace
}  // namespace ens
