// Test-time augmentation as an ensemble (Ashukha et al. 2020, "Pitfalls of
// in-domain uncertainty estimation", section 5): one trained network; member
// i is that network on the i-th augmented view of every test image (random
// crop after zero padding and horizontal flip by default), the views drawn
// from the stream (seed, i), whatever the batch size and device; members
// averaged as probabilities. A method
// plugin: it is built against header targets only and brings its own
// ensemble kind, whose members are views of the input, not weights.
//
//   bazel build //plugins:tta.so
//   bazel run //:driver -- --plugins=bazel-bin/plugins/tta.so --method=tta
//       --method_args=weights_from=runs/single --members=10   (one line)
//
// Without weights_from the network is trained exactly as `single` trains it
// (same seed, same network); views=none gives the network's own prediction
// in every member.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "engine/ensemble_io.h"
#include "core/plugin_loader.h"
#include "core/status_macros.h"
#include "ensembles/method.h"

namespace {

using ens::Augmentation;

// One network's weights; member i = its prediction on view i of each image.
class TtaEnsemble : public ens::Ensemble {
 public:
  TtaEnsemble(ens::StateDict weights, std::string views, Augmentation augmentation, int64_t samples,
              uint64_t seed)
      : weights_(std::move(weights)),
        views_(std::move(views)),
        augmentation_(augmentation),
        samples_(samples),
        seed_(seed) {}

  int64_t size() const override { return samples_; }

  absl::StatusOr<torch::Tensor> MemberLogProbs(int64_t i, ens::MemberContext& context) const override {
    ENS_ASSIGN_OR_RETURN(ens::Network* const net, context.NetworkOf("standard"));
    ENS_RETURN_IF_ERROR(ens::LoadState(*net, weights_));
    net->eval();
    // The views of member i: every image's crop and flip drawn at once from
    // the stream (seed, i) on the CPU, so they do not depend on the batch
    // size or the device.
    const ens::Split& split = context.split();
    torch::Generator generator = at::detail::createCPUGenerator(ens::DeriveSeed(seed_, static_cast<uint64_t>(i)));
    const ens::AugmentationDraws draws = ens::DrawAugmentation(split.size(), augmentation_, torch::kFloat, generator);
    auto rows = [](const torch::Tensor& t, int64_t begin, int64_t end) {
      return t.defined() ? t.slice(0, begin, end) : t;
    };
    const ens::BatchMaker& batches = context.batches();
    return context.Predict(*net, [&](const torch::Tensor& inputs, int64_t begin, int64_t end) {
      return batches.Augment(inputs, augmentation_,
                             {rows(draws.dy, begin, end), rows(draws.dx, begin, end), rows(draws.flip, begin, end)});
    });
  }

  absl::Status Save(const std::string& dir) const override {
    nlohmann::json manifest;
    manifest["kind"] = "tta";
    manifest["names"] = ens::StateNames(weights_);
    manifest["weights"] = ens::MemberFile(0);
    manifest["views"] = views_;
    manifest["padding"] = augmentation_.crop_padding;
    manifest["samples"] = samples_;
    manifest["seed"] = seed_;
    ENS_RETURN_IF_ERROR(ens::SaveState(weights_, absl::StrCat(dir, "/", ens::MemberFile(0))));
    return ens::WriteManifest(dir, manifest);
  }

 private:
  ens::StateDict weights_;
  std::string views_;
  Augmentation augmentation_;
  int64_t samples_;
  uint64_t seed_;
};

// views (none, flip, crop, crop_flip) with `padding` pixels for the crops.
absl::StatusOr<Augmentation> ViewsOf(const std::string& views, int64_t padding) {
  ENS_ASSIGN_OR_RETURN(Augmentation augmentation, ens::ParseAugmentation(views));
  if (augmentation.crop_padding > 0) augmentation.crop_padding = padding;
  return augmentation;
}

class TtaMethod : public ens::Method {
 public:
  TtaMethod(std::string weights_from, std::string views, Augmentation augmentation)
      : weights_from_(std::move(weights_from)), views_(std::move(views)), augmentation_(augmentation) {}

  absl::StatusOr<int64_t> PlannedEpochs(const ens::TrainContext& context) const override {
    return weights_from_.empty() ? context.epochs : 0;
  }
  bool MembersExchangeable() const override { return true; }  // i.i.d. views

  absl::StatusOr<std::unique_ptr<ens::Ensemble>> Train(const ens::TrainContext& context) override {
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<ens::Network> net,
                         ens::TrainOrLoadOneNetwork(context, "tta", weights_from_));
    return std::unique_ptr<ens::Ensemble>(new TtaEnsemble(ens::CaptureState(*net), views_, augmentation_,
                                                          context.members, ens::DeriveSeed(context.seed, 1)));
  }

 private:
  std::string weights_from_;
  std::string views_;
  Augmentation augmentation_;
};

}  // namespace

ENS_PLUGIN("test-time augmentation ensembles (method tta)") {
  ENS_REGISTER(ens::MethodRegistry(), "tta",
               "test-time augmentation (Ashukha et al. 2020): one network, member i its prediction on the i-th "
               "random view of every test image; --members views (plugin)",
               ens::ParamSchema()
                   .String("weights_from", "", "a finished run's --out_dir whose first member to use instead of "
                           "training")
                   .String("views", "crop_flip", "the random views").Choices({"none", "flip", "crop", "crop_flip"})
                   .Int("padding", 4, "zero padding in pixels before a random crop").Min(1),
               [](const ens::Params& p) -> absl::StatusOr<std::unique_ptr<ens::Method>> {
                 ENS_ASSIGN_OR_RETURN(Augmentation augmentation, ViewsOf(p.String("views"), p.Int("padding")));
                 return std::unique_ptr<ens::Method>(
                     new TtaMethod(p.String("weights_from"), p.String("views"), augmentation));
               });

  ENS_REGISTER(ens::EnsembleKindRegistry(), "tta", "one network's weights; members are random views of the input",
               ens::ParamSchema(),
               [](const std::string& dir,
                  const nlohmann::json& manifest) -> absl::StatusOr<std::unique_ptr<ens::Ensemble>> {
                 const auto names = manifest.at("names").get<std::vector<std::string>>();
                 ENS_ASSIGN_OR_RETURN(
                     ens::StateDict weights,
                     ens::LoadStateFile(absl::StrCat(dir, "/", manifest.at("weights").get<std::string>()), names));
                 const std::string views = manifest.at("views").get<std::string>();
                 ENS_ASSIGN_OR_RETURN(Augmentation augmentation,
                                      ViewsOf(views, manifest.at("padding").get<int64_t>()));
                 const int64_t samples = manifest.at("samples").get<int64_t>();
                 if (samples < 1) return absl::InvalidArgumentError("samples must be >= 1");
                 return std::unique_ptr<ens::Ensemble>(new TtaEnsemble(std::move(weights), views, augmentation,
                                                                       samples, manifest.at("seed").get<uint64_t>()));
               });
}
