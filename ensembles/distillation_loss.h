// The losses of distillation (ensembles/distill.cc), pure functions of a
// batch: the student's logits against the teacher's members' predictions.
#ifndef ENSEMBLES_ENSEMBLES_DISTILLATION_LOSS_H_
#define ENSEMBLES_ENSEMBLES_DISTILLATION_LOSS_H_

#include <cstdint>

#include <torch/types.h>

namespace ens {

// p_T: the mean over members of softmax(z_m / T), from the members'
// log-probabilities [M, N, C] (log_softmax(z_m) differs from z_m by a
// constant per row, which softmax ignores): [N, C].
torch::Tensor SoftTargets(const torch::Tensor& member_log_probs, double temperature);

// Hinton et al. (2015), the batch mean of
// (1 - alpha) CE(y, softmax(z)) + alpha T^2 KL(p_T || softmax(z / T)).
torch::Tensor HintonLoss(const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor& soft_targets,
                         double alpha, double temperature);

// EnD^2 (Malinin et al. 2020), the batch mean of the negative log-likelihood
// of the members' predictions pi_m (each softmax(z_m / T), mixed with uniform
// by `smoothing`) under the Dirichlet of concentrations alpha = exp(z / T):
//   sum_c lnGamma(alpha_c) - lnGamma(alpha_0) - sum_c (alpha_c - 1) mean_m log pi_mc.
// `member_log_probs`: [M, n, C] for the batch's n examples. With
// `precondition`, each example's term is divided by its alpha_0 held
// constant: the same stationary points per example, gradients that stay
// bounded where the members agree (and the likelihood grows without bound
// with the precision).
torch::Tensor DirichletLoss(const torch::Tensor& logits, const torch::Tensor& member_log_probs, double temperature,
                            double smoothing, bool precondition);

// T at 1-based `iteration`: from `start` down to 1 linearly over the first
// `anneal_iterations`, then 1.
double AnnealedTemperature(double start, double anneal_iterations, int64_t iteration);

}  // namespace ens

#endif  // ENSEMBLES_ENSEMBLES_DISTILLATION_LOSS_H_
