// synthetic: class prototypes plus Gaussian pixel noise, small enough for
// tests to train whole ensembles in seconds, hard enough (with noise) that
// ensembles help.
#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

#include "core/status_macros.h"
#include "datasets/dataset.h"

namespace ens {
namespace {

Split MakeSplit(const torch::Tensor& prototypes, int64_t n, double noise, at::Generator& gen) {
  const int64_t classes = prototypes.size(0);
  torch::Tensor labels = torch::randint(classes, {n}, gen, torch::kLong);
  torch::Tensor pixels =
      prototypes.index_select(0, labels) +
      noise * torch::randn({n, prototypes.size(1), prototypes.size(2), prototypes.size(3)}, gen, torch::kFloat);
  torch::Tensor images = pixels.clamp(0, 1).mul(255).round().to(torch::kByte);
  return {images, labels};
}

ENS_REGISTER(DatasetRegistry(), "synthetic",
             "random class prototypes plus Gaussian noise, for tests and smoke runs",
             ([] {
               ParamSchema schema;
               schema.Int("classes", 4, "number of classes").Min(2).Max(1000)
                   .Int("train", 512, "training images").Min(2)
                   .Int("test", 256, "test images").Min(2)
                   .Int("size", 8, "image side in pixels").Min(6).Max(512)
                   .Int("channels", 1, "image channels").Min(1).Max(16)
                   .Double("noise", 0.6, "pixel noise std (pixels in [0, 1])").Min(0)
                   .Int("data_seed", 7, "seed of the data (fixed across runs)").Min(0);
               AddCommonDatasetParams(schema, 0, "none");
               return schema;
             }()),
             [](const Params& p, const DatasetContext& context) -> absl::StatusOr<Dataset> {
               at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(p.Int("data_seed"));
               const int64_t side = p.Int("size");
               torch::Tensor prototypes =
                   torch::rand({p.Int("classes"), p.Int("channels"), side, side}, gen, torch::kFloat);
               Dataset data;
               data.num_classes = p.Int("classes");
               data.train = MakeSplit(prototypes, p.Int("train"), p.Double("noise"), gen);
               data.test = MakeSplit(prototypes, p.Int("test"), p.Double("noise"), gen);
               ENS_RETURN_IF_ERROR(ApplyCommonDatasetParams(p, context, &data));
               return data;
             });

}  // namespace
}  // namespace ens
