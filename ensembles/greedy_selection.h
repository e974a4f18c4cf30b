// Greedy forward selection with replacement from a library of models
// (Caruana et al., ICML 2004): starting from no member, each step adds the
// pool member that gives the ensemble so far plus it (the mean of the chosen
// members' probabilities, a member chosen twice counted twice) the lowest
// score on held-out data; ties go to the lower index. Pure: log-probabilities
// in, choices out.
#ifndef ENSEMBLES_ENSEMBLES_GREEDY_SELECTION_H_
#define ENSEMBLES_ENSEMBLES_GREEDY_SELECTION_H_

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "absl/status/statusor.h"

namespace ens {

// The scores selection can minimise: nll, error, brier, ece.
const std::vector<std::string>& SelectionMetrics();

// A metric of SelectionMetrics() of log-probabilities [N, C] against labels [N].
absl::StatusOr<double> SelectionScore(const std::string& metric, const torch::Tensor& log_probs,
                                      const torch::Tensor& labels);

struct GreedyStep {
  int64_t member = 0;  // index into the pool
  double score = 0;    // the ensemble's score after this step
};

// `pool`: each member's log-probabilities [N, C] on the held-out split.
absl::StatusOr<std::vector<GreedyStep>> GreedySelection(const std::vector<torch::Tensor>& pool,
                                                        const torch::Tensor& labels, int64_t steps,
                                                        const std::string& metric);

}  // namespace ens

#endif  // ENSEMBLES_ENSEMBLES_GREEDY_SELECTION_H_
