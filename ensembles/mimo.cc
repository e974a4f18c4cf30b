// MIMO (Havasi et al. 2021): one network with M inputs and M outputs. The
// first layer takes M images stacked on the channels, the last gives M x
// classes logits; in training member m's slot holds its own shuffle of the
// batch (the batch first repeated b times; a fraction rho of the rows shares
// one shuffle across members, "input repetition"), and the loss is the sum of
// the members' cross-entropies. At test time every slot holds the same image:
// M predictions at the cost of one network's forward pass.
//
// Shuffles are drawn from (seed, iteration), so a resumed run draws the same.
//
//   bazel run //:driver -- --method=mimo --members=3 --method_args=rho=0,batch_repetitions=4
#include "ensembles/mimo.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "engine/one_pass_ensemble.h"
#include "ensembles/method.h"

namespace ens {
namespace {

constexpr char kKind[] = "mimo";

// The standard layers, the first one taking M stacked inputs and a Linear
// with `classes` outputs (the last) giving M x classes.
class MimoLayers : public LayerFactory {
 public:
  MimoLayers(int64_t members, int64_t classes) : members_(members), classes_(classes) {}
  torch::nn::AnyModule Linear(int64_t in, int64_t out, bool bias) override {
    const bool first = made_++ == 0;
    return StandardLayers().Linear(first ? members_ * in : in, out == classes_ ? members_ * out : out, bias);
  }
  torch::nn::AnyModule Conv2d(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                              bool bias) override {
    const bool first = made_++ == 0;
    return StandardLayers().Conv2d(first ? members_ * in : in, out, kernel, stride, padding, bias);
  }

 private:
  int64_t members_, classes_;
  int64_t made_ = 0;
};

// Inputs [n, C, ...] (the same image in every slot) or [n, M * C, ...]
// (stacked in training); the members' logits [M * n, classes], member-major.
class MimoNetwork : public Network {
 public:
  MimoNetwork(std::shared_ptr<Network> net, int64_t members, int64_t channels)
      : net_(register_module("mimo", std::move(net))), members_(members), channels_(channels) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    const torch::Tensor stacked = members_ > 1 && x.size(1) == channels_ ? RepeatAlong(x, 1, members_) : x;
    const torch::Tensor logits = net_->forward(stacked);  // [n, M * classes]
    const int64_t n = logits.size(0);
    return logits.view({n, members_, -1}).transpose(0, 1).reshape({members_ * n, -1});
  }

 private:
  std::shared_ptr<Network> net_;
  int64_t members_, channels_;
};

// Member m's slot gets its own shuffle of the batch repeated b times; a
// fraction rho of the rows (the last ones of one shared shuffle) is the same
// for every member.
class MimoBatches : public MembersInOnePass {
 public:
  MimoBatches(int64_t members, double rho, int64_t repetitions, uint64_t seed)
      : MembersInOnePass(members), rho_(rho), repetitions_(repetitions), seed_(seed) {}

  void Reshape(TrainingBatch& batch, int64_t iteration) const override {
    const int64_t n = batch.inputs.size(0), rows = n * repetitions_;
    torch::Generator generator = at::detail::createCPUGenerator(DeriveSeed(seed_, static_cast<uint64_t>(iteration)));
    const torch::Tensor tiled = torch::arange(n, torch::kLong).repeat({repetitions_});
    const torch::Tensor main = tiled.index_select(0, torch::randperm(rows, generator, torch::kLong));
    const int64_t shuffled = static_cast<int64_t>(static_cast<double>(rows) * (1.0 - rho_));
    std::vector<torch::Tensor> inputs, targets;
    for (int64_t m = 0; m < members(); ++m) {
      const torch::Tensor head = main.slice(0, 0, shuffled);
      const torch::Tensor own =
          torch::cat({head.index_select(0, torch::randperm(shuffled, generator, torch::kLong)), main.slice(0, shuffled)})
              .to(batch.inputs.device());
      inputs.push_back(batch.inputs.index_select(0, own));
      targets.push_back(batch.targets.index_select(0, own));
    }
    batch.inputs = torch::cat(inputs, 1);    // [b * n, M * C, ...]
    batch.targets = torch::cat(targets, 0);  // [M * b * n], member-major
  }

