// cifar10 and cifar100 datasets from the binary files, and their reader.
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/user_path.h"
#include "datasets/cifar_reader.h"

namespace ens {

absl::StatusOr<Split> ReadCifarBinary(const std::string& path, const CifarFormat& format) {
  constexpr int64_t kPixels = 3 * 32 * 32;
  const int64_t record = format.label_bytes + kPixels;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  const int64_t size = static_cast<int64_t>(in.tellg());
  if (size <= 0) return absl::InvalidArgumentError(absl::StrCat(path, ": empty file"));
  if (size % record != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": truncated record at byte offset ", size - size % record,
                                                   " (", size % record, " of ", record, " bytes; records of ",
                                                   format.label_bytes, " label byte(s) + 3072 pixels)"));
  }
  const int64_t n = size / record;
  std::string bytes(static_cast<size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), size)) return absl::DataLossError(absl::StrCat(path, ": read failed"));
  Split split;
  split.images = torch::empty({n, 3, 32, 32}, torch::kUInt8);
  split.labels = torch::empty({n}, torch::kLong);
  uint8_t* images = split.images.data_ptr<uint8_t>();
  int64_t* labels = split.labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const char* r = bytes.data() + i * record;
    const int64_t label = static_cast<uint8_t>(r[format.label_index]);
    if (label >= format.num_classes) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": label ", label, " at byte offset ",
                                                     i * record + format.label_index, " (record ", i,
                                                     ") is not below ", format.num_classes));
    }
    labels[i] = label;
    std::memcpy(images + i * kPixels, r + format.label_bytes, kPixels);
  }
  return split;
}

namespace {

absl::StatusOr<Split> ReadFiles(const std::string& dir, const std::vector<std::string>& files,
                                const CifarFormat& format) {
  std::vector<torch::Tensor> images, labels;
  for (const auto& file : files) {
    ENS_ASSIGN_OR_RETURN(Split part, ReadCifarBinary(absl::StrCat(dir, "/", file), format));
    images.push_back(part.images);
    labels.push_back(part.labels);
  }
  return Split{torch::cat(images), torch::cat(labels)};
}

absl::StatusOr<std::string> DirOf(const Params& p, const char* name, const char* first_file) {
  const std::string dir = UserPath(p.String("dir"));
  if (dir.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("dataset '", name, "': set dir= to the folder holding ",
                                                   first_file, " (the binary version)"));
  }
  return dir;
}

std::vector<std::string> Cifar10TrainFiles() {
  std::vector<std::string> files;
  for (int b = 1; b <= 5; ++b) files.push_back(absl::StrCat("data_batch_", b, ".bin"));
  return files;
}

ParamSchema CifarSchema(bool hundred) {
  ParamSchema schema;
  schema.String("dir", "", hundred ? "folder with train.bin and test.bin (cifar-100-binary)"
                                   : "folder with data_batch_1..5.bin and test_batch.bin (cifar-10-batches-bin)");
  if (hundred) schema.String("labels", "fine", "fine (100 classes) or coarse (20 superclasses)").Choices({"fine", "coarse"});
  AddCommonDatasetParams(schema, 0, "crop_flip");
  return schema;
}

// batches.meta.txt's names, in label order.
std::vector<std::string> Cifar10ClassNames() {
  return {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
}

ENS_REGISTER(DatasetRegistry(), "cifar10",
             "CIFAR-10 (binary version): 50k/10k 32x32 colour images, 10 classes; crop + flip by default",
             CifarSchema(false), [](const Params& p, const DatasetContext& context) -> absl::StatusOr<Dataset> {
               ENS_ASSIGN_OR_RETURN(const std::string dir, DirOf(p, "cifar10", "data_batch_1.bin"));
               Dataset data;
               data.num_classes = 10;
               data.class_names = Cifar10ClassNames();
               CifarFormat format;
               ENS_ASSIGN_OR_RETURN(data.train, ReadFiles(dir, Cifar10TrainFiles(), format));
               ENS_ASSIGN_OR_RETURN(data.test, ReadFiles(dir, std::vector<std::string>(1, "test_batch.bin"), format));
               ENS_RETURN_IF_ERROR(ApplyCommonDatasetParams(p, context, &data));
               return data;
             });

ENS_REGISTER(DatasetRegistry(), "cifar100",
             "CIFAR-100 (binary version): 50k/10k 32x32 colour images, 100 fine or 20 coarse classes; crop + "
             "flip by default",
             CifarSchema(true), [](const Params& p, const DatasetContext& context) -> absl::StatusOr<Dataset> {
               ENS_ASSIGN_OR_RETURN(const std::string dir, DirOf(p, "cifar100", "train.bin"));
               const bool fine = p.String("labels") == "fine";
               Dataset data;
               data.num_classes = fine ? 100 : 20;
               CifarFormat format;
               format.label_bytes = 2;
               format.label_index = fine ? 1 : 0;
               format.num_classes = data.num_classes;
               ENS_ASSIGN_OR_RETURN(data.train, ReadFiles(dir, std::vector<std::string>(1, "train.bin"), format));
               ENS_ASSIGN_OR_RETURN(data.test, ReadFiles(dir, std::vector<std::string>(1, "test.bin"), format));
               ENS_RETURN_IF_ERROR(ApplyCommonDatasetParams(p, context, &data));
               return data;
             });

}  // namespace
}  // namespace ens
