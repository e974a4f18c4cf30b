// tiny_imagenet and image_folder on JPEG files the test writes with
// libjpeg-turbo in each exact layout.
#include <sys/stat.h>
#include <turbojpeg.h>

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "engine/trainer.h"
#include "datasets/dataset.h"
#include "datasets/image_files.h"
#include "datasets/image_stream.h"
#include "ensembles/method.h"
#include "schedulers/schedule.h"

namespace ens {
namespace {

using ::testing::HasSubstr;

void MakeDirs(const std::string& path) {
  std::string partial;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (!partial.empty()) mkdir(partial.c_str(), 0755);
    }
    if (i < path.size()) partial.push_back(path[i]);
  }
}

// A solid-colour JPEG (grey when `grey`), quality 95.
void WriteJpeg(const std::string& path, int width, int height, uint8_t r, uint8_t g, uint8_t b, bool grey = false) {
  std::vector<uint8_t> pixels;
  for (int i = 0; i < width * height; ++i) {
    if (grey) {
      pixels.push_back(r);
    } else {
      pixels.insert(pixels.end(), {r, g, b});
    }
  }
  tjhandle handle = tjInitCompress();
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  ASSERT_EQ(tjCompress2(handle, pixels.data(), width, 0, height, grey ? TJPF_GRAY : TJPF_RGB, &jpeg, &size,
                        grey ? TJSAMP_GRAY : TJSAMP_444, 95, 0),
            0)
      << tjGetErrorStr2(handle);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(jpeg), static_cast<std::streamsize>(size));
  tjFree(jpeg);
  tjDestroy(handle);
}

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(ImageFilesTest, DecodesResizesAndCrops) {
  const std::string dir = ::testing::TempDir() + "/jpegs";
  MakeDirs(dir);
  WriteJpeg(dir + "/wide.jpg", 80, 40, 200, 100, 50);
  auto image = DecodeJpegFile(dir + "/wide.jpg");
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->sizes(), (std::vector<int64_t>{3, 40, 80}));
  const torch::Tensor square = ResizeAndCrop(*image, 20);
  EXPECT_EQ(square.sizes(), (std::vector<int64_t>{3, 20, 20}));
  EXPECT_NEAR(square[0].to(torch::kFloat).mean().item<float>(), 200, 3);
  EXPECT_NEAR(square[2].to(torch::kFloat).mean().item<float>(), 50, 3);
  WriteJpeg(dir + "/grey.jpg", 16, 16, 77, 0, 0, /*grey=*/true);
  auto grey = DecodeJpegFile(dir + "/grey.jpg");
  ASSERT_TRUE(grey.ok()) << grey.status();
  EXPECT_NEAR(grey->to(torch::kFloat).mean().item<float>(), 77, 2);

  WriteText(dir + "/fake.jpg", "not a jpeg");
  EXPECT_THAT(std::string(DecodeJpegFile(dir + "/fake.jpg").status().message()),
              HasSubstr(dir + "/fake.jpg: not a JPEG file (no SOI marker at byte offset 0)"));
  std::ifstream in(dir + "/wide.jpg", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  WriteText(dir + "/cut.jpg", bytes.substr(0, bytes.size() / 3));
  auto cut = DecodeJpegFile(dir + "/cut.jpg");
  ASSERT_FALSE(cut.ok());
  EXPECT_THAT(std::string(cut.status().message()), HasSubstr(dir + "/cut.jpg: "));
}