  // The members' mean accuracy over their b * n rows each.
  torch::Tensor Correct(const torch::Tensor& logits, const TrainingBatch& batch) const override {
    return MembersInOnePass::Correct(logits, batch) / static_cast<double>(repetitions_);
  }

 private:
  double rho_;
  int64_t repetitions_;
  uint64_t seed_;
};

struct Settings {
  int64_t members, classes, channels;
  std::string Key() const { return absl::StrCat(kKind, " M=", members); }
};

class MimoEnsemble : public OnePassEnsemble {
 public:
  MimoEnsemble(const Settings& s, StateDict weights)
      : OnePassEnsemble(kKind, s.members, std::move(weights), {{"classes", s.classes}, {"channels", s.channels}}),
        settings_(s) {}

 protected:
  absl::StatusOr<std::shared_ptr<Network>> Members(MemberContext& context) const override {
    MimoLayers layers(settings_.members, settings_.classes);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, Loaded(context, settings_.Key(), layers));
    return std::shared_ptr<Network>(std::make_shared<MimoNetwork>(net, settings_.members, settings_.channels));
  }

 private:
  Settings settings_;
};

class MimoMethod : public Method {
 public:
  MimoMethod(double rho, int64_t repetitions) : rho_(rho), repetitions_(repetitions) {}

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override { return context.epochs; }
  bool MembersExchangeable() const override { return true; }

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    const Settings s{context.members, context.data->num_classes, context.data->channels()};
    MimoLayers layers(s.members, s.classes);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> inner, context.NewModel(DeriveSeed(context.seed, 0), layers));
    auto net = std::make_shared<MimoNetwork>(inner, s.members, s.channels);
    OnePassTraining how;
    how.members = s.members;
    how.sum_over_members = true;  // the paper's loss: the sum of the members' cross-entropies
    how.batch_hook = std::make_shared<MimoBatches>(s.members, rho_, repetitions_, DeriveSeed(context.seed, 1));
    ENS_RETURN_IF_ERROR(TrainOnePass(context, net, how, kKind));
    return std::unique_ptr<Ensemble>(new MimoEnsemble(s, CaptureState(*inner)));
  }

 private:
  double rho_;
  int64_t repetitions_;
};

ENS_REGISTER(MethodRegistry(), kKind,
             "MIMO (Havasi et al. 2021): one network with --members inputs stacked on the channels and as many "
             "outputs; in training each input slot holds its own shuffle of the batch, at test the same image "
             "in every slot (one forward pass for all members); loss: the members' cross-entropies summed",
             ParamSchema()
                 .Double("rho", 0.0, "input repetition: the fraction of rows that every member sees in the same "
                         "order").Min(0).Max(1)
                 .Int("batch_repetitions", 4, "times each batch is repeated before the members' shuffles (the "
                      "paper's CIFAR setting: 4)").Min(1),
             [](const Params& p) -> absl::StatusOr<std::unique_ptr<Method>> {
               return std::unique_ptr<Method>(new MimoMethod(p.Double("rho"), p.Int("batch_repetitions")));
             });

absl::StatusOr<std::unique_ptr<Ensemble>> LoadMimo(const std::string& dir, const nlohmann::json& manifest) {
  ENS_ASSIGN_OR_RETURN(OnePassParts parts, LoadOnePassParts(dir, manifest));
  const Settings s{parts.members, parts.settings.at("classes").get<int64_t>(),
                   parts.settings.at("channels").get<int64_t>()};
  return std::unique_ptr<Ensemble>(new MimoEnsemble(s, std::move(parts.weights)));
}

ENS_REGISTER(EnsembleKindRegistry(), kKind, "one network of M inputs and M outputs", ParamSchema(), LoadMimo);

}  // namespace

std::shared_ptr<const BatchHook> MakeMimoBatches(int64_t members, double rho, int64_t repetitions, uint64_t seed) {
  return std::make_shared<MimoBatches>(members, rho, repetitions, seed);
}

}  // namespace ens
