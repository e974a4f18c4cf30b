// tiny_imagenet (the official folder layout) and image_folder (one folder per
// class): JPEG files decoded once, in parallel, into uint8 tensors of
// side x side (shorter side resized, centre crop).
#include <fstream>
#include <map>
#include <sstream>

#include <torch/types.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"
#include "core/user_path.h"
#include "datasets/dataset.h"
#include "datasets/image_files.h"
#include "datasets/image_stream.h"

namespace ens {
namespace {

bool IsJpegName(const std::string& name) {
  const std::string lower = absl::AsciiStrToLower(name);
  return absl::EndsWith(lower, ".jpg") || absl::EndsWith(lower, ".jpeg");
}

absl::StatusOr<std::string> RequiredDir(const Params& p, const char* dataset, const char* what) {
  const std::string dir = UserPath(p.String("dir"));
  if (dir.empty()) return absl::InvalidArgumentError(absl::StrCat("dataset '", dataset, "': set dir= to ", what));
  return dir;
}

absl::StatusOr<Split> Decode(const std::vector<std::string>& paths, const std::vector<int64_t>& labels, int64_t side) {
  ENS_ASSIGN_OR_RETURN(torch::Tensor images, DecodeImages(paths, side));
  return Split{images, torch::tensor(labels, torch::kLong)};
}

// Tiny ImageNet: wnids.txt (one class id per line), train/<wnid>/images/*.JPEG,
// val/images/*.JPEG labelled by val/val_annotations.txt (file, wnid, box);
// the val split is the test split (the official test labels are not public).
absl::StatusOr<Dataset> LoadTinyImagenet(const Params& p, const DatasetContext& context) {
  ENS_ASSIGN_OR_RETURN(const std::string root,
                       RequiredDir(p, "tiny_imagenet", "the tiny-imagenet-200 folder (with wnids.txt)"));
  const int64_t side = p.Int("size");
  const std::string wnids_path = absl::StrCat(root, "/wnids.txt");
  std::ifstream wnids_in(wnids_path);
  if (!wnids_in) return absl::NotFoundError(absl::StrCat(wnids_path, ": cannot open"));
  std::map<std::string, int64_t> classes;
  std::vector<std::string> wnids;
  for (std::string line; std::getline(wnids_in, line);) {
    const std::string wnid(absl::StripAsciiWhitespace(line));
    if (wnid.empty()) continue;
    if (classes.count(wnid)) {
      return absl::InvalidArgumentError(absl::StrCat(wnids_path, ": class '", wnid, "' listed twice"));
    }
    classes[wnid] = static_cast<int64_t>(wnids.size());
    wnids.push_back(wnid);
  }
  if (wnids.size() < 2) return absl::InvalidArgumentError(absl::StrCat(wnids_path, ": fewer than 2 classes"));

  std::vector<std::string> train_paths;
  std::vector<int64_t> train_labels;
  for (size_t k = 0; k < wnids.size(); ++k) {
    const std::string dir = absl::StrCat(root, "/train/", wnids[k], "/images");
    ENS_ASSIGN_OR_RETURN(const auto files, ListFiles(dir));
    for (const auto& file : files) {
      if (!IsJpegName(file)) continue;
      train_paths.push_back(absl::StrCat(dir, "/", file));
      train_labels.push_back(static_cast<int64_t>(k));
    }
  }
  const std::string annotations = absl::StrCat(root, "/val/val_annotations.txt");
  std::ifstream val_in(annotations);
  if (!val_in) return absl::NotFoundError(absl::StrCat(annotations, ": cannot open"));
  std::vector<std::string> val_paths;
  std::vector<int64_t> val_labels;
  int64_t line_number = 0;
  for (std::string line; std::getline(val_in, line);) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    const std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() < 2) {
      return absl::InvalidArgumentError(absl::StrCat(annotations, ":", line_number, ": expected 'file<TAB>wnid...'"));
    }
    auto it = classes.find(fields[1]);
    if (it == classes.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(annotations, ":", line_number, ": class '", fields[1], "' is not in wnids.txt"));
    }
    val_paths.push_back(absl::StrCat(root, "/val/images/", fields[0]));
    val_labels.push_back(it->second);
  }
  Dataset data;
  data.num_classes = static_cast<int64_t>(wnids.size());
  ENS_ASSIGN_OR_RETURN(data.train, Decode(train_paths, train_labels, side));
  ENS_ASSIGN_OR_RETURN(data.test, Decode(val_paths, val_labels, side));
  ENS_RETURN_IF_ERROR(ApplyCommonDatasetParams(p, context, &data));
  return data;
}

