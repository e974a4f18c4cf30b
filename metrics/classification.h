// Metrics of predicted class probabilities, each a pure function of
// (log-probabilities [N, C], labels int64 [N]).
//
//   ErrorPercent  100 * fraction of argmax != label
//   Nll           mean -log p(label)
//   Brier         mean over examples of sum_c (p_c - 1[c = label])^2
//   Ece           expected calibration error, equal-width confidence bins
//   MisclassificationAuroc
//                 AUROC of the confidence (max p) separating correct from
//                 wrong predictions; ties count one half; NaN if either
//                 group is empty
#ifndef ENSEMBLES_METRICS_CLASSIFICATION_H_
#define ENSEMBLES_METRICS_CLASSIFICATION_H_

#include <cstdint>

#include <torch/types.h>

namespace ens {

double ErrorPercent(const torch::Tensor& log_probs, const torch::Tensor& labels);
double Nll(const torch::Tensor& log_probs, const torch::Tensor& labels);
double Brier(const torch::Tensor& log_probs, const torch::Tensor& labels);
double Ece(const torch::Tensor& log_probs, const torch::Tensor& labels, int64_t bins = 15);
double MisclassificationAuroc(const torch::Tensor& log_probs, const torch::Tensor& labels);

}  // namespace ens

#endif  // ENSEMBLES_METRICS_CLASSIFICATION_H_
