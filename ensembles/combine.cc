// combine and select: ensembles of finished runs' members (pooled_ensemble.h).
// combine: every member of every run given, in the order given (any methods,
// any architectures, one dataset). select: Caruana et al.'s (2004) greedy
// forward selection with replacement from such a pool, --members steps, on
// the validation split; the ensemble of size k is the selection after k
// steps, and members/ensemble.json records the steps and the weights.
// Neither trains: --epochs, --lr and --model do not apply. Deep ensembles
// of one recipe combined (a deep ensemble trained in parts) are a deep
// ensemble: a --dee_reference, exchangeable for --eval_orders.
#include <map>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "core/user_path.h"
#include "datasets/batches.h"
#include "driver/results_file.h"
#include "ensembles/greedy_selection.h"
#include "ensembles/method.h"
#include "ensembles/pool_parts.h"
#include "ensembles/pooled_ensemble.h"

namespace ens {
namespace {

class CombineMethod : public Method {
 public:
  explicit CombineMethod(const Params& p) : runs_(SplitRunList(p.String("runs"))) {}

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext&) const override {
    if (runs_.empty()) return absl::InvalidArgumentError("method 'combine': runs= names no run (runs=DIR:DIR:...)");
    return 0;
  }
  // The runs' ensembles are read here already (their weights, not the data),
  // so that --eval_sizes is checked against their sizes before any work.
  int64_t PlannedMembers(const TrainContext& context) const override {
    int64_t members = 0;
    for (const std::string& run : runs_) {
      absl::StatusOr<std::unique_ptr<Ensemble>> ensemble = LoadEnsemble(absl::StrCat(UserPath(run), "/members"));
      if (!ensemble.ok()) return context.members;  // Train names the run
      members += (*ensemble)->size();
    }
    return members;
  }
  bool TakesUserSchedule() const override { return false; }
  bool UsesModelFlag() const override { return false; }
  bool IndependentMembersOnSharedData() const override { return WhyNotOneDeepEnsemble().empty(); }
  // A run that cannot be read leaves it open: the run fails naming it before
  // any work (under --dry_run it may be a run still to be made), rather than
  // --eval_orders with a reason that is not the cause.
  bool MembersExchangeable() const override {
    const bool one = WhyNotOneDeepEnsemble().empty();  // reads the runs: sets unreadable_run_
    return one || unreadable_run_;
  }
  std::string WhyMembersNotExchangeable() const override {
    return absl::StrCat("its runs are not one deep ensemble: ", WhyNotOneDeepEnsemble());
  }

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    ENS_RETURN_IF_ERROR(PlannedEpochs(context).status());
    ENS_ASSIGN_OR_RETURN(std::vector<PoolPart> parts,
                         OpenPoolParts("method 'combine'", runs_, *context.data, /*same_validation=*/false));
    if (context.progress) {
      for (const PoolPart& part : parts) {
        context.progress->Message(absl::StrCat("combine: ", part.ensemble->size(), " members of ", part.run, " (",
                                               part.method, ", ", part.model, ")"));
      }
      const std::string why_not = WhyNotOneDeepEnsemble();
      context.progress->Message(why_not.empty() ? "combine: one deep ensemble (one recipe, its own seed per run)"
                                                : absl::StrCat("combine: not one deep ensemble: ", why_not));
    }
    std::vector<PoolMember> members = AllMembers(parts);
    return std::unique_ptr<Ensemble>(new PooledEnsemble(std::move(parts), std::move(members)));
  }

 private:
  // Read from the runs' results.json once, when first asked (before any
  // work: --eval_orders is checked with the flags); a run that cannot be
  // read is not one, and Train names it.
  const std::string& WhyNotOneDeepEnsemble() const {
    if (!why_not_one_deep_ensemble_) {
      std::vector<std::pair<std::string, nlohmann::json>> results;
      for (const std::string& run : runs_) {
        absl::StatusOr<nlohmann::json> file = ReadResultsFile(ResultsJsonPath(UserPath(run)));
        if (!file.ok()) {
          unreadable_run_ = true;
          why_not_one_deep_ensemble_ = std::string(file.status().message());
          return *why_not_one_deep_ensemble_;
        }
        results.emplace_back(run, *std::move(file));
      }
      why_not_one_deep_ensemble_ = ::ens::WhyNotOneDeepEnsemble(results);
    }
    return *why_not_one_deep_ensemble_;
  }

  std::vector<std::string> runs_;
  mutable std::optional<std::string> why_not_one_deep_ensemble_;
  mutable bool unreadable_run_ = false;
};

class SelectMethod : public Method {
 public:
  explicit SelectMethod(const Params& p) : runs_(SplitRunList(p.String("runs"))), metric_(p.String("metric")) {}

