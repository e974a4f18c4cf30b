// SWA (Izmailov et al., UAI 2018) and SWAG (Maddox et al., NeurIPS 2019):
// one SGD run with the SWA schedule (lr_init until 50% of swa_start, linear
// decay to swa_lr by 90% of it, then swa_lr); from epoch swa_start on, the
// weights are collected at every epoch end.
//   swa:       the running mean of the collected weights, BatchNorm
//              statistics recomputed once: one model.
//   swag:      a Gaussian (diagonal + rank-K) over the collected weights;
//              --members draws, BatchNorm recomputed per draw.
//   swag_diag: the diagonal part only.
// Budget: --epochs is the whole run (the reference: 300, swa_start 161).
// All three train the same trajectory from the same seed, so `moments_from`
// can take it from a finished swag / swag_diag run instead of training again.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/user_path.h"
#include "ensembles/method.h"
#include "ensembles/swag.h"

namespace ens {
namespace {

enum class SwaKind { kSwa, kSwag, kSwagDiag };

class CollectMomentsAtEpochEnds : public TrainerCallback {
 public:
  CollectMomentsAtEpochEnds(int64_t start_epoch, SwagMoments* moments) : start_(start_epoch), moments_(moments) {}
  void OnEpochEnd(const EpochRecord& record, Network& net) override {
    if (++epoch_ >= start_) moments_->Collect(FlattenParameters(net));
  }
  std::vector<torch::Tensor> SaveState() const override {
    std::vector<torch::Tensor> state = moments_->SaveState();
    state.push_back(torch::tensor(epoch_, torch::kLong));
    return state;
  }
  absl::Status RestoreState(const std::vector<torch::Tensor>& state, const Network& net) override {
    if (state.empty()) return absl::DataLossError("no SWAG moments");
    epoch_ = state.back().item<int64_t>();
    return moments_->RestoreState({state.begin(), state.end() - 1});
  }

 private:
  int64_t start_;
  int64_t epoch_ = 0;
  SwagMoments* moments_;
};

class SwaMethod : public Method {
 public:
  SwaMethod(SwaKind kind, const Params& p)
      : kind_(kind),
        swa_start_(p.Double("swa_start")),
        swa_lr_fraction_(p.Double("swa_lr_fraction")),
        max_rank_(kind == SwaKind::kSwag ? p.Int("max_rank") : 0),
        scale_(kind == SwaKind::kSwa ? 1.0 : p.Double("scale")),
        moments_from_(p.String("moments_from")) {}

  bool TakesUserSchedule() const override { return false; }
  bool MembersExchangeable() const override { return true; }  // i.i.d. draws (swa: one member)

  int64_t PlannedMembers(const TrainContext& context) const override {
    return kind_ == SwaKind::kSwa ? 1 : context.members;
  }

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override {
    if (!moments_from_.empty()) return 0;
    if (context.epochs < 2) {
      return absl::InvalidArgumentError("methods 'swa' / 'swag' need --epochs >= 2 (training, then collection)");
    }
    return context.epochs;
  }

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    ENS_RETURN_IF_ERROR(PlannedEpochs(context).status());
    const uint64_t seed = DeriveSeed(context.seed, 0);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, context.NewModel(seed));
    Trajectory trajectory;
    if (moments_from_.empty()) {
      ENS_ASSIGN_OR_RETURN(trajectory, TrainTrajectory(context, seed, net));
    } else {
      ENS_ASSIGN_OR_RETURN(trajectory, LoadTrajectory(*net));
    }

    if (kind_ == SwaKind::kSwa) {
      ENS_RETURN_IF_ERROR(LoadState(*net, trajectory.base));
      ENS_RETURN_IF_ERROR(AssignFlatParameters(*net, trajectory.mean));
      ENS_RETURN_IF_ERROR(
          RecomputeBatchNorm(*net, *context.data, BatchMaker(*context.data, context.device), context.batch_size));
      std::vector<StateDict> members;
      members.push_back(CaptureState(*net));
      return std::unique_ptr<Ensemble>(new StoredEnsemble(std::move(members)));
    }
    SwagSampling sampling;
    sampling.scale = scale_;
    sampling.diagonal_only = kind_ == SwaKind::kSwagDiag;
    sampling.samples = context.members;
    sampling.seed = DeriveSeed(context.seed, 1);
    return std::unique_ptr<Ensemble>(new SwagEnsemble(trajectory.mean, trajectory.variance, trajectory.deviations,
                                                      max_rank_, std::move(trajectory.base), sampling));
  }

 private:
  // What the methods keep of an SWA run: the Gaussian over the collected
  // iterates and the final weights (shapes, buffers).
  struct Trajectory {
    torch::Tensor mean, variance, deviations;
    StateDict base;
  };