// image_folder: DIR/<train>/<class>/*.jpg and DIR/<test>/<class>/*.jpg;
// classes are the train folder's subfolders, sorted.
absl::StatusOr<Dataset> LoadImageFolder(const Params& p, const DatasetContext& context) {
  ENS_ASSIGN_OR_RETURN(const std::string root,
                       RequiredDir(p, "image_folder", "a folder with train/ and val/ class folders"));
  const int64_t side = p.Int("size");
  const std::string train_root = absl::StrCat(root, "/", p.String("train"));
  const std::string test_root = absl::StrCat(root, "/", p.String("test"));
  ENS_ASSIGN_OR_RETURN(const auto class_names, ListDirectories(train_root));
  if (class_names.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(train_root, ": fewer than 2 class folders"));
  }
  std::map<std::string, int64_t> classes;
  for (size_t k = 0; k < class_names.size(); ++k) classes[class_names[k]] = static_cast<int64_t>(k);
  ENS_ASSIGN_OR_RETURN(const auto test_classes, ListDirectories(test_root));
  for (const auto& name : test_classes) {
    if (!classes.count(name)) {
      return absl::InvalidArgumentError(absl::StrCat(test_root, "/", name, ": no such class in ", train_root));
    }
  }
  Dataset data;
  data.num_classes = static_cast<int64_t>(class_names.size());
  for (auto [split_root, names, split] : {std::tuple{&train_root, &class_names, &data.train},
                                          std::tuple{&test_root, &test_classes, &data.test}}) {
    std::vector<std::string> paths;
    std::vector<int64_t> labels;
    for (const auto& name : *names) {
      const std::string dir = absl::StrCat(*split_root, "/", name);
      ENS_ASSIGN_OR_RETURN(const auto files, ListFiles(dir));
      for (const auto& file : files) {
        if (!IsJpegName(file)) continue;
        paths.push_back(absl::StrCat(dir, "/", file));
        labels.push_back(classes[name]);
      }
    }
    if (paths.empty()) return absl::InvalidArgumentError(absl::StrCat(*split_root, ": no .jpg / .jpeg files"));
    if (split == &data.train && p.Bool("stream")) {
      split->labels = torch::tensor(labels, torch::kLong);
      split->stream = std::make_shared<ImageStream>(std::move(paths), side, static_cast<int>(p.Int("stream_workers")),
                                                    p.Int("prefetch"));
      continue;
    }
    ENS_ASSIGN_OR_RETURN(*split, Decode(paths, labels, side));
  }
  ENS_RETURN_IF_ERROR(ApplyCommonDatasetParams(p, context, &data));
  return data;
}

ParamSchema TinyImagenetSchema() {
  ParamSchema schema;
  schema.String("dir", "", "the tiny-imagenet-200 folder (wnids.txt, train/, val/)")
      .Int("size", 64, "image side after resizing the shorter side and centre cropping").Min(8).Max(1024);
  AddCommonDatasetParams(schema, 0, "crop_flip");
  return schema;
}

ParamSchema ImageFolderSchema() {
  ParamSchema schema;
  schema.String("dir", "", "folder holding the train and test folders, one subfolder of JPEGs per class")
      .String("train", "train", "training folder under dir")
      .String("test", "val", "test folder under dir")
      .Int("size", 64, "image side after resizing the shorter side and centre cropping").Min(8).Max(1024)
      .Bool("stream", false, "read the training images from the files while training (worker threads decode the "
            "batches ahead) instead of decoding them all into memory first")
      .Int("stream_workers", 0, "decoding threads when streaming (0: every core)").Min(0)
      .Int("prefetch", 16, "batches decoded ahead of the trainer when streaming").Min(1);
  AddCommonDatasetParams(schema, 0, "crop_flip");
  return schema;
}

ENS_REGISTER(DatasetRegistry(), "tiny_imagenet",
             "Tiny ImageNet (official layout): 100k/10k 64x64 JPEGs, 200 classes; val/ is the test split",
             TinyImagenetSchema(), LoadTinyImagenet);

ENS_REGISTER(DatasetRegistry(), "image_folder",
             "JPEG images in one folder per class (ImageNet-like), decoded into memory at size x size",
             ImageFolderSchema(), LoadImageFolder);

}  // namespace
}  // namespace ens
