// kfac_laplace (Ritter et al., ICLR 2018): a Gaussian around a trained (MAP)
// network whose covariance, per Linear / Conv2d layer, is the inverse of its
// Kronecker factors (ensembles/kronecker_factors.h), damped by sqrt(tau) and
// scaled; --members weight draws, BatchNorm recomputed per draw; the scale
// tuned on the validation split.
#include <cmath>
#include <memory>
#include <mutex>
#include <optional>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "engine/ensemble_io.h"
#include "engine/evaluator.h"
#include "ensembles/kronecker_factors.h"
#include "ensembles/method.h"

namespace ens {
namespace {

// The MAP weights, the factors and their damped inverse square roots
// (computed once, shared by the scale search's ensembles).
class KfacPosterior {
 public:
  KfacPosterior(StateDict map, std::vector<LayerFactors> factors, double tau)
      : map_(std::move(map)), factors_(std::move(factors)), tau_(tau) {}

  const StateDict& map() const { return map_; }
  const std::vector<LayerFactors>& factors() const { return factors_; }
  double tau() const { return tau_; }

  // Lower Cholesky factors C with C C^T = (F + sqrt(tau) I)^-1, for A and G.
  const std::vector<torch::Tensor>& chol_a() const { Prepare(); return chol_a_; }
  const std::vector<torch::Tensor>& chol_g() const { Prepare(); return chol_g_; }

 private:
  void Prepare() const {
    std::call_once(prepared_, [this] {
      const double damping = std::sqrt(tau_);
      for (const auto& f : factors_) {
        chol_a_.push_back(CholeskyOfInverse(f.a, damping));
        chol_g_.push_back(CholeskyOfInverse(f.g, damping));
      }
    });
  }
  static torch::Tensor CholeskyOfInverse(const torch::Tensor& factor, double damping) {
    const torch::Tensor damped = factor + damping * torch::eye(factor.size(0), factor.options());
    return torch::linalg_cholesky(torch::cholesky_inverse(torch::linalg_cholesky(damped)));
  }

  StateDict map_;
  std::vector<LayerFactors> factors_;
  double tau_;
  mutable std::once_flag prepared_;
  mutable std::vector<torch::Tensor> chol_a_, chol_g_;
};

// Draws with BatchNorm statistics recomputed per draw.
class KfacEnsemble : public NetworkEnsemble {
 public:
  KfacEnsemble(std::shared_ptr<const KfacPosterior> posterior, double scale, int64_t samples, uint64_t seed)
      : NetworkEnsemble({.layer_kind = "standard", .recompute_batchnorm = true}),
        posterior_(std::move(posterior)),
        scale_(scale),
        samples_(samples),
        seed_(seed) {}

  int64_t size() const override { return samples_; }

  absl::Status PrepareMember(int64_t i, Network& net) const override {
    ENS_RETURN_IF_ERROR(LoadState(net, posterior_->map()));
    const auto& factors = posterior_->factors();
    const auto& chol_a = posterior_->chol_a();
    const auto& chol_g = posterior_->chol_g();
    auto generator = at::detail::createCPUGenerator(DeriveSeed(seed_, static_cast<uint64_t>(i)));
    auto params = net.named_parameters(true);
    torch::NoGradGuard no_grad;
    for (size_t l = 0; l < factors.size(); ++l) {
      torch::Tensor* weight = params.find(factors[l].name + ".weight");
      torch::Tensor* bias = factors[l].bias ? params.find(factors[l].name + ".bias") : nullptr;
      if (weight == nullptr || (factors[l].bias && bias == nullptr)) {
        return absl::InvalidArgumentError(absl::StrCat("kfac: no layer '", factors[l].name, "' in the network"));
      }
      const int64_t out = weight->size(0);
      const int64_t w_cols = weight->numel() / out;
      const int64_t in = w_cols + (factors[l].bias ? 1 : 0);
      if (chol_g[l].size(0) != out || chol_a[l].size(0) != in) {
        return absl::InvalidArgumentError(absl::StrCat("kfac: factors of '", factors[l].name,
                                                       "' do not fit its weights"));
      }
      // X = C_G Z C_A^T has covariance (C_A C_A^T) (x) (C_G C_G^T) = A~^-1 (x) G~^-1.
      const torch::Tensor z = torch::randn({out, in}, generator, torch::TensorOptions().dtype(torch::kDouble));
      const torch::Tensor x = std::sqrt(scale_) * chol_g[l].mm(z).mm(chol_a[l].t());
      weight->add_(x.slice(1, 0, w_cols).reshape(weight->sizes()).to(weight->device(), weight->scalar_type()));
      if (bias) bias->add_(x.select(1, w_cols).to(bias->device(), bias->scalar_type()));
    }
    net.eval();
    return absl::OkStatus();
  }

