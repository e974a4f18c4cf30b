// BatchEnsemble (Wen et al. 2020): M members share every Linear and Conv2d
// weight W; member m has rank-1 "fast weights" r_m (one factor per input
// channel) and s_m (per output channel) and its own bias b_m:
//
//   y_m = (W (x_m * r_m)) * s_m + b_m
//
// The batch is repeated M times (member-major, [M * n, ...]) in training and
// in evaluation, so one forward pass gives every member's logits. As in the
// reference implementation (edward2 / uncertainty-baselines): r and s drawn
// from N(1, 0.5^2) (or random signs), no weight decay on them and their
// learning rate times a multiplier (0.5); the loss is the mean of the
// members' cross-entropies (the shared W gets their mean gradient). BatchNorm
// layers are shared by the members (statistics over every member's rows) or,
// with batchnorm=per_member, each member has its own statistics and affine
// parameters.
//
//   bazel run //:driver -- --method=batch_ensemble --members=4 --model=preresnet20
#include "ensembles/batch_ensemble.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/functional/conv.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"
#include "engine/one_pass_ensemble.h"
#include "models/threaded_linear.h"

namespace ens {
namespace {

constexpr char kKind[] = "batch_ensemble";

// The fast weights' draw: N(1, std^2), or +-1 with equal odds.
struct FastInit {
  bool random_sign = false;
  double std = 0.5;
  torch::Tensor Draw(int64_t members, int64_t size) const {
    if (random_sign) return torch::randint(2, {members, size}, torch::kFloat) * 2 - 1;
    return torch::randn({members, size}) * std + 1;
  }
};

// A shared weight W with fast weights r [M, in], s [M, out] and per-member
// bias b [M, out]: a convolution of W's kernel with `stride` and `padding`
// where W is 4-D, else Linear.
class FastWeightLayerImpl : public torch::nn::Module {
 public:
  FastWeightLayerImpl(int64_t members, torch::Tensor weight, torch::Tensor bias, const FastInit& init,
                      int64_t stride = 1, int64_t padding = 0)
      : members_(members), stride_(stride), padding_(padding) {
    weight_ = register_parameter("weight", std::move(weight));
    const int64_t out = weight_.size(0), in = weight_.size(1);
    r_ = register_parameter("r", init.Draw(members, in));
    s_ = register_parameter("s", init.Draw(members, out));
    if (bias.defined()) b_ = register_parameter("bias", bias.unsqueeze(0).repeat({members, 1}));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    const int64_t n = x.size(0) / members_;
    std::vector<int64_t> per_channel = {members_, 1, -1};  // broadcast over [M, n, C, ...]
    for (int64_t d = 2; d < x.dim(); ++d) per_channel.push_back(1);
    std::vector<int64_t> by_member = {members_, n};
    for (int64_t d = 1; d < x.dim(); ++d) by_member.push_back(x.size(d));
    const torch::Tensor scaled = (x.reshape(by_member) * r_.view(per_channel)).reshape(x.sizes());
    // Stride, padding and dilation per dimension, as LibTorch's FLOP
    // estimate reads them (engine/flops.h).
    // A Linear's product as the standard layer's (models/threaded_linear.h).
    torch::Tensor y = weight_.dim() == 4
                          ? torch::conv2d(scaled, weight_, {}, {stride_, stride_}, {padding_, padding_}, {1, 1})
                          : LinearForward(scaled, weight_, {});
    std::vector<int64_t> y_by_member = {members_, n};
    for (int64_t d = 1; d < y.dim(); ++d) y_by_member.push_back(y.size(d));
    std::vector<int64_t> out_channel = {members_, 1, -1};
    for (int64_t d = 2; d < y.dim(); ++d) out_channel.push_back(1);
    torch::Tensor z = y.reshape(y_by_member) * s_.view(out_channel);
    if (b_.defined()) z = z + b_.view(out_channel);
    return z.reshape(y.sizes());
  }

