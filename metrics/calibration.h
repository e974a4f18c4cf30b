// Temperature scaling and the calibrated log-likelihood of Ashukha et al.
// ("Pitfalls of in-domain uncertainty estimation", ICLR 2020), test-time
// cross-validation: split the test set in two random halves, fit the
// temperature of the *ensemble's* log-probabilities on one half, evaluate the
// NLL on the other, swap, average; repeat over several splits.
#ifndef ENSEMBLES_METRICS_CALIBRATION_H_
#define ENSEMBLES_METRICS_CALIBRATION_H_

#include <cstdint>

#include <torch/types.h>

namespace ens {

// The T in [0.01, 100] minimising the NLL of softmax(log_probs / T). The NLL
// is convex in 1/T, so a golden-section search on log T finds the optimum.
double FitTemperature(const torch::Tensor& log_probs, const torch::Tensor& labels);

// NLL of softmax(log_probs / temperature).
double TemperedNll(const torch::Tensor& log_probs, const torch::Tensor& labels, double temperature);

// Mean over `splits` random half/half splits (from `seed`) of the
// cross-fitted tempered NLL.
double CalibratedNll(const torch::Tensor& log_probs, const torch::Tensor& labels, int64_t splits, uint64_t seed);

}  // namespace ens

#endif  // ENSEMBLES_METRICS_CALIBRATION_H_