TEST(TinyImagenetTest, ReadsTheOfficialLayout) {
  const std::string root = ::testing::TempDir() + "/tiny-imagenet-200";
  for (const char* wnid : {"n01", "n02"}) MakeDirs(root + "/train/" + wnid + "/images");
  MakeDirs(root + "/val/images");
  WriteText(root + "/wnids.txt", "n01\nn02\n");
  for (int i = 0; i < 3; ++i) {
    WriteJpeg(root + "/train/n01/images/n01_" + std::to_string(i) + ".JPEG", 64, 64, 250, 10, 10);
    WriteJpeg(root + "/train/n02/images/n02_" + std::to_string(i) + ".JPEG", 64, 64, 10, 10, 250);
  }
  WriteText(root + "/train/n01/n01_boxes.txt", "ignored\n");
  WriteJpeg(root + "/val/images/val_0.JPEG", 64, 64, 10, 10, 250);
  WriteJpeg(root + "/val/images/val_1.JPEG", 64, 64, 120, 120, 120, /*grey=*/true);
  WriteText(root + "/val/val_annotations.txt", "val_0.JPEG\tn02\t0\t0\t63\t63\nval_1.JPEG\tn01\t1\t2\t3\t4\n");
  auto data = MakeDataset("tiny_imagenet", "dir=" + root, {0});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_classes, 2);
  EXPECT_EQ(data->train.size(), 6);
  EXPECT_EQ(data->test.size(), 2);
  EXPECT_EQ(data->image_size(), 64);
  EXPECT_EQ(data->train.labels[3].item<int64_t>(), 1);
  EXPECT_EQ(data->test.labels[0].item<int64_t>(), 1);
  EXPECT_EQ(data->test.labels[1].item<int64_t>(), 0);
  EXPECT_NEAR(data->train.images[4][2].to(torch::kFloat).mean().item<float>(), 250, 3);

  WriteText(root + "/val/val_annotations.txt", "val_0.JPEG\tn09\t0\t0\t63\t63\n");
  EXPECT_THAT(std::string(MakeDataset("tiny_imagenet", "dir=" + root, {0}).status().message()),
              HasSubstr("val_annotations.txt:1: class 'n09' is not in wnids.txt"));
}

TEST(ImageFolderTest, ClassesAreTheTrainingSubfolders) {
  const std::string root = ::testing::TempDir() + "/folder";
  for (const char* split : {"train", "val"}) {
    for (const char* name : {"cat", "dog"}) MakeDirs(root + "/" + split + "/" + name);
  }
  WriteJpeg(root + "/train/cat/a.jpg", 50, 30, 0, 200, 0);
  WriteJpeg(root + "/train/cat/b.jpeg", 30, 50, 0, 200, 0);
  WriteJpeg(root + "/train/dog/c.JPG", 40, 40, 200, 0, 0);
  WriteJpeg(root + "/val/dog/d.jpg", 40, 40, 200, 0, 0);
  auto data = MakeDataset("image_folder", "dir=" + root + ",size=24", {0});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_classes, 2);
  EXPECT_EQ(data->train.size(), 3);
  EXPECT_EQ(data->image_size(), 24);
  EXPECT_EQ(data->train.labels[2].item<int64_t>(), 1);
  EXPECT_EQ(data->test.labels[0].item<int64_t>(), 1);

  WriteText(root + "/train/dog/broken.jpg", "\xFF\xD8garbage");
  auto broken = MakeDataset("image_folder", "dir=" + root + ",size=24", {0});
  ASSERT_FALSE(broken.ok());
  EXPECT_THAT(std::string(broken.status().message()), HasSubstr("train/dog/broken.jpg: "));
}

// 24 training JPEGs of 3 colours (noisy so that batches differ), 6 test.
std::string WriteStreamFolder(const std::string& name) {
  const std::string root = ::testing::TempDir() + "/" + name;
  const uint8_t colours[3][3] = {{200, 30, 30}, {30, 200, 30}, {30, 30, 200}};
  const char* classes[3] = {"red", "green", "blue"};
  for (int c = 0; c < 3; ++c) {
    for (const char* split : {"train", "val"}) MakeDirs(root + "/" + split + "/" + classes[c]);
    for (int i = 0; i < 8; ++i) {
      WriteJpeg(root + "/train/" + classes[c] + "/" + std::to_string(i) + ".jpg", 20 + i, 16 + 2 * i,
                colours[c][0] + 3 * i, colours[c][1], colours[c][2] - i);
    }
    for (int i = 0; i < 2; ++i) {
      WriteJpeg(root + "/val/" + classes[c] + "/" + std::to_string(i) + ".jpg", 18, 18, colours[c][0],
                colours[c][1] + i, colours[c][2]);
    }
  }
  return root;
}

