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
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
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
        scale_(kind == SwaKind::kSwa ? 1.0 : p.Double("scale")) {}

  bool TakesUserSchedule() const override { return false; }

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override {
    if (context.epochs < 2) {
      return absl::InvalidArgumentError("methods 'swa' / 'swag' need --epochs >= 2 (training, then collection)");
    }
    return context.epochs;
  }

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    ENS_RETURN_IF_ERROR(PlannedEpochs(context).status());
    const int64_t start_epoch = StartEpoch(context.epochs);
    const uint64_t seed = DeriveSeed(context.seed, 0);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, context.NewModel(seed));
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

    if (kind_ == SwaKind::kSwa) {
      ENS_RETURN_IF_ERROR(AssignFlatParameters(*net, moments.mean()));
      RecomputeBatchNorm(*net, *context.data, trainer.batches(), context.batch_size);
      std::vector<StateDict> members;
      members.push_back(CaptureState(*net));
      return std::unique_ptr<Ensemble>(new StoredEnsemble(std::move(members)));
    }
    SwagSampling sampling;
    sampling.scale = scale_;
    sampling.diagonal_only = kind_ == SwaKind::kSwagDiag;
    sampling.samples = context.members;
    sampling.seed = DeriveSeed(context.seed, 1);
    return std::unique_ptr<Ensemble>(new SwagEnsemble(moments.mean(), moments.Variance(), moments.Deviations(),
                                                      max_rank_, CaptureState(*net), sampling));
  }

 private:
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
};

ParamSchema SwaSchema() {
  ParamSchema schema;
  schema.Double("swa_start", 161.0 / 300, "fraction of --epochs after which weights are collected every epoch "
                "(the reference: epoch 161 of 300)")
      .Min(0)
      .Max(1)
      .Double("swa_lr_fraction", 0.1, "swa_lr as a fraction of --lr (the reference: 0.01 at 0.1 on CIFAR-10, "
              "0.05 at 0.1 on CIFAR-100)")
      .Min(0);
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