 private:
  int64_t members_, stride_, padding_;
  torch::Tensor weight_, r_, s_, b_;
};
TORCH_MODULE(FastWeightLayer);

// BatchNorm per member: [M * n, C, ...] member-major normalised as
// [n, M * C, ...], one BatchNorm2d over the M members' channels.
class MemberBatchNormImpl : public torch::nn::Module {
 public:
  MemberBatchNormImpl(int64_t members, int64_t features)
      : members_(members), bn_(register_module("bn", torch::nn::BatchNorm2d(members * features))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    const int64_t n = x.size(0) / members_, c = x.size(1);
    const torch::Tensor side_by_side =
        x.reshape({members_, n, c, x.size(2), x.size(3)}).transpose(0, 1).reshape({n, members_ * c, x.size(2), x.size(3)});
    return bn_->forward(side_by_side)
        .reshape({n, members_, c, x.size(2), x.size(3)})
        .transpose(0, 1)
        .reshape(x.sizes())
        .contiguous(x.suggest_memory_format());  // channels_last stays channels_last
  }

 private:
  int64_t members_;
  torch::nn::BatchNorm2d bn_;
};
TORCH_MODULE(MemberBatchNorm);

class BatchEnsembleLayers : public LayerFactory {
 public:
  BatchEnsembleLayers(int64_t members, FastInit init, bool per_member_batchnorm)
      : members_(members), init_(init), per_member_batchnorm_(per_member_batchnorm) {}

  torch::nn::AnyModule Linear(int64_t in, int64_t out, bool bias) override {
    // W and b drawn as torch::nn::Linear draws them.
    torch::nn::Linear plain(torch::nn::LinearOptions(in, out).bias(bias));
    return torch::nn::AnyModule(FastWeightLayer(members_, plain->weight.detach().clone(),
                                                bias ? plain->bias.detach().clone() : torch::Tensor(), init_));
  }
  torch::nn::AnyModule Conv2d(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                              bool bias) override {
    const auto options = torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(bias);
    torch::nn::Conv2d plain(options);
    return torch::nn::AnyModule(FastWeightLayer(members_, plain->weight.detach().clone(),
                                                bias ? plain->bias.detach().clone() : torch::Tensor(), init_, stride,
                                                padding));
  }
  torch::nn::AnyModule BatchNorm2d(int64_t features) override {
    if (!per_member_batchnorm_) return LayerFactory::BatchNorm2d(features);
    return torch::nn::AnyModule(MemberBatchNorm(members_, features));
  }

 private:
  int64_t members_;
  FastInit init_;
  bool per_member_batchnorm_;
};

// The batch repeated M times, member-major; the members' logits [M * n, C].
class BatchEnsembleNetwork : public Network {
 public:
  BatchEnsembleNetwork(std::shared_ptr<Network> net, int64_t members)
      : net_(register_module("members", std::move(net))), members_(members) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    return net_->forward(RepeatAlong(x, 0, members_));
  }

 private:
  std::shared_ptr<Network> net_;
  int64_t members_;
};

bool IsFastWeight(const std::string& name) {
  const std::string last = name.substr(name.rfind('.') + 1);
  return last == "r" || last == "s";
}

struct Settings {
  int64_t members;
  FastInit init;
  bool per_member_batchnorm = false;
  std::string Key() const {
    return absl::StrCat(kKind, " M=", members, per_member_batchnorm ? " batchnorm per member" : "");
  }
};

class BatchEnsembleEnsemble : public OnePassEnsemble {
 public:
  BatchEnsembleEnsemble(const Settings& s, StateDict weights)
      : OnePassEnsemble(kKind, s.members, std::move(weights),
                        {{"batchnorm", s.per_member_batchnorm ? "per_member" : "shared"}}),
        settings_(s) {}

 protected:
  absl::StatusOr<std::shared_ptr<Network>> Members(MemberContext& context) const override {
    BatchEnsembleLayers layers(settings_.members, settings_.init, settings_.per_member_batchnorm);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, Loaded(context, settings_.Key(), layers));
    return std::shared_ptr<Network>(std::make_shared<BatchEnsembleNetwork>(net, settings_.members));
  }

