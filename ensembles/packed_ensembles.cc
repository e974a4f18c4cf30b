// Packed-Ensembles (Laurent et al. 2023): M members as one network of the
// run's architecture whose layers are widened by alpha and split into
// M x gamma groups. Member m owns channel block m of every activation (its
// gamma groups); the first layer is dense over the input (every member sees
// the whole image), the last one is split per member into M x classes logits.
// alpha = M, gamma = 1 is M networks of the architecture side by side: a
// deep ensemble trained together on the same batches (the network equals
// --members_together's, tested).
//
// Widths: a layer of c channels (or features) gets c x alpha, rounded up to a
// multiple of M x gamma where that does not divide, and the method says which
// layers were rounded in one line; gamma is never changed behind the user's
// back. A flattened feature map of c channels x k positions is widened as
// its c channels (lenet, 5 members, alpha 2: 64 x 144 -> 130 x 144). The
// last layer's groups are the M members (M x classes outputs whatever
// gamma).
//
//   bazel run //:driver -- --method=packed_ensembles --members=4 --method_args=alpha=2,gamma=2
#include "ensembles/packed_ensembles.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/conv.h>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/error_text.h"
#include "core/status_macros.h"
#include "engine/one_pass_ensemble.h"

namespace ens {
namespace {

constexpr char kKind[] = "packed_ensembles";

// Linear in `groups` blocks: weight [out, in / groups], input [n, in]; each
// block initialised as torch::nn::Linear of its own fan-in.
class GroupedLinearImpl : public torch::nn::Module {
 public:
  GroupedLinearImpl(int64_t in, int64_t out, int64_t groups, bool bias) : in_(in), out_(out), groups_(groups) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in / groups));
    weight_ = register_parameter("weight", torch::empty({out, in / groups}).uniform_(-bound, bound));
    if (bias) bias_ = register_parameter("bias", torch::empty({out}).uniform_(-bound, bound));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    if (groups_ == 1) return torch::linear(x, weight_, bias_);
    const int64_t n = x.size(0);
    const torch::Tensor blocks = x.reshape({n, groups_, in_ / groups_}).transpose(0, 1);            // [G, n, in/G]
    const torch::Tensor weights = weight_.view({groups_, out_ / groups_, in_ / groups_}).transpose(1, 2);  // [G, in/G, out/G]
    const torch::Tensor y = bias_.defined()
                                ? torch::baddbmm(bias_.view({groups_, 1, out_ / groups_}), blocks, weights)
                                : torch::bmm(blocks, weights);  // [G, n, out/G]
    return y.transpose(0, 1).reshape({n, out_});
  }

 private:
  int64_t in_, out_, groups_;
  torch::Tensor weight_, bias_;
};
TORCH_MODULE(GroupedLinear);

// The layers of M members packed with width factor alpha and gamma groups
// per member. The first Linear or Conv2d made is the first layer; a Linear
// with `classes` outputs is the last.
class PackedLayers : public LayerFactory {
 public:
  PackedLayers(int64_t members, int64_t alpha, int64_t gamma, int64_t classes)
      : members_(members), alpha_(alpha), gamma_(gamma), classes_(classes) {}

  torch::nn::AnyModule Linear(int64_t in, int64_t out, bool bias) override {
    const bool first = Next(), last = out == classes_;
    const int64_t groups = first ? 1 : last ? members_ : members_ * gamma_;
    const int64_t wide_in = first ? in : WidenFeatures(in);
    conv_channels_ = 0;
    return torch::nn::AnyModule(GroupedLinear(wide_in, last ? members_ * out : Widen(out), groups, bias));
  }
  torch::nn::AnyModule Conv2d(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                              bool bias) override {
    const bool first = Next();
    conv_channels_ = out;
    return torch::nn::AnyModule(torch::nn::Conv2d(torch::nn::Conv2dOptions(first ? in : Widen(in), Widen(out), kernel)
                                                      .stride(stride)
                                                      .padding(padding)
                                                      .bias(bias)
                                                      .groups(first ? 1 : members_ * gamma_)));
  }
  torch::nn::AnyModule BatchNorm2d(int64_t features) override {
    return torch::nn::AnyModule(torch::nn::BatchNorm2d(Widen(features)));
  }

  // "c -> c'" for every width that alpha x c did not divide into the groups.
  const std::vector<std::string>& rounded() const { return rounded_; }

