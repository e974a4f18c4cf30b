// Datasets: whole splits decoded once into uint8 tensors.
//
//   ENS_ASSIGN_OR_RETURN(Dataset data, MakeDataset("fashion_mnist", "val_size=5000", {seed}));
//   data.train.images   // uint8 [N, C, H, W]
//   data.train.labels   // int64 [N]
//
// Normalisation statistics are computed from the training split; batches are
// normalised and augmented whole, on the training device (see batches.h).
#ifndef ENSEMBLES_DATASETS_DATASET_H_
#define ENSEMBLES_DATASETS_DATASET_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/params.h"
#include "core/registry.h"

namespace ens {

class ImageStream;

struct Split {
  torch::Tensor images;  // uint8 [N, C, H, W] (//:predict: or float in [0, 255]); undefined when streamed
  torch::Tensor labels;  // int64 [N]
  // Set instead of `images` for a training split read from files while
  // training (image_folder stream=true): see datasets/image_stream.h.
  std::shared_ptr<const ImageStream> stream;
  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
  bool streamed() const { return stream != nullptr; }
};

// For code that needs every image of a split at once (bagging, boosting,
// KFAC's factors): an error naming `what` when the split is streamed.
absl::Status RequireInMemory(const Split& split, const std::string& what);

// Training-time augmentation applied to whole batches.
struct Augmentation {
  int64_t crop_padding = 0;  // random crop after zero padding by this many pixels
  bool flip = false;         // random horizontal flip
};

struct Dataset {
  std::string name;
  Split train, val, test;
  int64_t num_classes = 0;
  std::vector<double> mean, std;  // per channel, pixel values scaled to [0, 1]
  std::vector<std::string> class_names;  // by label; empty where the files name none
  Augmentation augmentation;
  // The test images of the classes hold_out_classes left out (--ood=held_out);
  // undefined where none were.
  torch::Tensor held_out_test_images;

  int64_t channels() const;
  int64_t image_size() const;
};

struct DatasetContext {
  uint64_t seed = 0;  // drives the validation hold-out
};

using DatasetFactory = std::function<absl::StatusOr<Dataset>(const Params& params, const DatasetContext& context)>;

Registry<DatasetFactory>& DatasetRegistry();

// Looks up, parses, loads, checks shapes and fills in normalisation.
absl::StatusOr<Dataset> MakeDataset(absl::string_view name, absl::string_view args,
                                    const DatasetContext& context);

// Moves `val_size` random training examples (by `seed`) into data->val.
absl::Status HoldOutValidation(Dataset* data, int64_t val_size, uint64_t seed);

// Parses an augmentation name: none, flip, crop, crop_flip.
absl::StatusOr<Augmentation> ParseAugmentation(absl::string_view name);

// The schema entries every dataset shares: val_size, val_seed and augment.
ParamSchema& AddCommonDatasetParams(ParamSchema& schema, int64_t default_val_size,
                                    const std::string& default_augment);

// Applies the shared parameters (hold-out, augmentation) to a loaded dataset.
absl::Status ApplyCommonDatasetParams(const Params& params, const DatasetContext& context, Dataset* data);

}  // namespace ens

#endif  // ENSEMBLES_DATASETS_DATASET_H_