  absl::StatusOr<int64_t> PlannedEpochs(const TrainContext& context) const override {
    if (runs_.empty()) return absl::InvalidArgumentError("method 'select': runs= names no run (runs=DIR:DIR:...)");
    if (context.members < 1) return absl::InvalidArgumentError("method 'select': --members (steps) must be >= 1");
    return 0;
  }
  bool TakesUserSchedule() const override { return false; }
  bool UsesModelFlag() const override { return false; }

  absl::StatusOr<std::unique_ptr<Ensemble>> Train(const TrainContext& context) override {
    ENS_RETURN_IF_ERROR(PlannedEpochs(context).status());
    const Dataset& data = *context.data;
    if (data.val.size() == 0) {
      return absl::InvalidArgumentError(
          "method 'select': selects on the validation split, and this dataset holds none out (--dataset_args="
          "val_size=N)");
    }
    ENS_ASSIGN_OR_RETURN(std::vector<PoolPart> parts,
                         OpenPoolParts("method 'select'", runs_, data, /*same_validation=*/true));
    const PooledEnsemble pool(parts, AllMembers(parts));
    // Every pool member's validation predictions, once.
    const BatchMaker batches(data, context.device, context.channels_last);
    MemberContext validation(
        data.val, batches, /*batch_size=*/1000, NetworksOf(context.make_model, context.device, context.channels_last),
        [&](Network& net, const BatchMaker& normalise) {
          return RecomputeBatchNorm(net, data, normalise, context.batch_size);
        });
    if (context.progress) {
      context.progress->Message(absl::StrCat("select: predicting ", pool.size(), " pool members on the ",
                                             data.val.size(), " validation examples"));
    }
    std::vector<torch::Tensor> predictions;
    nlohmann::json pool_record = nlohmann::json::array();
    for (int64_t j = 0; j < pool.size(); ++j) {
      ENS_ASSIGN_OR_RETURN(torch::Tensor log_probs, pool.MemberLogProbs(j, validation));
      ENS_ASSIGN_OR_RETURN(const double alone, SelectionScore(metric_, log_probs, data.val.labels));
      const PoolMember& m = pool.members()[j];
      pool_record.push_back({{"run", parts[m.part].run}, {"member", m.member}, {metric_, alone}});
      predictions.push_back(std::move(log_probs));
    }
    ENS_ASSIGN_OR_RETURN(std::vector<GreedyStep> steps,
                         GreedySelection(predictions, data.val.labels, context.members, metric_));
    std::vector<PoolMember> chosen;
    std::map<int64_t, int64_t> counts;
    nlohmann::json steps_record = nlohmann::json::array();
    for (const GreedyStep& step : steps) {
      const PoolMember& m = pool.members()[step.member];
      chosen.push_back(m);
      ++counts[step.member];
      steps_record.push_back({{"run", parts[m.part].run}, {"member", m.member}, {metric_, step.score}});
      if (context.progress) {
        context.progress->Message(absl::StrFormat("select: step %d: %s member %d, validation %s %.4f",
                                                  chosen.size(), parts[m.part].run, m.member, metric_, step.score));
      }
    }
    nlohmann::json weights = nlohmann::json::array();
    for (const auto& [j, count] : counts) {
      const PoolMember& m = pool.members()[j];
      weights.push_back({{"run", parts[m.part].run},
                         {"member", m.member},
                         {"weight", static_cast<double>(count) / static_cast<double>(steps.size())}});
    }
    nlohmann::json record = {{"rule", "greedy forward selection with replacement (Caruana et al. 2004)"},
                             {"split", "validation"},
                             {"metric", metric_},
                             {"pool", std::move(pool_record)},
                             {"steps", std::move(steps_record)},
                             {"weights", std::move(weights)}};
    return std::unique_ptr<Ensemble>(
        PooledEnsemble(std::move(parts), std::move(chosen), std::move(record)).WithoutUnusedParts());
  }

 private:
  std::vector<std::string> runs_;
  std::string metric_;
};

absl::StatusOr<std::unique_ptr<Method>> MakeCombine(const Params& p) {
  return std::unique_ptr<Method>(new CombineMethod(p));
}

absl::StatusOr<std::unique_ptr<Method>> MakeSelect(const Params& p) {
  return std::unique_ptr<Method>(new SelectMethod(p));
}

ENS_REGISTER(MethodRegistry(), "combine",
             "the members of finished runs as one ensemble (any methods, any architectures, one dataset), in the "
             "order given; trains nothing",
             ParamSchema().String("runs", "", "finished runs' --out_dir, separated by ':'"), MakeCombine);

ENS_REGISTER(MethodRegistry(), "select",
             "greedy forward selection with replacement (Caruana et al. 2004) of --members steps from the members "
             "of finished runs, on the validation split; trains nothing",
             ParamSchema()
                 .String("runs", "", "finished runs' --out_dir, separated by ':' (one validation split: val_seed)")
                 .String("metric", "nll", "the validation score each step minimises")
                 .Choices(SelectionMetrics()),
             MakeSelect);

}  // namespace
}  // namespace ens
