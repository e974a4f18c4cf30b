// Masksembles (Durasov et al. 2021): M fixed binary masks over the input
// channels (or features) of every Linear and Conv2d layer but the first; in
// training each member's share of the batch (rows r with floor(r M / n) = m)
// goes through member m's masks, at test the batch is repeated M times, one
// copy per member: every member in one forward pass. `scale` sets how much
// the masks overlap: each of a layer's c channels is kept by a mask with
// probability 1 / (scale (1 - (1 - 1/scale)^M)) (the number of ones per mask
// of the paper's generator for c channels), every channel kept by some mask;
// scale = 1 keeps every channel in every mask: one network.
//
// The masks are drawn when the network is made (from the run's seed) and
// saved with its weights as buffers.
//
//   bazel run //:driver -- --method=masksembles --members=4 --method_args=scale=2
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "engine/one_pass_ensemble.h"
#include "ensembles/method.h"

namespace ens {
namespace {

constexpr char kKind[] = "masksembles";

// M masks [M, c] of 0/1: each channel kept with probability `keep`, every
// channel kept by at least one mask (a channel no mask drew goes to one mask
// chosen at random), drawn from LibTorch's current generator.
torch::Tensor DrawMasks(int64_t members, int64_t channels, double scale) {
  if (scale <= 1.0) return torch::ones({members, channels});
  const double keep = 1.0 / (scale * (1.0 - std::pow(1.0 - 1.0 / scale, static_cast<double>(members))));
  const torch::Tensor masks = (torch::rand({members, channels}) < keep).to(torch::kFloat);
  const torch::Tensor unused = masks.sum(0).eq(0).to(torch::kFloat).unsqueeze(0);  // [1, c]
  const torch::Tensor owner = torch::randint(members, {1, channels}, torch::kLong);
  return torch::clamp_max(masks + torch::zeros({members, channels}).scatter_(0, owner, unused), 1.0);
}

// Masks the input channels of `layer`: row r of a batch of N rows goes
// through mask floor(r M / N).
class MaskedLayerImpl : public torch::nn::Module {
 public:
  MaskedLayerImpl(torch::nn::AnyModule layer, torch::Tensor masks) : layer_(std::move(layer)) {
    register_module("layer", layer_.ptr());
    masks_ = register_buffer("masks", std::move(masks));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    const int64_t n = x.size(0), members = masks_.size(0);
    const torch::Tensor member =
        torch::div(torch::arange(n, torch::TensorOptions(x.device()).dtype(torch::kLong)) * members, n, "floor");
    torch::Tensor rows = masks_.index_select(0, member).to(x.dtype());  // [N, c]
    std::vector<int64_t> shape = {n, rows.size(1)};
    for (int64_t d = 2; d < x.dim(); ++d) shape.push_back(1);
    return layer_.forward(x * rows.view(shape));
  }

 private:
  torch::nn::AnyModule layer_;
  torch::Tensor masks_;
};
TORCH_MODULE(MaskedLayer);

// The standard layers, every one after the first masked over its inputs.
class MaskedLayers : public LayerFactory {
 public:
  MaskedLayers(int64_t members, double scale) : members_(members), scale_(scale) {}
  torch::nn::AnyModule Linear(int64_t in, int64_t out, bool bias) override {
    return Masked(StandardLayers().Linear(in, out, bias), in);
  }
  torch::nn::AnyModule Conv2d(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                              bool bias) override {
    return Masked(StandardLayers().Conv2d(in, out, kernel, stride, padding, bias), in);
  }

 private:
  torch::nn::AnyModule Masked(torch::nn::AnyModule layer, int64_t in) {
    if (made_++ == 0) return layer;  // the first layer sees the whole image
    return torch::nn::AnyModule(MaskedLayer(std::move(layer), DrawMasks(members_, in, scale_)));
  }
  int64_t members_;
  double scale_;
  int64_t made_ = 0;
};

// Training: the batch as it comes, row shares by member; evaluation: the
// batch repeated M times, the members' logits [M * n, C] member-major.
class MasksemblesNetwork : public Network {
 public:
  MasksemblesNetwork(std::shared_ptr<Network> net, int64_t members)
      : net_(register_module("members", std::move(net))), members_(members) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    return net_->forward(is_training() ? x : RepeatAlong(x, 0, members_));
  }

 private:
  std::shared_ptr<Network> net_;
  int64_t members_;
};

struct Settings {
  int64_t members;
  double scale;
  std::string Key() const { return absl::StrCat(kKind, " M=", members, " scale=", scale); }
};

class MasksemblesEnsemble : public OnePassEnsemble {
 public:
  MasksemblesEnsemble(const Settings& s, StateDict weights)
      : OnePassEnsemble(kKind, s.members, std::move(weights), {{"scale", s.scale}}), settings_(s) {}

 protected:
  absl::StatusOr<std::shared_ptr<Network>> Members(MemberContext& context) const override {
    MaskedLayers layers(settings_.members, settings_.scale);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, Loaded(context, settings_.Key(), layers));  // masks too
    auto members = std::make_shared<MasksemblesNetwork>(net, settings_.members);
    members->eval();
    return std::shared_ptr<Network>(members);
  }

 private:
  Settings settings_;
};

class MasksemblesMethod : public Method {
 public:
  explicit MasksemblesMethod(double scale) : scale_(scale) {}

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override { return context.epochs; }
  bool MembersExchangeable() const override { return true; }

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    const Settings s{context.members, scale_};
    MaskedLayers layers(s.members, s.scale);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> inner, context.NewModel(DeriveSeed(context.seed, 0), layers));
    auto net = std::make_shared<MasksemblesNetwork>(inner, s.members);
    OnePassTraining how;
    how.members = s.members;
    how.batch_hook = std::make_shared<BatchHook>();  // each row once, through its member's masks
    ENS_RETURN_IF_ERROR(TrainOnePass(context, net, how, kKind));
    return std::unique_ptr<Ensemble>(new MasksemblesEnsemble(s, CaptureState(*inner)));
  }

 private:
  double scale_;
};

absl::StatusOr<std::unique_ptr<Ensemble>> LoadMasksembles(const std::string& dir, const nlohmann::json& manifest) {
  ENS_ASSIGN_OR_RETURN(OnePassParts parts, LoadOnePassParts(dir, manifest));
  const Settings s{parts.members, parts.settings.at("scale").get<double>()};
  return std::unique_ptr<Ensemble>(new MasksemblesEnsemble(s, std::move(parts.weights)));
}

ENS_REGISTER(MethodRegistry(), kKind,
             "Masksembles (Durasov et al. 2021): one network, --members fixed binary masks over the inputs of "
             "every layer but the first; each member's share of a training batch goes through its masks, at test "
             "the batch is repeated per member (one forward pass); scale=1 is one network",
             ParamSchema().Double("scale", 2.0, "mask overlap: 1 = every channel in every mask; larger = less "
                                  "overlap").Min(1).Max(6),
             [](const Params& p) -> absl::StatusOr<std::unique_ptr<Method>> {
               return std::unique_ptr<Method>(new MasksemblesMethod(p.Double("scale")));
             });

ENS_REGISTER(EnsembleKindRegistry(), kKind, "one network with fixed channel masks per member", ParamSchema(),
             LoadMasksembles);

}  // namespace
}  // namespace ens