  absl::Status Save(const std::string& dir) const override {
    nlohmann::json manifest;
    manifest["kind"] = "kfac_laplace";
    manifest["names"] = StateNames(posterior_->map());
    manifest["map"] = MemberFile(0);
    manifest["factors"] = "kfac_factors.pt";
    std::vector<torch::Tensor> tensors;
    for (const auto& f : posterior_->factors()) {
      manifest["layers"].push_back({{"name", f.name}, {"bias", f.bias}});
      tensors.push_back(f.a);
      tensors.push_back(f.g);
    }
    manifest["scale"] = scale_;
    manifest["tau"] = posterior_->tau();
    manifest["samples"] = samples_;
    manifest["seed"] = seed_;
    ENS_RETURN_IF_ERROR(SaveState(posterior_->map(), absl::StrCat(dir, "/", MemberFile(0))));
    ENS_RETURN_IF_ERROR(SaveTensors(tensors, absl::StrCat(dir, "/kfac_factors.pt")));
    return WriteManifest(dir, manifest);
  }

 private:
  std::shared_ptr<const KfacPosterior> posterior_;
  double scale_;
  int64_t samples_;
  uint64_t seed_;
};

class KfacLaplaceMethod : public Method {
 public:
  explicit KfacLaplaceMethod(const Params& p)
      : weights_from_(p.String("weights_from")),
        scale_(p.Has("scale") ? std::optional<double>(p.Double("scale")) : std::nullopt),
        tau_(p.Has("tau") ? std::optional<double>(p.Double("tau")) : std::nullopt),
        sampled_labels_(p.String("fisher") == "sampled"),
        tune_samples_(p.Int("tune_samples")) {}

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override {
    return weights_from_.empty() ? context.epochs : 0;
  }
  bool MembersExchangeable() const override { return true; }  // i.i.d. draws from the Laplace posterior

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    ENS_RETURN_IF_ERROR(RequireInMemory(context.data->train, "method 'kfac_laplace'"));
    const uint64_t seed = DeriveSeed(context.seed, 0);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, TrainOrLoadOneNetwork(context, "kfac_laplace", weights_from_));
    const StateDict map = CaptureState(*net);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> capture, context.NewModel(seed, KfacCaptureLayers()));
    ENS_RETURN_IF_ERROR(LoadState(*capture, map));
    const BatchMaker batches(*context.data, context.device);
    if (context.progress) context.progress->Message("kfac_laplace: Kronecker factors, one pass over the training split");
    ENS_ASSIGN_OR_RETURN(std::vector<LayerFactors> factors,
                         ComputeKroneckerFactors(*capture, context.data->train, batches, context.batch_size,
                                                 sampled_labels_, DeriveSeed(context.seed, 2)));
    const double tau = tau_.value_or(context.optimizer.weight_decay);
    auto posterior = std::make_shared<const KfacPosterior>(map, std::move(factors), tau);
    const uint64_t sample_seed = DeriveSeed(context.seed, 1);
    ENS_ASSIGN_OR_RETURN(const double scale, ChooseScale(context, posterior, *net, batches, sample_seed));
    return std::unique_ptr<Ensemble>(new KfacEnsemble(posterior, scale, context.members, sample_seed));
  }

 private:
  // The given scale; else, with a validation split, the one of a grid around
  // the Laplace scale 1/n that gives the lowest validation calibrated NLL
  // with tune_samples draws; else 1/n.
  absl::StatusOr<double> ChooseScale(const TrainContext& context, std::shared_ptr<const KfacPosterior> posterior,
                                     Network& net, const BatchMaker& batches, uint64_t seed) const {
    if (scale_) return *scale_;
    const double laplace = 1.0 / static_cast<double>(context.data->train.size());
    if (context.data->val.size() == 0) {
      if (context.progress) {
        context.progress->Message("kfac_laplace: no validation split to tune the scale; using 1/n");
      }
      return laplace;
    }
    EvalOptions options;
    options.sizes = {tune_samples_};
    options.seed = context.seed;
    // The candidates' draws go into the trained network itself.
    std::shared_ptr<Network> shared(std::shared_ptr<Network>(), &net);
    MemberContext validation(
        context.data->val, batches, /*batch_size=*/1000,
        [shared](LayerFactory&) -> absl::StatusOr<std::shared_ptr<Network>> { return shared; },
        [&](Network& member, const BatchMaker& normalise) {
          return RecomputeBatchNorm(member, *context.data, normalise, context.batch_size);
        });
    double best_scale = laplace, best_cnll = INFINITY;
    for (double factor : {1e-4, 1e-3, 1e-2, 1e-1, 1.0, 1e1}) {
      const KfacEnsemble candidate(posterior, factor * laplace, tune_samples_, seed);
      ENS_ASSIGN_OR_RETURN(auto rows, EvaluateEnsemble(candidate, validation, options));
      if (context.progress) {
        context.progress->Message(absl::StrFormat("kfac_laplace: scale %.3g/n: validation cNLL %.4f, error %.2f%%",
                                                  factor, rows.back().cnll, rows.back().error));
      }
      if (rows.back().cnll < best_cnll) {
        best_cnll = rows.back().cnll;
        best_scale = factor * laplace;
      }
    }
    return best_scale;
  }

  std::string weights_from_;
  std::optional<double> scale_, tau_;  // none: tuned; --weight_decay
  bool sampled_labels_;
  int64_t tune_samples_;
};

