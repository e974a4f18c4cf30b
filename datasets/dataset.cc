#include "datasets/dataset.h"

#include <algorithm>
#include <numeric>
#include <random>

#include <torch/types.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "datasets/image_stream.h"

namespace ens {

absl::Status RequireInMemory(const Split& split, const std::string& what) {
  if (!split.streamed()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, " needs the training images in memory; this dataset streams "
                                                 "them from files (stream=true): use stream=false"));
}

int64_t Dataset::channels() const { return train.streamed() ? 3 : train.images.size(1); }
int64_t Dataset::image_size() const { return train.streamed() ? train.stream->side() : train.images.size(2); }

Registry<DatasetFactory>& DatasetRegistry() {
  static auto* registry = new Registry<DatasetFactory>("dataset", "--dataset");
  return *registry;
}

absl::Status HoldOutValidation(Dataset* data, int64_t val_size, uint64_t seed) {
  const int64_t n = data->train.size();
  if (val_size < 0 || val_size >= n) {
    return absl::InvalidArgumentError(
        absl::StrCat("val_size=", val_size, " must be in [0, ", n, ") (training examples)"));
  }
  if (val_size == 0) return absl::OkStatus();
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed ^ 0x76616c5f73706c74ULL);  // "val_splt": independent of other streams
  std::shuffle(order.begin(), order.end(), rng);
  std::sort(order.begin(), order.begin() + val_size);
  std::sort(order.begin() + val_size, order.end());
  const torch::Tensor index = torch::tensor(order, torch::kLong);
  const torch::Tensor val_index = index.slice(0, 0, val_size);
  const torch::Tensor train_index = index.slice(0, val_size);
  if (data->train.streamed()) {
    // The held-out images are decoded into memory; the rest stay streamed.
    const std::vector<int64_t> val_rows(order.begin(), order.begin() + val_size);
    const std::vector<int64_t> train_rows(order.begin() + val_size, order.end());
    ENS_ASSIGN_OR_RETURN(torch::Tensor val_images, data->train.stream->DecodeRows(val_rows));
    data->val = {val_images, data->train.labels.index_select(0, val_index)};
    Split train;
    train.labels = data->train.labels.index_select(0, train_index);
    train.stream = data->train.stream->Subset(train_rows);
    data->train = std::move(train);
    return absl::OkStatus();
  }
  data->val = {data->train.images.index_select(0, val_index), data->train.labels.index_select(0, val_index)};
  data->train = {data->train.images.index_select(0, train_index),
                 data->train.labels.index_select(0, train_index)};
  return absl::OkStatus();
}

absl::StatusOr<Augmentation> ParseAugmentation(absl::string_view name) {
  if (name == "none") return Augmentation{};
  if (name == "flip") return Augmentation{0, true};
  if (name == "crop") return Augmentation{4, false};
  if (name == "crop_flip") return Augmentation{4, true};
  return absl::InvalidArgumentError(
      absl::StrCat("unknown augmentation '", name, "'; allowed: none, flip, crop, crop_flip"));
}

ParamSchema& AddCommonDatasetParams(ParamSchema& schema, int64_t default_val_size,
                                    const std::string& default_augment) {
  return schema
      .Int("val_size", default_val_size, "training examples held out for validation (by --seed)").Min(0)
      .Int("val_seed", -1,
           "the seed of the validation hold-out instead of --seed (-1: --seed); runs of different seeds "
           "with one val_seed share their validation split, as select's pool must")
      .Min(-1)
      .String("augment", default_augment, "training augmentation on whole batches")
      .Choices({"none", "flip", "crop", "crop_flip"})
      .DoubleList("hold_out_classes", "",
                  "labels left out of training, validation and test (the others relabelled 0.. in order; "
                  "--ood=held_out evaluates them as out-of-distribution)")
      .Min(0);
}

