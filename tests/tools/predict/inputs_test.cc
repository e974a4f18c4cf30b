// //:predict's readers: PNG through libpng, .npy (versions, types, errors
// with byte offsets), directories (order, skipped files), IDX, and the shape
// rule (reject naming both shapes, or resize and convert channels).
#include "tools/predict/inputs.h"

#include <string>

#include <gtest/gtest.h>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "core/atomic_file.h"
#include "core/npy.h"
#include "tools/predict/png_file.h"

namespace ens {
namespace {

std::string Tmp(const std::string& name) { return absl::StrCat(::testing::TempDir(), "/", name); }

TEST(PngFileTest, GreyAndColourRoundTrip) {
  const torch::Tensor grey = torch::randint(0, 256, {1, 5, 7}, torch::kLong).to(torch::kUInt8);
  const torch::Tensor rgb = torch::randint(0, 256, {3, 6, 4}, torch::kLong).to(torch::kUInt8);
  ASSERT_TRUE(WritePngFile(Tmp("grey.png"), grey).ok());
  ASSERT_TRUE(WritePngFile(Tmp("rgb.png"), rgb).ok());
  auto g = DecodePngFile(Tmp("grey.png"));
  auto c = DecodePngFile(Tmp("rgb.png"));
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(torch::equal(*g, grey));
  EXPECT_TRUE(torch::equal(*c, rgb));
  ASSERT_TRUE(WriteFileAtomically(Tmp("fake.png"), "\x89PNG but not really").ok());
  auto bad = DecodePngFile(Tmp("fake.png"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("fake.png"), std::string::npos);
}

TEST(NpyTest, ReadsWhatNumpyWrites) {
  const torch::Tensor f = torch::randn({2, 3, 4});
  ASSERT_TRUE(WriteNpy(Tmp("f.npy"), f).ok());
  auto read = ReadNpy(Tmp("f.npy"));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(torch::equal(*read, f));
  const torch::Tensor l = torch::arange(5, torch::kLong);
  ASSERT_TRUE(WriteNpy(Tmp("l.npy"), l).ok());
  EXPECT_TRUE(torch::equal(*ReadNpy(Tmp("l.npy")), l));
  // numpy.save(np.arange(6, dtype=np.uint8).reshape(2, 3)), byte for byte.
  std::string header = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');  // to 118: data at byte offset 128
  header.push_back('\n');
  std::string bytes("\x93NUMPY\x01\x00", 8);
  ASSERT_EQ(header.size(), 118u);
  bytes.push_back(static_cast<char>(header.size()));
  bytes.push_back('\0');
  bytes += header + std::string("\x00\x01\x02\x03\x04\x05", 6);
  ASSERT_TRUE(WriteFileAtomically(Tmp("u8.npy"), bytes).ok());
  auto u8 = ReadNpy(Tmp("u8.npy"));
  ASSERT_TRUE(u8.ok()) << u8.status();
  EXPECT_TRUE(torch::equal(*u8, torch::arange(6, torch::kLong).to(torch::kUInt8).view({2, 3})));
  // Cut short: the offset where the data starts and the file's end.
  ASSERT_TRUE(WriteFileAtomically(Tmp("short.npy"), bytes.substr(0, bytes.size() - 2)).ok());
  auto cut = ReadNpy(Tmp("short.npy"));
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(std::string(cut.status().message()).find("from byte offset 128, the file ends at 132"), std::string::npos)
      << cut.status();
  ASSERT_TRUE(WriteFileAtomically(Tmp("text.npy"), "hello").ok());
  EXPECT_FALSE(ReadNpy(Tmp("text.npy")).ok());
}

TEST(InputsTest, ShapeRule) {
  const std::vector<int64_t> grey28 = {1, 28, 28};
  const torch::Tensor large = torch::full({1, 32, 32}, 100, torch::kUInt8);
  auto refused = ConformImage(large, grey28, ShapeRule::kReject, "a.png");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(std::string(refused.status().message()),
            "a.png: an image of 1 x 32 x 32, the run's images are 1 x 28 x 28 (--resize=resize converts)");
  auto resized = ConformImage(large, grey28, ShapeRule::kResize, "a.png");
  ASSERT_TRUE(resized.ok());
  EXPECT_TRUE(torch::equal(*resized, torch::full({1, 28, 28}, 100, torch::kUInt8)));
  // RGB (10, 20, 30) to grey: BT.601 luma 0.299*10 + 0.587*20 + 0.114*30 = 18.15.
  torch::Tensor rgb = torch::empty({3, 28, 28}, torch::kUInt8);
  rgb[0].fill_(10);
  rgb[1].fill_(20);
  rgb[2].fill_(30);
  auto luma = ConformImage(rgb, grey28, ShapeRule::kResize, "rgb.png");
  ASSERT_TRUE(luma.ok());
  EXPECT_EQ((*luma)[0][5][5].item<int>(), 18);
  auto colour = ConformImage(*luma, {3, 28, 28}, ShapeRule::kResize, "grey.png");
  ASSERT_TRUE(colour.ok());
  EXPECT_EQ(colour->size(0), 3);
  EXPECT_FALSE(ParseShapeRule("crop").ok());
}

TEST(InputsTest, DirectoriesAndArrays) {
  ASSERT_TRUE(MakeDirectories(Tmp("dir/b_sub")).ok());
  ASSERT_TRUE(MakeDirectories(Tmp("dir/a_sub")).ok());
  auto image = [](int value) { return torch::full({1, 4, 4}, value, torch::kUInt8); };
  ASSERT_TRUE(WritePngFile(Tmp("dir/z.png"), image(1)).ok());
  ASSERT_TRUE(WritePngFile(Tmp("dir/b_sub/x.PNG"), image(3)).ok());
  ASSERT_TRUE(WritePngFile(Tmp("dir/a_sub/y.png"), image(2)).ok());
  ASSERT_TRUE(WriteFileAtomically(Tmp("dir/readme.md"), "x").ok());
  auto input = ReadInputs(Tmp("dir"), {1, 4, 4}, ShapeRule::kReject);
  ASSERT_TRUE(input.ok()) << input.status();
  ASSERT_EQ(input->files.size(), 3u);
  EXPECT_EQ(input->files[0], Tmp("dir/z.png"));
  EXPECT_EQ(input->files[1], Tmp("dir/a_sub/y.png"));
  EXPECT_EQ(input->files[2], Tmp("dir/b_sub/x.PNG"));
  EXPECT_EQ(input->skipped, 1);
  EXPECT_TRUE(torch::equal(input->images.select(2, 0).select(2, 0).squeeze(1),
                           torch::tensor({1, 2, 3}, torch::kLong).to(torch::kUInt8)));

  // N x H x W floats in [0, 1]: scaled to [0, 255]; outside: refused at its index.
  const torch::Tensor floats = torch::rand({3, 4, 4});
  ASSERT_TRUE(WriteNpy(Tmp("f.npy"), floats).ok());
  auto array = ReadInputs(Tmp("f.npy"), {1, 4, 4}, ShapeRule::kReject);
  ASSERT_TRUE(array.ok()) << array.status();
  EXPECT_TRUE(array->files.empty());
  EXPECT_TRUE(torch::allclose(array->images, floats.unsqueeze(1) * 255));
  torch::Tensor out_of_range = floats.clone();
  out_of_range[1][2][3] = 1.5;
  ASSERT_TRUE(WriteNpy(Tmp("bad.npy"), out_of_range).ok());
  auto refused = ReadInputs(Tmp("bad.npy"), {1, 4, 4}, ShapeRule::kReject);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(std::string(refused.status().message()).find("value 1.5 at flat index 27"), std::string::npos)
      << refused.status();
  auto wrong_shape = ReadInputs(Tmp("f.npy"), {1, 8, 8}, ShapeRule::kReject);
  ASSERT_FALSE(wrong_shape.ok());
  EXPECT_NE(std::string(wrong_shape.status().message()).find("f.npy row 0: an image of 1 x 4 x 4"), std::string::npos);
}

}  // namespace
}  // namespace ens
