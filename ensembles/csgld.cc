// cSGLD: one run of --epochs with `cycles` cosine cycles (lr0, per
// iteration, the Snapshot formula), momentum 0 as in the reference SGLD. In
// the last `noise_fraction` of each cycle every step gets Langevin noise; in
// that part `ceil(--members / cycles)` samples are collected at equal
// spacing, the last at the cycle's end (the reference: 50-epoch cycles,
// noise in the last 5 epochs, a sample after each of the last 3). When the
// cycles hold more than --members samples, the earliest are dropped.
#include "ensembles/csgld.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "ensembles/method.h"

namespace ens {

double LangevinNoiseStd(double lr, double temperature, int64_t dataset_size) {
  return std::sqrt(2.0 * lr * temperature / static_cast<double>(dataset_size));
}

void AddLangevinNoise(Network& net, double lr, double temperature, int64_t dataset_size, at::Generator& generator) {
  const double std = LangevinNoiseStd(lr, temperature, dataset_size);
  if (std == 0) return;
  torch::NoGradGuard no_grad;
  for (auto& p : net.parameters()) {
    const torch::Tensor noise = torch::randn(p.sizes(), generator, torch::TensorOptions().dtype(torch::kFloat));
    p.add_(noise.to(p.device(), p.scalar_type()), std);
  }
}

namespace {

// Where a cycle's iterations are: the cycle length is ceil(T / M), as in the
// cyclic_cosine schedule; the last cycle may be shorter.
struct CyclePlan {
  int64_t total = 0, length = 0, noise_iterations = 0, samples_per_cycle = 0, spacing = 0;

  // Iterations left in the cycle after iteration i (0 at its last iteration).
  int64_t ToCycleEnd(int64_t i) const {
    const int64_t end = std::min(((i - 1) / length + 1) * length, total);
    return end - i;
  }
  bool Noisy(int64_t i) const { return ToCycleEnd(i) < noise_iterations; }
  bool Sample(int64_t i) const {
    const int64_t left = ToCycleEnd(i);
    return left % spacing == 0 && left / spacing < samples_per_cycle;
  }
};

class LangevinCycles : public TrainerCallback {
 public:
  LangevinCycles(CyclePlan plan, double temperature, int64_t dataset_size, uint64_t seed)
      : plan_(plan), temperature_(temperature), dataset_size_(dataset_size),
        generator_(at::detail::createCPUGenerator(seed)) {}

  void OnIterationEnd(const IterationInfo& info, Network& net) override {
    if (plan_.Noisy(info.iteration)) AddLangevinNoise(net, info.lr, temperature_, dataset_size_, generator_);
    if (plan_.Sample(info.iteration)) samples_.push_back(CaptureState(net));
  }
  std::vector<StateDict>& samples() { return samples_; }

  // The noise stream and the samples so far.
  std::vector<torch::Tensor> SaveState() const override {
    std::vector<torch::Tensor> state;
    {
      std::lock_guard<std::mutex> lock(generator_.mutex());
      state.push_back(generator_.get_state());
    }
    AppendStateList(samples_, state);
    return state;
  }
  absl::Status RestoreState(const std::vector<torch::Tensor>& state, const Network& net) override {
    if (state.empty()) return absl::DataLossError("no noise generator state");
    {
      std::lock_guard<std::mutex> lock(generator_.mutex());
      generator_.set_state(state[0]);
    }
    size_t offset = 1;
    ENS_ASSIGN_OR_RETURN(samples_, ReadStateList(state, offset, net));
    return absl::OkStatus();
  }

 private:
  CyclePlan plan_;
  double temperature_;
  int64_t dataset_size_;
  mutable at::Generator generator_;  // mutable: its lock, in SaveState
  std::vector<StateDict> samples_;
};

class CsgldMethod : public Method {
 public:
  explicit CsgldMethod(const Params& p)
      : cycles_(p.Int("cycles")), lr0_(p.Double("lr0")), temperature_(p.Double("temperature")),
        momentum_(p.Double("momentum")), noise_fraction_(p.Double("noise_fraction")) {}