std::vector<torch::Tensor> TrainTwoEpochs(const Dataset& data) {
  torch::manual_seed(5);
  // With BatchNorm: RecomputeBatchNorm reads the stream too.
  auto net = *MakeModel("preresnet20", "width=0.25", ModelSpec{data.channels(), data.image_size(), data.num_classes},
                        StandardLayers());
  TrainerOptions options;
  options.batch_size = 5;
  options.data_seed = 9;
  Trainer trainer(net, data, options);
  auto schedule = *MakeSchedule("constant", "", ScheduleContext{100, 4, 0.1});
  EXPECT_TRUE(trainer.Run(*schedule, 2, {}, "train").ok());
  EXPECT_TRUE(RecomputeBatchNorm(*net, data, BatchMaker(data, torch::kCPU), 7).ok());
  std::vector<torch::Tensor> weights;
  for (const auto& p : net->parameters()) weights.push_back(p.detach().clone());
  return weights;
}

// Streaming reads the same images in the same order as decoding into
// memory: the same training, bit for bit, and the same validation split.
TEST(ImageStreamTest, TrainsExactlyAsFromMemory) {
  const std::string root = WriteStreamFolder("stream_folder");
  const std::string args = "dir=" + root + ",size=12,augment=crop_flip,val_size=4";
  auto memory = MakeDataset("image_folder", args, {3});
  auto streamed = MakeDataset("image_folder", args + ",stream=true,stream_workers=3,prefetch=2", {3});
  ASSERT_TRUE(memory.ok()) << memory.status();
  ASSERT_TRUE(streamed.ok()) << streamed.status();
  ASSERT_TRUE(streamed->train.streamed());
  EXPECT_FALSE(streamed->train.images.defined());
  EXPECT_EQ(streamed->train.size(), 20);
  EXPECT_EQ(streamed->image_size(), 12);
  EXPECT_TRUE(torch::equal(streamed->val.images, memory->val.images));
  EXPECT_TRUE(torch::equal(streamed->train.labels, memory->train.labels));
  EXPECT_EQ(streamed->mean, memory->mean);  // fewer than 2,000 images: all of them

  const auto a = TrainTwoEpochs(*memory), b = TrainTwoEpochs(*streamed);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i;
}

TEST(ImageStreamTest, BatchesComeInOrder) {
  const std::string root = WriteStreamFolder("stream_errors");
  std::vector<std::string> paths;
  for (int i = 0; i < 8; ++i) paths.push_back(root + "/train/red/" + std::to_string(i) + ".jpg");
  const ImageStream stream(paths, 10, 4, 1);
  const torch::Tensor all = *DecodeImages(paths, 10);
  const std::vector<int64_t> order = {7, 6, 5, 4, 3, 2, 1, 0};
  auto reader = stream.Read(order, 3, 3);
  for (int64_t b = 0; b < 3; ++b) {
    auto batch = reader->Next();
    ASSERT_TRUE(batch.ok()) << batch.status();
    for (int64_t i = 0; i < batch->size(0); ++i) EXPECT_TRUE(torch::equal((*batch)[i], all[order[3 * b + i]]));
  }
  EXPECT_FALSE(reader->Next().ok());

}

TEST(ImageStreamTest, TrainingOverABrokenFileNamesIt) {
  const std::string root = WriteStreamFolder("stream_broken");
  auto data = MakeDataset("image_folder", "dir=" + root + ",size=10,stream=true", {0});
  ASSERT_TRUE(data.ok()) << data.status();
  WriteText(root + "/train/green/5.jpg", "\xFF\xD8truncated");
  auto net = *MakeModel("mlp", "", ModelSpec{3, 10, 3}, StandardLayers());
  TrainerOptions options;
  options.batch_size = 4;
  Trainer trainer(net, *data, options);
  auto schedule = *MakeSchedule("constant", "", ScheduleContext{100, 6, 0.1});
  const absl::Status status = trainer.Run(*schedule, 1, {}, "train");
  EXPECT_THAT(std::string(status.message()), HasSubstr("train/green/5.jpg: "));

  // Methods that need every training image at once say so.
  TrainContext context;
  context.data = &*data;
  auto bagging = (*MakeMethod("bagging", ""))->Train(context);
  ASSERT_FALSE(bagging.ok());
  EXPECT_THAT(std::string(bagging.status().message()),
              HasSubstr("method 'bagging' needs the training images in memory; this dataset streams them"));
}

}  // namespace
}  // namespace ens
