// Distillation of a finished run (the teacher, any method) into one network
// of --model (the student), trained on the training split for --epochs with
// the user's schedule (default: step), its initialisation and data order
// from stream (seed, 0) as `single` trains one network; only the loss
// differs. The teacher's members are predicted on the training split once,
// before training (unaugmented images: with --dataset_args=augment=... the
// student sees augmented images against the teacher's view of the originals).
//
// distill (Hinton et al. 2015): (1 - alpha) CE(y, softmax(z)) +
//   alpha T^2 KL(p_T || softmax(z / T)), p_T the teacher's mean of its
//   members' softmax(z_m / T).
// distill_dirichlet (EnD^2, Malinin et al. ICLR 2020): the student's outputs
//   are a Dirichlet's concentrations alpha = exp(z / T); the loss is the
//   negative log-likelihood of the members' own predictions pi_m (each at
//   temperature T, smoothed toward uniform) under it
//   (ensembles/distillation_loss.h), by default divided per example by its
//   precision alpha_0 held constant: with plain SGD the paper's loss drives
//   the precision up without bound where the members agree, and the
//   gradient, which grows with alpha, throws the weights off (seen on
//   Fashion-MNIST at lr 0.05); precondition=false trains the paper's loss.
//   T falls linearly from `temperature` to 1 over the first `anneal` of the
//   iterations, then stays 1. Its prediction, the Dirichlet's mean
//   alpha / alpha_0 at T = 1, is softmax(z): the student evaluates as one
//   network.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "datasets/batches.h"
#include "ensembles/distillation_loss.h"
#include "ensembles/method.h"
#include "ensembles/pool_parts.h"
#include "ensembles/pooled_ensemble.h"

namespace ens {
namespace {

// The teacher members' log-probabilities on the training split [M, N, C]
// (float, on the training device).
absl::StatusOr<torch::Tensor> TeacherOnTrainingSplit(const TrainContext& context, const std::string& who,
                                                     const std::string& teacher_from) {
  const Dataset& data = *context.data;
  ENS_RETURN_IF_ERROR(RequireInMemory(data.train, who));
  ENS_ASSIGN_OR_RETURN(std::vector<PoolPart> parts, OpenPoolParts(who, {teacher_from}, data, false));
  const PooledEnsemble teacher(parts, AllMembers(parts));
  const BatchMaker batches(data, context.device);
  MemberContext train(data.train, batches, /*batch_size=*/1000, NetworksOf(context.make_model, context.device),
                      [&](Network& net, const BatchMaker& normalise) {
                        return RecomputeBatchNorm(net, data, normalise, context.batch_size);
                      });
  if (context.progress) {
    context.progress->Message(absl::StrCat(who, ": the teacher's ", teacher.size(), " members (", parts[0].method,
                                           ", ", parts[0].model, ") on the ", data.train.size(),
                                           " training images, once"));
  }
  std::vector<torch::Tensor> members;
  for (int64_t m = 0; m < teacher.size(); ++m) {
    ENS_ASSIGN_OR_RETURN(torch::Tensor log_probs, teacher.MemberLogProbs(m, train));
    members.push_back(log_probs.to(context.device));
    if (context.progress) {
      context.progress->Message(absl::StrCat(who, ": teacher member ", m + 1, "/", teacher.size(), " predicted"));
    }
  }
  if (data.augmentation.crop_padding > 0 || data.augmentation.flip) {
    if (context.progress) {
      context.progress->Message(absl::StrCat(
          who, ": the training images are augmented; the teacher's predictions are those of the originals"));
    }
  }
  return torch::stack(members);
}

class DistillMethodBase : public Method {
 public:
  explicit DistillMethodBase(const Params& p, std::string name)
      : name_(std::move(name)), teacher_from_(p.String("teacher_from")) {}

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override {
    if (teacher_from_.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("method '", name_, "': teacher_from= names no finished run"));
    }
    return context.epochs;
  }
  int64_t PlannedMembers(const TrainContext&) const override { return 1; }

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    ENS_RETURN_IF_ERROR(PlannedEpochs(context).status());
    const std::string who = absl::StrCat("method '", name_, "'");
    ENS_ASSIGN_OR_RETURN(torch::Tensor teacher, TeacherOnTrainingSplit(context, who, teacher_from_));
    const uint64_t seed = DeriveSeed(context.seed, 0);
    ENS_ASSIGN_OR_RETURN(std::shared_ptr<Network> net, context.NewModel(seed));
    ENS_ASSIGN_OR_RETURN(auto schedule, context.UserSchedule("step", "", context.epochs));
    TrainerOptions options = context.TrainerOptionsFor(0, seed, name_);
    options.loss = Loss(std::move(teacher), context.iterations_per_epoch() * context.epochs);
    Trainer trainer(net, *context.data, options);
    ENS_RETURN_IF_ERROR(trainer.Run(*schedule, context.epochs, {}, "distil"));
    return std::unique_ptr<Ensemble>(new StoredEnsemble({CaptureState(*net)}));
  }