static absl::Status DropClasses(const std::vector<double>& classes, Dataset* data) {
  std::vector<int64_t> relabel(data->num_classes, 0);
  for (double c : classes) {
    if (c != static_cast<double>(static_cast<int64_t>(c)) || c >= static_cast<double>(data->num_classes)) {
      return absl::InvalidArgumentError(absl::StrCat("hold_out_classes: ", c, " is not a label in [0, ",
                                                     data->num_classes, ")"));
    }
    relabel[static_cast<size_t>(c)] = -1;
  }
  std::vector<std::string> names;
  int64_t kept = 0;
  for (int64_t c = 0; c < data->num_classes; ++c) {
    if (relabel[c] < 0) continue;
    relabel[c] = kept++;
    if (!data->class_names.empty()) names.push_back(data->class_names[c]);
  }
  if (kept < 2) return absl::InvalidArgumentError("hold_out_classes: fewer than two classes would be left");
  const torch::Tensor map = torch::tensor(relabel, torch::kLong);
  for (Split* split : {&data->train, &data->val, &data->test}) {
    if (split->size() == 0) continue;
    ENS_RETURN_IF_ERROR(RequireInMemory(*split, "hold_out_classes"));
    const torch::Tensor labels = map.index_select(0, split->labels);
    const torch::Tensor keep = labels.ge(0);
    if (split == &data->test) data->held_out_test_images = split->images.index({keep.logical_not()});
    *split = {split->images.index({keep}), labels.index({keep})};
  }
  data->num_classes = kept;
  data->class_names = std::move(names);
  return absl::OkStatus();
}

absl::Status ApplyCommonDatasetParams(const Params& params, const DatasetContext& context, Dataset* data) {
  if (!params.DoubleList("hold_out_classes").empty()) {
    ENS_RETURN_IF_ERROR(DropClasses(params.DoubleList("hold_out_classes"), data));
  }
  const int64_t val_seed = params.Int("val_seed");
  ENS_RETURN_IF_ERROR(HoldOutValidation(data, params.Int("val_size"),
                                        val_seed < 0 ? context.seed : static_cast<uint64_t>(val_seed)));
  ENS_ASSIGN_OR_RETURN(data->augmentation, ParseAugmentation(params.String("augment")));
  return absl::OkStatus();
}

absl::StatusOr<Dataset> MakeDataset(absl::string_view name, absl::string_view args,
                                    const DatasetContext& context) {
  ENS_ASSIGN_OR_RETURN(const auto* entry, DatasetRegistry().Find(name));
  ENS_ASSIGN_OR_RETURN(Params params, Params::Parse(entry->schema, args, absl::StrCat("dataset '", name, "'")));
  absl::StatusOr<Dataset> made = entry->factory(params, context);
  if (!made.ok()) {  // named here: the factory's dataset has no name yet
    const std::string prefix = absl::StrCat("dataset '", name, "': ");
    if (absl::StartsWith(made.status().message(), prefix)) return made.status();
    return absl::Status(made.status().code(), absl::StrCat(prefix, made.status().message()));
  }
  Dataset data = std::move(*made);
  data.name = std::string(name);
  for (const Split* split : {&data.train, &data.val, &data.test}) {
    if (split->size() == 0) continue;
    if (split->streamed()) {
      if (split->stream->size() != split->size() || split->labels.scalar_type() != torch::kLong) {
        return absl::InternalError(absl::StrCat("dataset '", name, "' produced a malformed stream"));
      }
      continue;
    }
    if (split->images.dim() != 4 || split->images.scalar_type() != torch::kByte ||
        split->labels.scalar_type() != torch::kLong || split->images.size(0) != split->labels.size(0)) {
      return absl::InternalError(absl::StrCat("dataset '", name, "' produced malformed tensors"));
    }
  }
  if (!data.class_names.empty() && static_cast<int64_t>(data.class_names.size()) != data.num_classes) {
    return absl::InternalError(absl::StrCat("dataset '", name, "' names ", data.class_names.size(), " of ",
                                            data.num_classes, " classes"));
  }
  if (data.train.size() == 0 || data.test.size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat("dataset '", name, "' has an empty train or test split"));
  }
  // Per-channel statistics of the training pixels, in [0, 1] units (of an
  // evenly spaced sample of at most 2,000 images when streamed).
  torch::Tensor sample = data.train.images;
  if (data.train.streamed()) {
    std::vector<int64_t> rows;
    const int64_t n = data.train.size(), count = std::min<int64_t>(n, 2000);
    for (int64_t i = 0; i < count; ++i) rows.push_back(i * n / count);
    ENS_ASSIGN_OR_RETURN(sample, data.train.stream->DecodeRows(rows));
  }
  const torch::Tensor pixels = sample.to(torch::kFloat).div_(255.0);
  const torch::Tensor mean = pixels.mean({0, 2, 3});
  const torch::Tensor std = pixels.std({0, 2, 3}).clamp_min(1e-3);
  data.mean.clear();
  data.std.clear();
  for (int64_t c = 0; c < mean.size(0); ++c) {
    data.mean.push_back(mean[c].item<double>());
    data.std.push_back(std[c].item<double>());
  }
  return data;
}

}  // namespace ens
