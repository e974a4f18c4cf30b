// Example plugin: a corruption from outside the core, the shift suite's
// "negative" (the image blended towards its negative: 1 - x at severity 5,
// dark clothes on a white background for Fashion-MNIST).
//
//   bazel build //plugins:negative_corruption.so
//   bazel run //:driver -- --plugins=bazel-bin/plugins/negative_corruption.so
//       --eval_only --out_dir=runs/my_run --shift=negative
//
// It compiles against the corruption registry's headers only.
#include "core/plugin_loader.h"
#include "shift/corruption.h"

ENS_PLUGIN("negative corruption") {
  ENS_REGISTER(ens::CorruptionRegistry(), "negative",
               "(1 - c) x + c (1 - x): the image blended towards its negative (plugin)",
               ens::ParamSchema().DoubleList("c", "0.2:0.4:0.6:0.8:1", "weight of the negative per severity")
                   .Min(0)
                   .Max(1),
               [](const ens::Params& p) -> ens::Corruption {
                 return [p](const torch::Tensor& x, int severity, uint64_t) {
                   const double c = ens::LevelOf(p, "c", severity);
                   return (x * (1 - c) + (1 - x) * c).clamp(0, 1);
                 };
               });
}