  absl::StatusOr<Trajectory> TrainTrajectory(const TrainContext& context, uint64_t seed,
                                             std::shared_ptr<Network> net) const {
    const int64_t start_epoch = StartEpoch(context.epochs);
    Trainer trainer(net, *context.data, context.TrainerOptionsFor(0, seed, MethodName()));
    const double horizon = static_cast<double>(start_epoch) / context.epochs;
    ENS_ASSIGN_OR_RETURN(auto schedule,
                         context.NamedSchedule("swa",
                                               absl::StrCat("swa_lr=", swa_lr_fraction_ * context.lr,
                                                            ",horizon=", horizon),
                                               context.epochs));
    SwagMoments moments(max_rank_);
    CollectMomentsAtEpochEnds collect(start_epoch, &moments);
    ENS_RETURN_IF_ERROR(trainer.Run(*schedule, context.epochs, {&collect}, "train"));
    return Trajectory{moments.mean(), moments.Variance(), moments.Deviations(), CaptureState(*net)};
  }

  // The trajectory of a finished swag / swag_diag run (its --out_dir). The
  // run's seed, --epochs, --lr, swa_start and swa_lr_fraction are the
  // user's to keep equal; K may be lowered (the last K deviations are kept).
  absl::StatusOr<Trajectory> LoadTrajectory(const Network& net) const {
    const std::string what = absl::StrCat("method '", MethodName(), "': moments_from=", moments_from_);
    ENS_ASSIGN_OR_RETURN(std::unique_ptr<Ensemble> loaded,
                         LoadEnsemble(absl::StrCat(UserPath(moments_from_), "/members")));
    const auto* source = dynamic_cast<const SwagEnsemble*>(loaded.get());
    if (source == nullptr) return absl::InvalidArgumentError(absl::StrCat(what, " is not a swag or swag_diag run"));
    const torch::Tensor& deviations = source->deviations();
    if (max_rank_ > 0 && (max_rank_ > source->max_rank() || deviations.size(0) == 0)) {
      return absl::InvalidArgumentError(absl::StrCat(what, " kept ", deviations.size(0), " deviations (K = ",
                                                     source->max_rank(), "); max_rank=", max_rank_,
                                                     " needs a run that kept at least as many"));
    }
    const int64_t total = CountParameters(net);
    if (source->mean().size(0) != total) {
      return absl::InvalidArgumentError(absl::StrCat(what, " holds ", source->mean().size(0),
                                                     " parameters, --model has ", total, " (another --model?)"));
    }
    const int64_t keep = std::min<int64_t>(max_rank_, deviations.size(0));
    return Trajectory{source->mean(), source->variance(),
                      deviations.slice(0, deviations.size(0) - keep, deviations.size(0)).clone(), source->base()};
  }

  // The first collected epoch (1-based): swa_start of the budget, at least 1.
  int64_t StartEpoch(int64_t epochs) const {
    return std::clamp<int64_t>(std::llround(swa_start_ * epochs), 1, epochs);
  }
  const char* MethodName() const {
    return kind_ == SwaKind::kSwa ? "swa" : kind_ == SwaKind::kSwag ? "swag" : "swag_diag";
  }

  SwaKind kind_;
  double swa_start_;
  double swa_lr_fraction_;
  int64_t max_rank_;
  double scale_;
  std::string moments_from_;
};

ParamSchema SwaSchema() {
  ParamSchema schema;
  schema.Double("swa_start", 161.0 / 300, "fraction of --epochs after which weights are collected every epoch "
                "(the reference: epoch 161 of 300)")
      .Min(0)
      .Max(1)
      .Double("swa_lr_fraction", 0.1, "swa_lr as a fraction of --lr (the reference: 0.01 at 0.1 on CIFAR-10, "
              "0.05 at 0.1 on CIFAR-100)")
      .Min(0)
      .String("moments_from", "", "a finished swag or swag_diag run's --out_dir whose trajectory to use instead "
              "of training (same seed, --epochs, --lr, swa_start)");
  return schema;
}

template <SwaKind kind>
absl::StatusOr<std::unique_ptr<Method>> MakeSwa(const Params& p) {
  return std::unique_ptr<Method>(new SwaMethod(kind, p));
}

ENS_REGISTER(MethodRegistry(), "swa",
             "Stochastic Weight Averaging (Izmailov et al. 2018): the mean of the weights of an SWA-schedule "
             "run, BatchNorm recomputed; one model",
             SwaSchema(), MakeSwa<SwaKind::kSwa>);

ENS_REGISTER(MethodRegistry(), "swag",
             "SWAG (Maddox et al. 2019): --members draws from a diagonal + low-rank Gaussian over the SWA "
             "iterates, BatchNorm recomputed per draw",
             SwaSchema()
                 .Int("max_rank", 20, "K, the number of deviations kept for the low-rank part").Min(2)
                 .Double("scale", 0.5, "covariance scale").Min(0),
             MakeSwa<SwaKind::kSwag>);

ENS_REGISTER(MethodRegistry(), "swag_diag",
             "SWAG-Diagonal (Maddox et al. 2019): --members draws from the diagonal Gaussian over the SWA "
             "iterates",
             SwaSchema().Double("scale", 1.0, "variance scale").Min(0), MakeSwa<SwaKind::kSwagDiag>);

}  // namespace
}  // namespace ens
