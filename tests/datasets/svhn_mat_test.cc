// The MAT v5 reader and svhn on files the test writes the way MATLAB does:
// 128-byte header, miMATRIX elements with small-format names, uint8 data, and
// a zlib-compressed (miCOMPRESSED) element for the labels.
#include <sys/stat.h>
#include <zlib.h>

#include <cstring>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>

#include "datasets/dataset.h"
#include "datasets/mat_reader.h"

namespace ens {
namespace {

using ::testing::HasSubstr;
using Bytes = std::vector<uint8_t>;

void Put32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

Bytes Element(uint32_t type, const Bytes& data) {
  Bytes b;
  Put32(b, type);
  Put32(b, static_cast<uint32_t>(data.size()));
  b.insert(b.end(), data.begin(), data.end());
  while (b.size() % 8) b.push_back(0);
  return b;
}

// Names of up to 4 bytes use the small data element format, as MATLAB writes them.
Bytes SmallElement(uint32_t type, const std::string& data) {
  Bytes b;
  Put32(b, (static_cast<uint32_t>(data.size()) << 16) | type);
  for (size_t i = 0; i < 4; ++i) b.push_back(i < data.size() ? static_cast<uint8_t>(data[i]) : 0);
  return b;
}

Bytes Matrix(const std::string& name, uint32_t matlab_class, const std::vector<int32_t>& dims, uint32_t data_type,
             const Bytes& data) {
  Bytes flags;
  Put32(flags, matlab_class);
  Put32(flags, 0);
  Bytes dim_bytes;
  for (int32_t d : dims) Put32(dim_bytes, static_cast<uint32_t>(d));
  Bytes contents = Element(6, flags);
  const Bytes d = Element(5, dim_bytes);
  contents.insert(contents.end(), d.begin(), d.end());
  const Bytes n = SmallElement(1, name);
  contents.insert(contents.end(), n.begin(), n.end());
  const Bytes v = Element(data_type, data);
  contents.insert(contents.end(), v.begin(), v.end());
  return Element(14, contents);
}

Bytes Compressed(const Bytes& element) {
  uLongf size = compressBound(element.size());
  Bytes out(size);
  compress2(out.data(), &size, element.data(), element.size(), 6);
  out.resize(size);
  Bytes b;
  Put32(b, 15);
  Put32(b, static_cast<uint32_t>(out.size()));
  b.insert(b.end(), out.begin(), out.end());
  return b;
}

Bytes Header() {
  std::string text = "MATLAB 5.0 MAT-file, Platform: GLNXA64, written by the ensembles tests";
  text.resize(116, ' ');
  Bytes b(text.begin(), text.end());
  b.resize(124, 0);
  b.push_back(0x00);
  b.push_back(0x01);
  b.push_back('I');
  b.push_back('M');
  return b;
}

// X(r, c, ch, n) = (n + 5 ch + 3 r + c) mod 256, column-major; y as doubles
// stored as miUINT8 inside a compressed element (MATLAB's compact storage).
Bytes SvhnFile(int32_t n, const std::vector<uint8_t>& labels) {
  Bytes x;
  for (int32_t i = 0; i < n; ++i)
    for (int ch = 0; ch < 3; ++ch)
      for (int c = 0; c < 32; ++c)
        for (int r = 0; r < 32; ++r) x.push_back(static_cast<uint8_t>((i + 5 * ch + 3 * r + c) % 256));
  Bytes file = Header();
  const Bytes xm = Matrix("X", 9, {32, 32, 3, n}, 2, x);
  file.insert(file.end(), xm.begin(), xm.end());
  const Bytes ym = Compressed(Matrix("y", 6, {static_cast<int32_t>(labels.size()), 1}, 2, labels));
  file.insert(file.end(), ym.begin(), ym.end());
  return file;
}

void Write(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::string Dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/" + name;
  mkdir(dir.c_str(), 0755);
  return dir;
}

TEST(MatReaderTest, ReadsUncompressedAndCompressedArraysOfAnyStorage) {
  const std::string path = Dir("mat") + "/arrays.mat";
  Bytes file = Header();
  Bytes doubles;
  for (double v : {1.5, -2.0, 7.25}) {
    uint8_t raw[8];
    std::memcpy(raw, &v, 8);
    doubles.insert(doubles.end(), raw, raw + 8);
  }
  const Bytes a = Matrix("a", 6, {3, 1}, 9, doubles);
  const Bytes skipped = Compressed(Matrix("zz", 6, {1, 1}, 2, {4}));
  const Bytes b = Compressed(Matrix("b", 9, {2, 2}, 2, {1, 2, 3, 4}));
  for (const Bytes* e : {&a, &skipped, &b}) file.insert(file.end(), e->begin(), e->end());
  Write(path, file);
  auto arrays = ReadMatFile(path, {"a", "b"});
  ASSERT_TRUE(arrays.ok()) << arrays.status();
  ASSERT_EQ(arrays->size(), 2u);
  EXPECT_EQ((*arrays)["a"].values, (std::vector<double>{1.5, -2.0, 7.25}));
  EXPECT_EQ((*arrays)["b"].bytes, (std::vector<uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ((*arrays)["b"].dims, (std::vector<int64_t>{2, 2}));
}

TEST(SvhnTest, LoadsImagesInRowMajorOrderAndMapsLabelTenToZero) {
  const std::string dir = Dir("svhn");
  Write(dir + "/train_32x32.mat", SvhnFile(5, {1, 2, 10, 9, 10}));
  Write(dir + "/test_32x32.mat", SvhnFile(2, {3, 10}));
  auto data = MakeDataset("svhn", "dir=" + dir, {0});
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->train.size(), 5);
  EXPECT_EQ(data->test.size(), 2);
  EXPECT_EQ(data->channels(), 3);
  EXPECT_EQ(data->image_size(), 32);
  EXPECT_EQ(data->train.labels[2].item<int64_t>(), 0);
  EXPECT_EQ(data->train.labels[3].item<int64_t>(), 9);
  EXPECT_EQ(data->test.labels[1].item<int64_t>(), 0);
  // Image 3, channel 2, row 4, column 7: 3 + 10 + 12 + 7.
  EXPECT_EQ(data->train.images[3][2][4][7].item<uint8_t>(), 32);
  EXPECT_EQ(data->augmentation.crop_padding, 4);
  EXPECT_FALSE(data->augmentation.flip);
}

TEST(SvhnTest, CorruptFilesNameTheFileAndOffset) {
  const std::string dir = Dir("svhn_bad");
  const Bytes good = SvhnFile(2, {1, 2});
  Write(dir + "/short.mat", Bytes(good.begin(), good.begin() + 1000));
  EXPECT_THAT(std::string(ReadMatFile(dir + "/short.mat", {"X"}).status().message()),
              HasSubstr(dir + "/short.mat: element of 6200 bytes runs past the end (864 left) at byte offset 128"));

  Bytes text = good;
  text[0] = 'X';
  Write(dir + "/text.mat", text);
  EXPECT_THAT(std::string(ReadMatFile(dir + "/text.mat", {"X"}).status().message()),
              HasSubstr("not a MATLAB 5.0 MAT-file"));

  // The compressed y element cut short: zlib cannot finish it.
  Bytes cut = good;
  cut.resize(cut.size() - 5);
  uint32_t length;
  const size_t y_tag = 128 + 8 + 6200;
  std::memcpy(&length, cut.data() + y_tag + 4, 4);
  length -= 5;
  std::memcpy(cut.data() + y_tag + 4, &length, 4);
  Write(dir + "/cut.mat", cut);
  EXPECT_THAT(std::string(ReadMatFile(dir + "/cut.mat", {"y"}).status().message()),
              HasSubstr("corrupt or truncated compressed element at byte offset " + std::to_string(y_tag)));

  const std::string labels = Dir("svhn_labels");
  Write(labels + "/train_32x32.mat", SvhnFile(3, {1, 11, 2}));
  Write(labels + "/test_32x32.mat", SvhnFile(1, {1}));
  EXPECT_THAT(std::string(MakeDataset("svhn", "dir=" + labels, {0}).status().message()),
              HasSubstr("train_32x32.mat: label 11 at element 1 of y is not one of 1..10"));
  EXPECT_THAT(std::string(MakeDataset("svhn", "", {0}).status().message()), HasSubstr("set dir="));
}

}  // namespace
}  // namespace ens
