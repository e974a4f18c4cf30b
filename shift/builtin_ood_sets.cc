// The built-in out-of-distribution sets: real MNIST digits (far from
// Fashion-MNIST's clothes), the classes a run held out, the in-domain test
// images flipped or turned (near: the same textures, shoes pointing the
// other way), and noise images (far: no structure at all).
#include <algorithm>
#include <string>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/file_tree.h"
#include "core/status_macros.h"
#include "core/user_path.h"
#include "datasets/idx_reader.h"
#include "shift/ood_set.h"

namespace ens {
namespace {

// The test images of an IDX directory: t10k-images-idx3-ubyte[.gz] (the
// original MNIST naming), else its one other *-images-idx3-ubyte[.gz] that
// is not a training file (e.g. mnist-10k-images-idx3-ubyte.gz).
absl::StatusOr<std::string> TestImagesFile(const std::string& dir) {
  if (!IsDirectory(dir)) return absl::NotFoundError(absl::StrCat("dir=", dir, " is not a directory"));
  ENS_ASSIGN_OR_RETURN(const std::vector<std::string> names, ListDirectory(dir));
  std::vector<std::string> candidates;
  for (const std::string& name : names) {
    if (name == "t10k-images-idx3-ubyte.gz" || name == "t10k-images-idx3-ubyte") return absl::StrCat(dir, "/", name);
    if (absl::StrContains(name, "-images-idx3-ubyte") && !absl::StartsWith(name, "train")) {
      candidates.push_back(name);
    }
  }
  if (candidates.size() == 1) return absl::StrCat(dir, "/", candidates[0]);
  std::sort(candidates.begin(), candidates.end());
  return absl::NotFoundError(absl::StrCat(
      dir, " holds ", candidates.empty() ? "no" : absl::StrCat("several (", absl::StrJoin(candidates, ", "), ")"),
      " test image files: expected t10k-images-idx3-ubyte[.gz] or one other *-images-idx3-ubyte[.gz]"));
}

absl::StatusOr<torch::Tensor> Mnist(const Params& p, const OodContext&) {
  ENS_ASSIGN_OR_RETURN(const std::string file, TestImagesFile(UserPath(p.String("dir"))));
  ENS_ASSIGN_OR_RETURN(torch::Tensor images, ReadIdxImages(file));
  const int64_t limit = p.Int("limit");
  return limit > 0 ? images.slice(0, 0, limit) : images;
}

// The test images of the classes the run's dataset held out (kept aside by
// hold_out_classes when the dataset was loaded).
absl::StatusOr<torch::Tensor> HeldOut(const Params&, const OodContext& context) {
  const torch::Tensor& held = context.in_domain->held_out_test_images;
  if (!held.defined()) {
    return absl::InvalidArgumentError(absl::StrCat("the run's dataset holds out no classes: train with --dataset_args=",
                                                   "hold_out_classes=C1:C2:... to make them the out-of-distribution set"));
  }
  if (held.size(0) == 0) {
    return absl::InvalidArgumentError("the run's test images hold none of the held-out classes (see test_limit)");
  }
  return held;
}

absl::StatusOr<torch::Tensor> Flipped(const Params& p, const OodContext& context) {
  return context.in_domain->test.images.flip({p.String("axis") == "horizontal" ? 3 : 2}).contiguous();
}

absl::StatusOr<torch::Tensor> Rotated(const Params& p, const OodContext& context) {
  return torch::rot90(context.in_domain->test.images, p.Int("quarter_turns"), {2, 3}).contiguous();
}

// `count` images of the in-domain test images' shape.
std::vector<int64_t> NoiseShape(const Params& p, const OodContext& context) {
  const torch::Tensor& test = context.in_domain->test.images;
  return {p.Int("count"), test.size(1), test.size(2), test.size(3)};
}

constexpr uint64_t kNoiseStream = 0x6f6f645f6e6f6973;  // "ood_nois"

absl::StatusOr<torch::Tensor> Uniform(const Params& p, const OodContext& context) {
  const std::vector<int64_t> shape = NoiseShape(p, context);
  auto generator = at::detail::createCPUGenerator(context.seed ^ kNoiseStream);
  return at::randint(0, 256, shape, generator, torch::kLong).to(torch::kByte);
}

// Per channel N(mean, std) of the in-domain training pixels, 8-bit.
absl::StatusOr<torch::Tensor> Gaussian(const Params& p, const OodContext& context) {
  const std::vector<int64_t> shape = NoiseShape(p, context);
  auto generator = at::detail::createCPUGenerator((context.seed ^ kNoiseStream) + 1);
  const Dataset& data = *context.in_domain;
  const torch::Tensor mean = torch::tensor(data.mean, torch::kDouble).view({1, -1, 1, 1});
  const torch::Tensor std = torch::tensor(data.std, torch::kDouble).view({1, -1, 1, 1});
  const torch::Tensor values = at::randn(shape, generator, torch::kDouble) * std + mean;
  return (values * 255).round().clamp(0, 255).to(torch::kByte);
}

ParamSchema NoiseSchema() {
  return ParamSchema().Int("count", 10000, "images").Min(1).Max(1000000);
}

ENS_REGISTER(OodSetRegistry(), "mnist",
             "MNIST digits (the far out-of-distribution set of Fashion-MNIST): the test images of an IDX directory",
             ParamSchema()
                 .String("dir", "/usr/share/datasets/mnist",
                         "directory with t10k-images-idx3-ubyte[.gz] or one other *-images-idx3-ubyte[.gz]")
                 .Int("limit", 0,
                      "use only the first N images in file order (0: all; a file sorted by digit, as mnist-10k is, "
                      "gives its first digits only)")
                 .Min(0),
             Mnist);
ENS_REGISTER(OodSetRegistry(), "held_out",
             "the test images of the classes the run's dataset held out (--dataset_args=hold_out_classes=...)",
             ParamSchema(), HeldOut);
ENS_REGISTER(OodSetRegistry(), "flipped", "the in-domain test images mirrored (near out-of-distribution)",
             ParamSchema().String("axis", "horizontal", "horizontal (left-right) or vertical (upside down)")
                 .Choices({"horizontal", "vertical"}),
             Flipped);
ENS_REGISTER(OodSetRegistry(), "rotated", "the in-domain test images turned by quarter turns (near out-of-distribution)",
             ParamSchema().Int("quarter_turns", 1, "counter-clockwise quarter turns").Min(1).Max(3), Rotated);
ENS_REGISTER(OodSetRegistry(), "uniform", "uniform noise images, every byte U{0..255} (far out-of-distribution)",
             NoiseSchema(), Uniform);
ENS_REGISTER(OodSetRegistry(), "gaussian",
             "Gaussian noise images with the in-domain per-channel mean and deviation, 8-bit (far out-of-distribution)",
             NoiseSchema(), Gaussian);

}  // namespace
}  // namespace ens
