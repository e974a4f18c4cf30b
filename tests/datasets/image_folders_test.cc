// tiny_imagenet and image_folder on JPEG files the test writes with
// libjpeg-turbo in each exact layout.
#include <sys/stat.h>
#include <turbojpeg.h>

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "datasets/dataset.h"
#include "datasets/image_files.h"

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

}  // namespace
}  // namespace ens