  bool TakesUserSchedule() const override { return false; }

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override {
    ENS_RETURN_IF_ERROR(Plan(context).status());
    return context.epochs;
  }

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    ENS_ASSIGN_OR_RETURN(const CyclePlan plan, Plan(context));
    const uint64_t seed = DeriveSeed(context.seed, 0);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, context.NewModel(seed));
    TrainerOptions options = context.TrainerOptionsFor(0, seed, "csgld");
    options.optimizer.momentum = momentum_;
    Trainer trainer(net, *context.data, options);
    ENS_ASSIGN_OR_RETURN(auto schedule, context.NamedSchedule("cyclic_cosine",
                                                              absl::StrCat("lr0=", lr0_, ",cycles=", cycles_),
                                                              context.epochs));
    LangevinCycles langevin(plan, temperature_, context.data->train.size(), DeriveSeed(context.seed, 1));
    ENS_RETURN_IF_ERROR(trainer.Run(*schedule, context.epochs, {&langevin}, "train"));
    std::vector<StateDict>& samples = langevin.samples();
    if (static_cast<int64_t>(samples.size()) < context.members) {
      return absl::InternalError(absl::StrCat("method 'csgld' collected ", samples.size(), " samples, expected ",
                                              context.members));
    }
    samples.erase(samples.begin(), samples.end() - context.members);
    return std::unique_ptr<Ensemble>(new StoredEnsemble(std::move(samples)));
  }

 private:
  absl::StatusOr<CyclePlan> Plan(const TrainContext& context) const {
    CyclePlan plan;
    plan.total = context.epochs * context.iterations_per_epoch();
    if (cycles_ > plan.total) {
      return absl::InvalidArgumentError(absl::StrCat("method 'csgld': cycles=", cycles_, " exceeds the ",
                                                     plan.total, " iterations of --epochs=", context.epochs));
    }
    plan.length = (plan.total + cycles_ - 1) / cycles_;
    plan.noise_iterations = std::max<int64_t>(1, std::llround(noise_fraction_ * plan.length));
    plan.samples_per_cycle = (context.members + cycles_ - 1) / cycles_;
    plan.spacing = plan.noise_iterations / plan.samples_per_cycle;
    const int64_t last_cycle = plan.total - (cycles_ - 1) * plan.length;
    if (plan.spacing < 1 || last_cycle < plan.noise_iterations) {
      return absl::InvalidArgumentError(absl::StrCat(
          "method 'csgld': ", plan.samples_per_cycle, " samples per cycle (--members=", context.members, " over ",
          cycles_, " cycles) do not fit in the ", plan.noise_iterations,
          " noisy iterations of a cycle; raise --epochs or noise_fraction, or lower --members"));
    }
    return plan;
  }

  int64_t cycles_;
  double lr0_, temperature_, momentum_, noise_fraction_;
};

ENS_REGISTER(MethodRegistry(), "csgld",
             "cyclical SGLD (Zhang et al. 2020): cosine cycles, Langevin noise and --members samples in the "
             "last part of each cycle; --epochs is the whole run",
             ParamSchema()
                 .Int("cycles", 4, "number of cosine cycles M").Min(1)
                 .Double("lr0", 0.5, "rate at the start of each cycle").Min(0)
                 .Double("temperature", 1.0, "posterior temperature T").Min(0)
                 .Double("momentum", 0.0, "SGD momentum (0: plain SGLD, as the reference)").Min(0).Max(0.999)
                 .Double("noise_fraction", 0.1, "last part of each cycle with noise and samples (reference: 5 of "
                         "50 epochs)").Min(1e-6).Max(1),
             [](const Params& p) -> absl::StatusOr<std::unique_ptr<Method>> {
               return std::unique_ptr<Method>(new CsgldMethod(p));
             });

}  // namespace
}  // namespace ens
