// What --ood and --shift ask for, and the sets they make: the in-domain test
// split followed by every out-of-distribution set and every corrupted copy of
// the test split (one per corruption and severity), as one split, so that
// each member is predicted once over all of them (corruptions computed once
// per set, before any member).
//
//   ENS_ASSIGN_OR_RETURN(RobustnessRequest request, ParseRobustnessFlags(flags));  // before any data
//   ENS_ASSIGN_OR_RETURN(EvaluationSets sets, BuildEvaluationSets(request, data, context));
#ifndef ENSEMBLES_SHIFT_EVALUATION_SETS_H_
#define ENSEMBLES_SHIFT_EVALUATION_SETS_H_

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "shift/robustness_flags.h"

namespace ens {

struct NamedArgs {
  std::string name, args;
};

struct RobustnessRequest {
  std::vector<NamedArgs> ood;
  std::vector<NamedArgs> corruptions;
  std::vector<int> severities;
  std::string dump_dir;
  bool empty() const { return ood.empty() && corruptions.empty(); }
};

// Checks names against the registries, parameters against their schemas and
// severities against 1..5, before any data is read.
absl::StatusOr<RobustnessRequest> ParseRobustnessFlags(const RobustnessFlags& flags);

struct EvaluationSets {
  enum class Kind { kTest, kOod, kShift };
  struct Segment {
    Kind kind = Kind::kTest;
    std::string name;  // OOD set or corruption
    std::string args;
    int severity = 0;  // shifted sets
    int64_t begin = 0, end = 0;  // rows of `split`
    int64_t size() const { return end - begin; }
  };
  // The test split's rows first, then every other set's; shifted rows carry
  // the test labels, out-of-distribution rows label 0 (unused).
  Split split;
  std::vector<Segment> segments;  // the test split first
  int64_t test_rows() const { return segments.front().end; }
};

struct EvaluationSetsContext {
  uint64_t seed = 0;         // of the corruptions' and noise sets' draws
  torch::Device device = torch::kCPU;  // where the corruptions run
};

// Builds every set of `request` from `data` (the test split and the in-domain
// statistics). Corrupted images are stored in 8 bits, truncated as the
// CIFAR-10-C generator stores them; with request.dump_dir, the first 100 of
// each corrupted set are written there before that, as float32 [0, 1]
// N x C x H x W (<corruption>_<severity>.npy).
absl::StatusOr<EvaluationSets> BuildEvaluationSets(const RobustnessRequest& request, const Dataset& data,
                                                   const EvaluationSetsContext& context);

}  // namespace ens

#endif  // ENSEMBLES_SHIFT_EVALUATION_SETS_H_