 private:
  bool Next() { return made_++ == 0; }
  int64_t Widen(int64_t c) {
    const int64_t groups = members_ * gamma_, wide = c * alpha_;
    const int64_t rounded = (wide + groups - 1) / groups * groups;
    if (rounded != wide) {
      const std::string note = absl::StrCat(wide, " -> ", rounded);
      if (std::find(rounded_.begin(), rounded_.end(), note) == rounded_.end()) rounded_.push_back(note);
    }
    return rounded;
  }

  // A Linear's input after convolutions is their last feature map flattened
  // (c channels x k positions, channel-major): c is widened, not c x k, so
  // that the widths line up where c's width is rounded up.
  int64_t WidenFeatures(int64_t in) {
    if (conv_channels_ > 0 && in % conv_channels_ == 0) return Widen(conv_channels_) * (in / conv_channels_);
    return Widen(in);
  }

  int64_t members_, alpha_, gamma_, classes_;
  int64_t made_ = 0;
  int64_t conv_channels_ = 0;  // the output channels of the last Conv2d made, 0 after a Linear
  std::vector<std::string> rounded_;
};

// The packed network: its M x classes logits per input as M * n rows,
// member-major.
class PackedNetwork : public Network {
 public:
  PackedNetwork(std::shared_ptr<Network> packed, int64_t members)
      : packed_(register_module("packed", std::move(packed))), members_(members) {}

  torch::Tensor forward(const torch::Tensor& x) override {
    const torch::Tensor logits = packed_->forward(x);  // [n, M * C]
    const int64_t n = logits.size(0);
    return logits.view({n, members_, -1}).transpose(0, 1).reshape({members_ * n, -1});
  }
  Network& packed() { return *packed_; }

 private:
  std::shared_ptr<Network> packed_;
  int64_t members_;
};

struct PackedSettings {
  int64_t members, alpha, gamma, classes;
  std::string Key() const { return absl::StrCat(kKind, " M=", members, " alpha=", alpha, " gamma=", gamma); }
};

// Whether member m's logits depend on member m's weights only: the last
// member's block of every parameter and buffer (rows of dimension 0) is
// perturbed on a probe batch, and the other members' logits must not move.
absl::Status CheckMembersApart(PackedNetwork& net, int64_t members, const std::vector<int64_t>& input_shape) {
  if (members < 2) return absl::OkStatus();
  torch::NoGradGuard no_grad;
  const bool was_training = net.is_training();
  net.eval();
  const torch::Device device = net.parameters().empty() ? torch::kCPU : net.parameters()[0].device();
  std::vector<int64_t> shape = {2};
  shape.insert(shape.end(), input_shape.begin(), input_shape.end());
  int64_t numel = 1;
  for (int64_t d : shape) numel *= d;
  const torch::Tensor probe =
      torch::sin(torch::arange(numel, torch::TensorOptions(device).dtype(torch::kFloat)) * 0.37).view(shape);
  torch::Tensor before, after;
  try {
    before = net.forward(probe);
  } catch (const std::exception& e) {  // Debian's LibTorch throws shape errors as std::runtime_error
    net.train(was_training);
    return absl::InvalidArgumentError(absl::StrCat(
        "the packed network does not run (", ErrorText(e),
        "): its layers' widths do not line up (layers made in another order than they run?); choose alpha and "
        "gamma so that alpha x channels divides into members x gamma groups"));
  }
  std::vector<std::pair<torch::Tensor, torch::Tensor>> saved;
  std::vector<torch::Tensor> tensors = net.parameters();
  for (const auto& b : net.buffers()) tensors.push_back(b);
  for (auto& t : tensors) {
    if (t.dim() == 0 || !t.is_floating_point()) continue;
    const int64_t rows = t.size(0) / members;
    torch::Tensor block = t.narrow(0, (members - 1) * rows, rows);
    saved.emplace_back(block, block.clone());
    block.add_(0.5).mul_(1.5);
  }
  after = net.forward(probe);
  for (auto& [block, original] : saved) block.copy_(original);
  net.train(was_training);
  const int64_t others = (members - 1) * shape[0];
  const double error = (after.slice(0, 0, others) - before.slice(0, 0, others)).abs().max().item<double>();
  if (!(error <= 1e-5 * (1.0 + before.abs().max().item<double>()))) {
    return absl::InvalidArgumentError(
        "this architecture mixes the members' channels (concatenated or zero-padded feature maps), so packed "
        "members would not be apart; use an architecture whose layers keep channel blocks apart (lenet, mlp, "
        "vgg16, preresnet, wrn)");
  }
  return absl::OkStatus();
}

