#include "tools/fuzz/fuzz_targets.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <torch/types.h>

#include "datasets/cifar_reader.h"
#include "datasets/idx_reader.h"
#include "datasets/image_files.h"
#include "datasets/mat_reader.h"
#include "driver/results.h"
#include "driver/results_file.h"
#include "tools/report/run_set.h"

namespace ens::fuzz {
namespace {

// The input as a file (the readers take paths), removed afterwards.
class InputFile {
 public:
  InputFile(const uint8_t* data, size_t size, const char* name)
      : path_(std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") + "/ens_fuzz_" +
              std::to_string(getpid()) + "_" + name) {
    std::ofstream(path_, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  ~InputFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

void IdxImages(const uint8_t* data, size_t size) {
  const InputFile file(data, size, "images-idx3-ubyte");
  auto images = ReadIdxImages(file.path());
  if (images.ok() && images->numel() > 0) (void)images->sum().item<int64_t>();
}

void IdxLabels(const uint8_t* data, size_t size) {
  const InputFile file(data, size, "labels-idx1-ubyte");
  auto labels = ReadIdxLabels(file.path(), 10);
  if (labels.ok() && labels->numel() > 0) (void)labels->max().item<int64_t>();
}

void CifarBinary(const uint8_t* data, size_t size) {
  const InputFile file(data, size, "batch.bin");
  for (const CifarFormat format : {CifarFormat{1, 0, 10}, CifarFormat{2, 1, 100}}) {
    auto split = ReadCifarBinary(file.path(), format);
    if (split.ok() && split->size() > 0) (void)split->labels.max().item<int64_t>();
  }
}

void MatFile(const uint8_t* data, size_t size) {
  const InputFile file(data, size, "svhn.mat");
  auto arrays = ReadMatFile(file.path(), {"X", "y"});
  if (arrays.ok()) {
    for (const auto& [name, array] : *arrays) (void)array.numel();
  }
}

void Jpeg(const uint8_t* data, size_t size) {
  const InputFile file(data, size, "image.jpg");
  auto image = DecodeJpegFile(file.path());
  if (image.ok()) (void)ResizeAndCrop(*image, 16);
}

void ResultsJson(const uint8_t* data, size_t size) {
  const InputFile file(data, size, "results.json");
  (void)ReadDeeReference(file.path());
  (void)report::ReadRun(file.path());
  auto json = ReadResultsFile(file.path());
  if (json.ok()) (void)ConfigFromResults(*json, file.path());
}

const std::map<std::string, Target>& Targets() {
  static const auto* targets = new std::map<std::string, Target>{
      {"idx_images", IdxImages}, {"idx_labels", IdxLabels}, {"cifar", CifarBinary},
      {"mat", MatFile},          {"jpeg", Jpeg},            {"results", ResultsJson}};
  return *targets;
}

}  // namespace ens::fuzz