ENS_REGISTER(MethodRegistry(), "kfac_laplace",
             "KFAC-Laplace (Ritter et al. 2018): a trained network, Kronecker-factored curvature of every "
             "Linear / Conv2d layer, --members weight draws with BatchNorm recomputed per draw; the scale "
             "tuned on the validation split",
             ParamSchema()
                 .String("weights_from", "", "a finished run's --out_dir whose first member is the MAP "
                         "(instead of training it)")
                 .OptionalDouble("scale", "tuned on validation (1/n without a validation split)",
                                 "covariance scale").Min(0)
                 .OptionalDouble("tau", "--weight_decay", "damping: sqrt(tau) is added to both factors").Min(0)
                 .String("fisher", "sampled", "labels for the gradients: sampled from the model, or the empirical ones")
                 .Choices({"sampled", "empirical"})
                 .Int("tune_samples", 5, "draws per candidate scale in the search").Min(1),
             [](const Params& p) -> absl::StatusOr<std::unique_ptr<Method>> {
               return std::unique_ptr<Method>(new KfacLaplaceMethod(p));
             });

ENS_REGISTER(EnsembleKindRegistry(), "kfac_laplace", "KFAC-Laplace: MAP weights and Kronecker factors",
             ParamSchema(),
             [](const std::string& dir, const nlohmann::json& manifest) -> absl::StatusOr<std::unique_ptr<Ensemble>> {
               const auto names = manifest.at("names").get<std::vector<std::string>>();
               ENS_ASSIGN_OR_RETURN(StateDict map,
                                    LoadStateFile(absl::StrCat(dir, "/", manifest.at("map").get<std::string>()), names));
               const auto& layers = manifest.at("layers");
               const std::string path = absl::StrCat(dir, "/", manifest.at("factors").get<std::string>());
               ENS_ASSIGN_OR_RETURN(std::vector<torch::Tensor> tensors, LoadTensors(path, 2 * layers.size()));
               std::vector<LayerFactors> factors;
               for (size_t l = 0; l < layers.size(); ++l) {
                 LayerFactors f;
                 f.name = layers[l].at("name").get<std::string>();
                 f.bias = layers[l].at("bias").get<bool>();
                 f.a = tensors[2 * l].to(torch::kDouble);
                 f.g = tensors[2 * l + 1].to(torch::kDouble);
                 if (f.a.dim() != 2 || f.a.size(0) != f.a.size(1) || f.g.dim() != 2 || f.g.size(0) != f.g.size(1)) {
                   return absl::InvalidArgumentError(absl::StrCat(path, ": factors of '", f.name, "' are not square"));
                 }
                 factors.push_back(std::move(f));
               }
               const double scale = manifest.at("scale").get<double>();
               const double tau = manifest.at("tau").get<double>();
               const int64_t samples = manifest.at("samples").get<int64_t>();
               if (scale < 0 || tau < 0 || samples < 1) {
                 return absl::InvalidArgumentError("scale, tau or samples out of range");
               }
               auto posterior = std::make_shared<const KfacPosterior>(std::move(map), std::move(factors), tau);
               return std::unique_ptr<Ensemble>(
                   new KfacEnsemble(std::move(posterior), scale, samples, manifest.at("seed").get<uint64_t>()));
             });

}  // namespace
}  // namespace ens