class PackedEnsemble : public OnePassEnsemble {
 public:
  PackedEnsemble(const PackedSettings& s, StateDict weights)
      : OnePassEnsemble(kKind, s.members, std::move(weights),
                        {{"alpha", s.alpha}, {"gamma", s.gamma}, {"classes", s.classes}}),
        settings_(s) {}

 protected:
  absl::StatusOr<std::shared_ptr<Network>> Members(MemberContext& context) const override {
    PackedLayers layers(settings_.members, settings_.alpha, settings_.gamma, settings_.classes);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> packed, Loaded(context, settings_.Key(), layers));
    return std::shared_ptr<Network>(std::make_shared<PackedNetwork>(packed, settings_.members));
  }

 private:
  PackedSettings settings_;
};

class PackedMethod : public Method {
 public:
  PackedMethod(int64_t alpha, int64_t gamma) : alpha_(alpha), gamma_(gamma) {}

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override { return context.epochs; }
  bool MembersExchangeable() const override { return true; }

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    const PackedSettings s{context.members, alpha_, gamma_, context.data->num_classes};
    PackedLayers layers(s.members, s.alpha, s.gamma, s.classes);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> packed, context.NewModel(DeriveSeed(context.seed, 0), layers));
    auto net = std::make_shared<PackedNetwork>(packed, s.members);
    ENS_RETURN_IF_ERROR(CheckMembersApart(*net, s.members,
                                          {context.data->channels(), context.data->image_size(),
                                           context.data->image_size()}));
    if (context.progress) {
      std::string line = absl::StrCat(kKind, ": ", s.members, " members, alpha ", s.alpha, ", gamma ", s.gamma, ", ",
                                      CountParameters(*packed), " parameters");
      if (!layers.rounded().empty()) {
        absl::StrAppend(&line, "; widths rounded up to multiples of ", s.members * s.gamma,
                        " groups: ", absl::StrJoin(layers.rounded(), ", "));
      }
      context.progress->Message(line);
    }
    OnePassTraining how;
    how.members = s.members;
    how.sum_over_members = true;  // each member learns from its own loss, as alone
    ENS_RETURN_IF_ERROR(TrainOnePass(context, net, how, kKind));
    return std::unique_ptr<Ensemble>(new PackedEnsemble(s, CaptureState(*packed)));
  }

 private:
  int64_t alpha_, gamma_;
};

}  // namespace

std::unique_ptr<LayerFactory> MakePackedLayers(int64_t members, int64_t alpha, int64_t gamma, int64_t classes) {
  return std::make_unique<PackedLayers>(members, alpha, gamma, classes);
}

namespace {

ENS_REGISTER(MethodRegistry(), kKind,
             "Packed-Ensembles (Laurent et al. 2023): --members networks in one, layers widened by alpha and "
             "grouped in members x gamma groups (alpha=members, gamma=1: a deep ensemble trained together on "
             "the same batches); one forward pass predicts every member; loss: the members' cross-entropies "
             "summed",
             ParamSchema()
                 .Int("alpha", 2, "width factor of every layer but the input's").Min(1)
                 .Int("gamma", 1, "groups per member in every layer but the first and last").Min(1),
             [](const Params& p) -> absl::StatusOr<std::unique_ptr<Method>> {
               return std::unique_ptr<Method>(new PackedMethod(p.Int("alpha"), p.Int("gamma")));
             });

absl::StatusOr<std::unique_ptr<Ensemble>> LoadPacked(const std::string& dir, const nlohmann::json& manifest) {
  ENS_ASSIGN_OR_RETURN(OnePassParts parts, LoadOnePassParts(dir, manifest));
  const PackedSettings s{parts.members, parts.settings.at("alpha").get<int64_t>(),
                         parts.settings.at("gamma").get<int64_t>(), parts.settings.at("classes").get<int64_t>()};
  return std::unique_ptr<Ensemble>(new PackedEnsemble(s, std::move(parts.weights)));
}

ENS_REGISTER(EnsembleKindRegistry(), kKind, "one packed network; members are its blocks of channels",
             ParamSchema(), LoadPacked);

}  // namespace
}  // namespace ens
