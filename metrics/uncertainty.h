// Per-example uncertainty of an ensemble, from its members' predictions (in
// nats; what //:predict writes, and the scores an OOD detector thresholds):
//
//   max_prob            max_c p(c), p the ensemble's prediction
//   entropy             H[p] = -sum_c p(c) log p(c) (total uncertainty)
//   expected_entropy    mean over members of H[p_m] (the data's share)
//   mutual_information  H[p] - mean_m H[p_m] (the members' disagreement on
//                       the distribution: knowledge uncertainty; >= 0 when p
//                       is the mean of the p_m)
//   disagreement        the fraction of members whose most probable class is
//                       not the ensemble's
//
//   UncertaintyScores scores;
//   for (int64_t m = 0; m < M; ++m) scores.AddMember(member_log_probs[m]);
//   scores.Finish(ensemble_log_probs);
#ifndef ENSEMBLES_METRICS_UNCERTAINTY_H_
#define ENSEMBLES_METRICS_UNCERTAINTY_H_

#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace ens {

class UncertaintyScores {
 public:
  // One member's log-probabilities [N, C].
  void AddMember(const torch::Tensor& log_probs);
  // With the ensemble's log-probabilities [N, C] (its own combination of the
  // members added): every score, float64 [N].
  void Finish(const torch::Tensor& ensemble_log_probs);

  const torch::Tensor& predicted() const { return predicted_; }  // int64 [N]
  const torch::Tensor& max_prob() const { return max_prob_; }
  const torch::Tensor& entropy() const { return entropy_; }
  const torch::Tensor& expected_entropy() const { return expected_entropy_; }
  const torch::Tensor& mutual_information() const { return mutual_information_; }
  const torch::Tensor& disagreement() const { return disagreement_; }

 private:
  torch::Tensor entropy_sum_;                // sum over members of H[p_m]
  std::vector<torch::Tensor> member_argmax_;
  torch::Tensor predicted_, max_prob_, entropy_, expected_entropy_, mutual_information_, disagreement_;
};

// H[softmax(log_probs)] per row, float64 [N].
torch::Tensor Entropy(const torch::Tensor& log_probs);

}  // namespace ens

#endif  // ENSEMBLES_METRICS_UNCERTAINTY_H_
