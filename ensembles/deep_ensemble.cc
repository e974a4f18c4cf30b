// single and deep_ensemble: independently trained networks, each with the
// user's schedule (default: the standard multi-step decay) over --epochs.
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "ensembles/method.h"

namespace ens {
namespace {

class IndependentMethod : public Method {
 public:
  explicit IndependentMethod(bool single) : single_(single) {}

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override {
    return Count(context) * context.epochs;
  }
  int64_t PlannedMembers(const TrainContext& context) const override { return Count(context); }

  bool TrainsMembersTogether() const override { return true; }
  bool MembersExchangeable() const override { return true; }

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    auto make_schedule = [&] { return context.UserSchedule("step", "", context.epochs); };
    ENS_ASSIGN_OR_RETURN(std::vector<StateDict> members,
                         TrainIndependentMembers(context, Count(context), context.epochs, make_schedule));
    return std::unique_ptr<Ensemble>(new StoredEnsemble(std::move(members)));
  }

 private:
  int64_t Count(const TrainContext& context) const { return single_ ? 1 : context.members; }
  bool single_;
};

ENS_REGISTER(MethodRegistry(), "single", "one network trained for --epochs (ignores --members)", ParamSchema(),
             [](const Params&) -> absl::StatusOr<std::unique_ptr<Method>> {
               return std::unique_ptr<Method>(new IndependentMethod(true));
             });

ENS_REGISTER(MethodRegistry(), "deep_ensemble",
             "deep ensemble (Lakshminarayanan et al. 2017): --members networks, each from its own random "
             "init and data order, each trained for --epochs",
             ParamSchema(), [](const Params&) -> absl::StatusOr<std::unique_ptr<Method>> {
               return std::unique_ptr<Method>(new IndependentMethod(false));
             });

}  // namespace
}  // namespace ens