 private:
  Settings settings_;
};

class BatchEnsembleMethod : public Method {
 public:
  BatchEnsembleMethod(FastInit init, double fast_lr, bool per_member_batchnorm)
      : init_(init), fast_lr_(fast_lr), per_member_batchnorm_(per_member_batchnorm) {}

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override { return context.epochs; }
  bool MembersExchangeable() const override { return true; }

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    const Settings s{context.members, init_, per_member_batchnorm_};
    BatchEnsembleLayers layers(s.members, s.init, s.per_member_batchnorm);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> inner, context.NewModel(DeriveSeed(context.seed, 0), layers));
    auto net = std::make_shared<BatchEnsembleNetwork>(inner, s.members);
    OnePassTraining how;
    how.members = s.members;
    how.sum_over_members = false;  // the shared weights get the members' mean gradient
    const double fast_lr = fast_lr_;
    how.parameter_groups = [fast_lr](Network& network) {
      ParameterGroup fast{{}, fast_lr, /*weight_decay=*/0.0};
      for (const auto& item : network.named_parameters()) {
        if (IsFastWeight(item.key())) fast.parameters.push_back(item.value());
      }
      return std::vector<ParameterGroup>{fast};
    };
    ENS_RETURN_IF_ERROR(TrainOnePass(context, net, how, kKind));
    return std::unique_ptr<Ensemble>(new BatchEnsembleEnsemble(s, CaptureState(*inner)));
  }

 private:
  FastInit init_;
  double fast_lr_;
  bool per_member_batchnorm_;
};

ENS_REGISTER(MethodRegistry(), kKind,
             "BatchEnsemble (Wen et al. 2020): --members members share every weight W and own rank-1 fast "
             "weights r, s and a bias (y = (W (x * r)) * s + b); the batch repeated per member, one forward "
             "pass predicts them all; loss: the members' mean cross-entropy",
             ParamSchema()
                 .String("fast_init", "gaussian", "draw of the fast weights: N(1, fast_init_std^2), or +-1")
                 .Choices({"gaussian", "random_sign"})
                 .Double("fast_init_std", 0.5, "standard deviation of the gaussian draw").Min(0)
                 .Double("fast_lr", 0.5, "the fast weights' learning rate, times the schedule's (no weight decay)")
                 .Min(0)
                 .String("batchnorm", "shared", "BatchNorm statistics and affine parameters: shared by the members or "
                         "per member").Choices({"shared", "per_member"}),
             [](const Params& p) -> absl::StatusOr<std::unique_ptr<Method>> {
               FastInit init;
               init.random_sign = p.String("fast_init") == "random_sign";
               init.std = p.Double("fast_init_std");
               return std::unique_ptr<Method>(
                   new BatchEnsembleMethod(init, p.Double("fast_lr"), p.String("batchnorm") == "per_member"));
             });

absl::StatusOr<std::unique_ptr<Ensemble>> LoadBatchEnsemble(const std::string& dir, const nlohmann::json& manifest) {
  ENS_ASSIGN_OR_RETURN(OnePassParts parts, LoadOnePassParts(dir, manifest));
  Settings s{parts.members, FastInit()};
  s.per_member_batchnorm = parts.settings.value("batchnorm", std::string("shared")) == "per_member";
  return std::unique_ptr<Ensemble>(new BatchEnsembleEnsemble(s, std::move(parts.weights)));
}

ENS_REGISTER(EnsembleKindRegistry(), kKind, "one network of shared weights and per-member fast weights",
             ParamSchema(), LoadBatchEnsemble);

}  // namespace

std::unique_ptr<LayerFactory> MakeBatchEnsembleLayers(int64_t members, bool per_member_batchnorm) {
  return std::make_unique<BatchEnsembleLayers>(members, FastInit{}, per_member_batchnorm);
}

}  // namespace ens