 protected:
  using LossFunction = decltype(TrainerOptions::loss);
  // The loss of a batch given the teacher's members [M, N, C] on the
  // training split and the run's iterations.
  virtual LossFunction Loss(torch::Tensor teacher, int64_t iterations) const = 0;

 private:
  std::string name_;
  std::string teacher_from_;
};

class DistillMethod : public DistillMethodBase {
 public:
  explicit DistillMethod(const Params& p)
      : DistillMethodBase(p, "distill"), alpha_(p.Double("alpha")), temperature_(p.Double("temperature")) {}

 protected:
  LossFunction Loss(torch::Tensor teacher, int64_t) const override {
    const double t = temperature_, alpha = alpha_;
    const torch::Tensor targets = SoftTargets(teacher, t);  // [N, C], once
    return [targets, t, alpha](const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor& index,
                               int64_t) {
      return HintonLoss(logits, labels, targets.index_select(0, index.to(targets.device())), alpha, t);
    };
  }

 private:
  double alpha_, temperature_;
};

class DistillDirichletMethod : public DistillMethodBase {
 public:
  explicit DistillDirichletMethod(const Params& p)
      : DistillMethodBase(p, "distill_dirichlet"),
        temperature_(p.Double("temperature")),
        anneal_(p.Double("anneal")),
        smoothing_(p.Double("smoothing")),
        precondition_(p.Bool("precondition")) {}

 protected:
  LossFunction Loss(torch::Tensor teacher, int64_t iterations) const override {
    const double start = temperature_, smoothing = smoothing_;
    const bool precondition = precondition_;
    const double anneal_iterations = anneal_ * static_cast<double>(iterations);
    return [teacher, start, smoothing, precondition, anneal_iterations](
               const torch::Tensor& logits, const torch::Tensor&, const torch::Tensor& index, int64_t iteration) {
      const torch::Tensor members = teacher.index_select(1, index.to(teacher.device()));  // [M, n, C]
      return DirichletLoss(logits, members, AnnealedTemperature(start, anneal_iterations, iteration), smoothing,
                           precondition);
    };
  }

 private:
  double temperature_, anneal_, smoothing_;
  bool precondition_;
};

absl::StatusOr<std::unique_ptr<Method>> MakeDistill(const Params& p) {
  return std::unique_ptr<Method>(new DistillMethod(p));
}

absl::StatusOr<std::unique_ptr<Method>> MakeDistillDirichlet(const Params& p) {
  return std::unique_ptr<Method>(new DistillDirichletMethod(p));
}

ENS_REGISTER(MethodRegistry(), "distill",
             "one --model network (the student) trained to match a finished run's ensemble (Hinton et al. 2015): "
             "(1 - alpha) CE + alpha T^2 KL(teacher_T || student_T), the teacher predicted once",
             ParamSchema()
                 .String("teacher_from", "", "the teacher: a finished run's --out_dir (any method)")
                 .Double("alpha", 0.9, "the weight of the teacher's soft targets").Min(0).Max(1)
                 .Double("temperature", 4, "T: teacher and student softened by it").Min(1e-3),
             MakeDistill);

ENS_REGISTER(MethodRegistry(), "distill_dirichlet",
             "EnD^2 (Malinin et al. 2020): one --model network whose outputs are a Dirichlet fitted to the "
             "teacher run's members' individual predictions; predicts the Dirichlet's mean",
             ParamSchema()
                 .String("teacher_from", "", "the teacher: a finished run's --out_dir (any method)")
                 .Double("temperature", 2.5, "T at the start, annealed to 1").Min(1)
                 .Double("anneal", 0.5, "the fraction of the iterations over which T falls to 1").Min(0).Max(1)
                 .Double("smoothing", 1e-3, "the members' probabilities mixed with uniform by this weight")
                 .Min(0)
                 .Max(0.5)
                 .Bool("precondition", true,
                       "divide each example's loss by its precision alpha_0 (held constant): each example's "
                       "stationary points kept, gradients SGD can follow where the members agree"),
             MakeDistillDirichlet);

}  // namespace
}  // namespace ens
