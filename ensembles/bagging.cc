#include "ensembles/bagging.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "ensembles/method.h"

namespace ens {

torch::Tensor BootstrapIndices(int64_t n, uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  return torch::randint(n, {n}, generator, torch::TensorOptions().dtype(torch::kLong));
}

Dataset WithTrainingRows(const Dataset& data, const torch::Tensor& indices) {
  Dataset sample = data;
  sample.train.images = data.train.images.index_select(0, indices.to(data.train.images.device()));
  sample.train.labels = data.train.labels.index_select(0, indices.to(data.train.labels.device()));
  return sample;
}

namespace {

class BaggingMethod : public Method {
 public:
  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override {
    return context.members * context.epochs;
  }
  bool MembersExchangeable() const override { return true; }  // each on its own bootstrap sample

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    ENS_RETURN_IF_ERROR(RequireInMemory(context.data->train, "method 'bagging'"));
    auto make_schedule = [&] { return context.UserSchedule("step", "", context.epochs); };
    const int64_t n = context.data->train.size();
    auto bootstrap = [&](int64_t member, uint64_t member_seed) -> absl::StatusOr<Dataset> {
      // A stream of its own: the member's init and data order keep theirs.
      return WithTrainingRows(*context.data, BootstrapIndices(n, DeriveSeed(member_seed, 1)));
    };
    ENS_ASSIGN_OR_RETURN(std::vector<StateDict> members,
                         TrainIndependentMembers(context, context.members, context.epochs, make_schedule, bootstrap));
    return std::unique_ptr<Ensemble>(new StoredEnsemble(std::move(members)));
  }
};

ENS_REGISTER(MethodRegistry(), "bagging",
             "bagging (Breiman 1996): --members networks, each trained for --epochs on its own bootstrap "
             "sample of the training split (with replacement)",
             ParamSchema(), [](const Params&) -> absl::StatusOr<std::unique_ptr<Method>> {
               return std::unique_ptr<Method>(new BaggingMethod());
             });

}  // namespace
}  // namespace ens
